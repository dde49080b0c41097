#include <fcntl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "baawatch/common/timestamp.hpp"
#include "baawatch/sink/hash_chain.hpp"
#include "baawatch/sink/record_sink.hpp"
#include "baawatch/record/event_type.hpp"
#include "sink/chain_state.hpp"

namespace baawatch::sink {
namespace {

using nlohmann::json;

std::shared_ptr<spdlog::logger> sinkLogger() {
  if (auto logger = spdlog::get("sink")) return logger;
  return spdlog::stderr_color_mt("sink");
}

std::string wallClockNow() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return formatRfc3339(Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()});
}

// Reads [offset, offset + length) fully; false on a read error.
bool readAt(int fd, std::uint64_t offset, std::size_t length, std::string& out) {
  out.resize(length);
  std::size_t done = 0;
  while (done < length) {
    ssize_t got = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

// Offset just after the last '\n' before `end` (0 when there is none). Scans backwards in
// blocks, so only the tail of a large log is read.
bool lineStartBefore(int fd, std::uint64_t end, std::uint64_t& start) {
  constexpr std::uint64_t kBlock = 65536;
  std::string block;
  std::uint64_t position = end;
  while (position > 0) {
    std::uint64_t from = position > kBlock ? position - kBlock : 0;
    if (!readAt(fd, from, static_cast<std::size_t>(position - from), block)) return false;
    auto newline = block.rfind('\n');
    if (newline != std::string::npos) {
      start = from + newline + 1;
      return true;
    }
    position = from;
  }
  start = 0;
  return true;
}

// What an existing file ends with.
struct FileTail {
  bool partial = false;           // the last line has no '\n'
  std::uint64_t partialOffset = 0;
  std::string partialText;
  std::string lastHash;           // chain.hash of the last complete line, if it has one
  bool hasCompleteLine = false;
};

Expected<FileTail, std::string> readTail(int fd, std::uint64_t size) {
  FileTail tail;
  std::string lastByte;
  if (!readAt(fd, size - 1, 1, lastByte)) return unexpected(std::string(std::strerror(errno)));
  std::uint64_t completeEnd = size;  // one past the '\n' that ends the last complete line
  if (lastByte[0] != '\n') {
    tail.partial = true;
    if (!lineStartBefore(fd, size, tail.partialOffset) ||
        !readAt(fd, tail.partialOffset, static_cast<std::size_t>(size - tail.partialOffset),
                tail.partialText))
      return unexpected(std::string(std::strerror(errno)));
    completeEnd = tail.partialOffset;
  }
  if (completeEnd == 0) return tail;
  tail.hasCompleteLine = true;
  std::uint64_t start = 0;
  std::string line;
  if (!lineStartBefore(fd, completeEnd - 1, start) ||
      !readAt(fd, start, static_cast<std::size_t>(completeEnd - 1 - start), line))
    return unexpected(std::string(std::strerror(errno)));
  json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_object() && record.contains("chain") && record["chain"].is_object() &&
      record["chain"].contains("hash") && record["chain"]["hash"].is_string())
    tail.lastHash = record["chain"]["hash"].get<std::string>();
  return tail;
}

// The last hash of the chained file at `path`, read from its end; empty when it has none.
std::string lastHashOf(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string hash;
  struct stat status {};
  if (::fstat(fd, &status) == 0 && status.st_size > 0) {
    auto tail = readTail(fd, static_cast<std::uint64_t>(status.st_size));
    if (tail) hash = tail->lastHash;
  }
  ::close(fd);
  return hash;
}

// The name a predecessor is given: its file name when it is in the log's folder (logrotate's
// usual rename), else the whole path (logrotate's olddir).
std::string nameBeside(const std::string& logPath, const std::string& other) {
  namespace fs = std::filesystem;
  fs::path log(logPath);
  fs::path found(other);
  std::error_code error;
  if (fs::equivalent(log.parent_path().empty() ? "." : log.parent_path(),
                     found.parent_path().empty() ? "." : found.parent_path(), error))
    return found.filename().string();
  return other;
}

// A new file at `path` (device/inode `device`, `inode`) continues the file last written there,
// when `.NAME.chain` says which one that was: where it is now (found by inode, its last hash read
// from it, which is right even after a crash) or, when it is gone (compressed, deleted), the name
// and last hash the state kept.
std::optional<ChainPredecessor> predecessorFromState(const std::string& path, std::uint64_t device,
                                                     std::uint64_t inode) {
  auto state = readChainState(path);
  if (!state) return std::nullopt;
  if (state->device != device || state->inode != inode) {
    std::string folder = std::filesystem::path(path).parent_path().string();
    if (auto found = findFileByInode(folder, state->device, state->inode)) {
      std::string hash = lastHashOf(*found);
      if (!hash.empty()) return ChainPredecessor{nameBeside(path, *found), hash};
    }
  }
  // Same file without its chain (truncated in place), or the old file is gone: what the state kept.
  if (state->lastHash.size() != 64) return std::nullopt;
  return ChainPredecessor{state->file, state->lastHash};
}

}  // namespace

