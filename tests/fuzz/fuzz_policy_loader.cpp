// The policy loader against the project's real signature catalog: a Policy or a ConfigError.
#include <memory>

#include "baawatch/classify/signature.hpp"
#include "baawatch/common/config_error.hpp"
#include "baawatch/policy/policy.hpp"
#include "fuzz_support.hpp"

namespace {
struct Fixture {
  baawatch::fuzz::ScratchFolder scratch;
  baawatch::classify::SignatureCatalog catalog =
      baawatch::classify::loadSignatureCatalog(baawatch::fuzz::sourceDir() + "/signatures");
};
Fixture& fixture() {
  static Fixture made;  // loaded once per fuzzing process; read-only afterwards
  return made;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string file = fixture().scratch.write("policy.yaml", {data, size});
  try {
    auto policy = baawatch::policy::loadPolicy(file, fixture().catalog);
    (void)policy;
  } catch (const baawatch::ConfigError&) {
  }
  return 0;
}
