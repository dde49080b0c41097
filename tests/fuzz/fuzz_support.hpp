#pragma once
// Shared pieces of the libFuzzer targets in this folder. Each target is one
// LLVMFuzzerTestOneInput; built with -DBAAWATCH_FUZZ=ON it links libFuzzer, otherwise
// replay_main.cpp runs it over the checked-in corpus and regressions (tests/fuzz/README.md).
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>

namespace baawatch::fuzz {

// A scratch folder for targets that must hand the loaders a file: made once per fuzzing
// process (mkdtemp, so parallel jobs never share one) and removed when the process exits.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "baawatch-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  // Replaces `relative` with exactly `bytes` and returns its full path.
  std::string write(const std::string& relative, std::span<const std::uint8_t> bytes) const {
    std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream stream(file, std::ios::binary | std::ios::trunc);
    stream.write(reinterpret_cast<const char*>(bytes.data()),
                 static_cast<std::streamsize>(bytes.size()));
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Where the source tree's signatures are (compiled in; overridable for an installed fuzzer).
inline std::string sourceDir() {
  if (const char* fromEnv = std::getenv("BAAWATCH_SOURCE_DIR"); fromEnv && *fromEnv) return fromEnv;
  return BAAWATCH_SOURCE_DIR;
}

// Forces every byte of a view to be read, so a view that reaches past the input buffer is an
// ASan report here rather than a silent over-read that only a later stage would touch.
inline std::uint8_t touch(std::span<const std::uint8_t> view) {
  std::uint8_t sum = 0;
  for (std::uint8_t byte : view) sum = static_cast<std::uint8_t>(sum + byte);
  return sum;
}

// Input to the frame-level targets: byte 0 picks the link type (index into kLinkTypes), the
// rest is a sequence of [u16 big-endian length][frame bytes]; a short tail is the last frame.
// The same format is what make_corpus.py writes from the project's captures.
inline constexpr int kLinkTypes[] = {1, 0, 101, 12, 14, 108, 113, 276, 228, 229, 105, 147};

class FrameSplitter {
 public:
  explicit FrameSplitter(std::span<const std::uint8_t> input) : rest_(input) {}
  // The next frame, or false at the end.
  bool next(std::span<const std::uint8_t>& frame) {
    if (rest_.empty()) return false;
    if (rest_.size() < 2) {
      frame = rest_;
      rest_ = {};
      return true;
    }
    std::size_t length = (std::size_t{rest_[0]} << 8) | rest_[1];
    rest_ = rest_.subspan(2);
    if (length > rest_.size()) length = rest_.size();
    frame = rest_.first(length);
    rest_ = rest_.subspan(length);
    return true;
  }

 private:
  std::span<const std::uint8_t> rest_;
};

}  // namespace baawatch::fuzz