Expected<std::unique_ptr<JsonLinesSink>, std::string> JsonLinesSink::open(const std::string& path) {
  return open(path, JsonLinesSinkOptions{});
}

Expected<std::unique_ptr<JsonLinesSink>, std::string> JsonLinesSink::open(
    const std::string& path, const JsonLinesSinkOptions& options) {
  if (path == "-") return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(STDOUT_FILENO, false, false));
  // O_APPEND: each write lands at the end even if another process appends too (logrotate's
  // copytruncate, an operator's echo), so a line is never interleaved inside another.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return unexpected(path + ": " + std::strerror(errno));
  std::unique_ptr<JsonLinesSink> sink(new JsonLinesSink(fd, true, options.hashChain));
  sink->path_ = path;
  struct stat status {};
  if (::fstat(fd, &status) != 0) return unexpected(path + ": " + std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(status.st_size);
  sink->device_ = static_cast<std::uint64_t>(status.st_dev);
  sink->inode_ = static_cast<std::uint64_t>(status.st_ino);

  FileTail tail;
  if (size > 0) {
    auto read = readTail(fd, size);
    if (!read) return unexpected(path + ": cannot read the end of the file: " + read.error());
    tail = std::move(*read);
  }
  json partialLine;
  if (tail.partial) {
    // A crash mid-write left a line without its end; what follows must start on a line of its
    // own, or the next record would be glued to the fragment and both would be unreadable.
    sink->writeLine("\n");
    sink->partialLinesRecovered_.fetch_add(1, std::memory_order_relaxed);
    partialLine = {{"offset", tail.partialOffset},
                   {"bytes", tail.partialText.size()},
                   {"sha256", sha256Hex(tail.partialText)}};
    sinkLogger()->warn("{}: the last line ({} bytes at offset {}) was cut short, probably by a crash; "
                       "it is kept as it is and writing goes on from a fresh line",
                       path, tail.partialText.size(), tail.partialOffset);
  }
  if (!sink->chained_) return sink;

  const std::string created = options.createdAt.empty() ? wallClockNow() : options.createdAt;
  if (!tail.lastHash.empty()) {
    sink->lastHash_ = tail.lastHash;  // a restart goes on with the chain it finds
    if (tail.partial) {
      json recovery = {{"event_type", record::toString(record::EventType::kSinkRecovery)}, {"schema_version", 1},
                       {"timestamp", created}, {"partial_line", partialLine}};
      sink->write(recovery);
    }
    sink->saveChainState();
    return sink;
  }
  if (tail.hasCompleteLine) {
    sinkLogger()->warn("{}: the file already holds records without a hash chain; new records are "
                       "chained, but `baawatch verify` will report the earlier lines", path);
  }
  std::optional<ChainPredecessor> predecessor = options.predecessor;
  if (!predecessor) predecessor = predecessorFromState(path, sink->device_, sink->inode_);
  if (predecessor) {
    sinkLogger()->info("{}: a new file; its chain continues {} (last hash {})", path,
                       predecessor->file, predecessor->lastHash);
  }
  json start = chainStartRecord(std::filesystem::path(path).filename().string(), created,
                                predecessor);
  if (tail.partial) start["partial_line"] = partialLine;
  std::string anchor = predecessor ? predecessor->lastHash
                                   : chainAnchor(start["file"].get<std::string>(), created);
  sink->lastHash_ = anchor;
  sink->write(start);
  sink->saveChainState();
  return sink;
}

