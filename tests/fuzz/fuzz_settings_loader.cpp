// The settings loader (baawatch.yaml): Settings or a ConfigError.
#include "baawatch/common/config_error.hpp"
#include "baawatch/daemon/settings_loader.hpp"
#include "fuzz_support.hpp"

namespace {
baawatch::fuzz::ScratchFolder& scratch() {
  static baawatch::fuzz::ScratchFolder folder;  // one per fuzzing process
  return folder;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string file = scratch().write("baawatch.yaml", {data, size});
  try {
    auto settings = baawatch::daemon::loadSettings(file);
    (void)settings;
  } catch (const baawatch::ConfigError&) {
  }
  return 0;
}
