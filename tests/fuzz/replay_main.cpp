// Runs one fuzz target over files and folders given on the command line, without libFuzzer:
// the normal and sanitizer builds use it to replay the seed corpus and every crash input kept in
// regressions/, so a fixed crash stays fixed in every CI build, not only in the fuzz build.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

int replayFile(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  // An exactly sized heap copy, as libFuzzer gives: one byte past it is an ASan report.
  std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  auto* exact = new std::uint8_t[input.size() + (input.empty() ? 1 : 0)];
  std::copy(input.begin(), input.end(), exact);
  LLVMFuzzerTestOneInput(exact, input.size());
  delete[] exact;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  int replayed = 0;
  for (int index = 1; index < argc; ++index) {
    std::filesystem::path path = argv[index];
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path))
        if (entry.is_regular_file()) replayed += replayFile(entry.path());
    } else if (std::filesystem::exists(path)) {
      replayed += replayFile(path);
    }
  }
  std::cout << "replayed " << replayed << " inputs\n";
  // A target with no input at all is a wiring mistake (a wrong folder), not a pass.
  return replayed > 0 ? 0 : 1;
}