JsonLinesSink::~JsonLinesSink() {
  if (owned_) {
    ::fdatasync(fd_);
    saveChainState();
    ::close(fd_);
  }
}

Counters JsonLinesSink::counters() const {
  Counters counters;
  counters.add("sink.partial_line_recovered", partialLinesRecovered_.load(std::memory_order_relaxed));
  counters.add("sink.write_errors", writeErrors_.load(std::memory_order_relaxed));
  return counters;
}

std::optional<ChainPredecessor> JsonLinesSink::rotationLink() const {
  if (!owned_ || !chained_ || lastHash_.empty()) return std::nullopt;
  std::string name = std::filesystem::path(path_).filename().string();
  if (auto now = currentPathOf(fd_)) {
    constexpr std::string_view kDeleted = " (deleted)";
    bool deleted = now->size() > kDeleted.size() &&
                   now->compare(now->size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0;
    name = deleted ? name + std::string(kDeleted) : nameBeside(path_, *now);
  }
  return ChainPredecessor{name, lastHash_};
}

void JsonLinesSink::saveChainState() const {
  if (!owned_ || !chained_ || lastHash_.empty()) return;
  // Only while this file is still the one at its path: after a rotation the state belongs to the
  // new file, and the old one must not overwrite it on its way out.
  struct stat status {};
  if (::stat(path_.c_str(), &status) != 0 || static_cast<std::uint64_t>(status.st_dev) != device_ ||
      static_cast<std::uint64_t>(status.st_ino) != inode_)
    return;
  if (!writeChainState(path_, ChainState{std::filesystem::path(path_).filename().string(), device_,
                                         inode_, lastHash_})) {
    sinkLogger()->warn("{}: cannot write {}: the next file after a rotation may not name this one",
                       path_, chainStatePath(path_));
  }
}

bool JsonLinesSink::writeLine(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t wrote = ::write(fd_, line.data() + done, line.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      int error = wrote < 0 ? errno : ENOSPC;
      // Cut what part of the line got out, so the next record starts a line of its own instead
      // of being glued to a fragment (two unreadable records, and a chain verify calls altered).
      // With O_APPEND the file offset sits just after our own bytes, wherever others appended.
      if (done > 0 && owned_) {
        off_t end = ::lseek(fd_, 0, SEEK_CUR);
        if (end >= static_cast<off_t>(done) && ::ftruncate(fd_, end - static_cast<off_t>(done)) == 0)
          done = 0;
      }
      writeErrors_.fetch_add(1, std::memory_order_relaxed);
      if (!failing_) {
        failing_ = true;
        sinkLogger()->error("{}: cannot write a record ({}){}: records are lost from this file "
                            "until writes work again (counted as sink.write_errors)",
                            path_.empty() ? std::string("stdout") : path_, std::strerror(error),
                            done > 0 ? ", and a part of it stays in the file" : "");
      }
      return false;
    }
    done += static_cast<std::size_t>(wrote);
  }
  if (failing_) {
    failing_ = false;
    sinkLogger()->warn("{}: writing again after {} lost records", path_.empty() ? "stdout" : path_,
                       writeErrors_.load(std::memory_order_relaxed));
  }
  return true;
}

void JsonLinesSink::write(const nlohmann::json& record) {
  std::string line;
  std::string hash;
  if (chained_) {
    json sealed = record;
    line = sealRecord(sealed, lastHash_);
    hash = sealed["chain"]["hash"].get<std::string>();
  } else {
    line = canonicalRecordText(record);
  }
  line.push_back('\n');
  // One write(2) for the whole line: a crash cuts at most this one. The chain moves on only with
  // a record that is in the file.
  if (!writeLine(line)) return;
  if (chained_) lastHash_ = std::move(hash);
  ++written_;
}

void JsonLinesSink::flush() {
  if (!owned_) return;
  ::fdatasync(fd_);
  saveChainState();
}

}  // namespace baawatch::sink
