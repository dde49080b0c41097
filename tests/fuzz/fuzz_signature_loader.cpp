// The signatures loader with one fuzzed service file in an otherwise empty folder. The contract
// (classify/signature.hpp) is: a valid catalog or a ConfigError, nothing else. Any other
// exception escapes and libFuzzer reports it as a crash.
#include "baawatch/classify/signature.hpp"
#include "baawatch/common/config_error.hpp"
#include "fuzz_support.hpp"

namespace {
baawatch::fuzz::ScratchFolder& scratch() {
  static baawatch::fuzz::ScratchFolder folder;  // one per fuzzing process
  return folder;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  scratch().write("services/fuzzed.yaml", {data, size});
  try {
    auto catalog = baawatch::classify::loadSignatureCatalog(scratch().path());
    (void)catalog;
  } catch (const baawatch::ConfigError&) {
  }
  return 0;
}
