#include "sink/chain_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace baawatch::sink {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The state is a few hundred bytes; anything much larger is not ours.
constexpr std::size_t kMaxStateBytes = 4096;

bool writeAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

}  // namespace

std::string chainStatePath(const std::string& logPath) {
  fs::path path(logPath);
  return (path.parent_path() / ("." + path.filename().string() + ".chain")).string();
}

std::optional<ChainState> readChainState(const std::string& logPath) {
  std::ifstream stream(chainStatePath(logPath), std::ios::binary);
  if (!stream) return std::nullopt;
  std::string text(kMaxStateBytes + 1, '\0');
  stream.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(stream.gcount()));
  if (text.size() > kMaxStateBytes) return std::nullopt;
  json record = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!record.is_object() || !record.contains("file") || !record["file"].is_string() ||
      !record.contains("device") || !record["device"].is_number_unsigned() ||
      !record.contains("inode") || !record["inode"].is_number_unsigned())
    return std::nullopt;
  ChainState state;
  state.file = record["file"].get<std::string>();
  state.device = record["device"].get<std::uint64_t>();
  state.inode = record["inode"].get<std::uint64_t>();
  if (record.contains("last_hash") && record["last_hash"].is_string())
    state.lastHash = record["last_hash"].get<std::string>();
  return state;
}

bool writeChainState(const std::string& logPath, const ChainState& state) {
  const std::string target = chainStatePath(logPath);
  std::string scratch = target + ".XXXXXX";
  int fd = ::mkstemp(scratch.data());
  if (fd < 0) return false;
  json record = {{"file", state.file},
                 {"device", state.device},
                 {"inode", state.inode},
                 {"last_hash", state.lastHash},
                 {"what", "baawatch hash-chain state: lets the next file after a rotation name "
                          "this one (docs/tamper-evidence.md)"}};
  bool written = writeAll(fd, record.dump() + "\n") && ::fsync(fd) == 0;
  ::fchmod(fd, 0640);
  ::close(fd);
  if (!written || ::rename(scratch.c_str(), target.c_str()) != 0) {
    ::unlink(scratch.c_str());
    return false;
  }
  return true;
}

std::optional<std::string> findFileByInode(const std::string& folder, std::uint64_t device,
                                           std::uint64_t inode) {
  std::error_code error;
  for (fs::directory_iterator entry(folder.empty() ? "." : folder, error), end;
       !error && entry != end; entry.increment(error)) {
    struct stat status {};
    if (::lstat(entry->path().c_str(), &status) != 0 || !S_ISREG(status.st_mode)) continue;
    if (static_cast<std::uint64_t>(status.st_dev) == device &&
        static_cast<std::uint64_t>(status.st_ino) == inode)
      return entry->path().string();
  }
  return std::nullopt;
}

std::optional<std::string> currentPathOf(int fd) {
  std::error_code error;
  fs::path target = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), error);
  if (error) return std::nullopt;
  return target.string();
}

}  // namespace baawatch::sink
