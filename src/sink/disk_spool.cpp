#include "baawatch/sink/disk_spool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace baawatch::sink {
namespace {

bool readAll(int fd, void* buffer, std::size_t length, std::uint64_t offset) {
  auto* bytes = static_cast<char*>(buffer);
  while (length > 0) {
    ssize_t got = ::pread(fd, bytes, length, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    bytes += got;
    length -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

bool writeAll(int fd, const void* buffer, std::size_t length, std::uint64_t offset) {
  const auto* bytes = static_cast<const char*>(buffer);
  while (length > 0) {
    ssize_t put = ::pwrite(fd, bytes, length, static_cast<off_t>(offset));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    bytes += put;
    length -= static_cast<std::size_t>(put);
    offset += static_cast<std::uint64_t>(put);
  }
  return true;
}

std::uint32_t decodeLength(const unsigned char* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

}  // namespace

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

DiskSpool::DiskSpool(std::string path, std::uint64_t maxBytes, UniqueFd dataFd, UniqueFd headFd)
    : path_(std::move(path)),
      maxBytes_(maxBytes),
      dataFd_(std::move(dataFd)),
      headFd_(std::move(headFd)) {}

Expected<DiskSpool, std::string> DiskSpool::open(const std::string& path, std::uint64_t maxBytes) {
  UniqueFd dataFile(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!dataFile.valid()) return unexpected(path + ": " + std::strerror(errno));
  std::string headPath = path + ".head";
  UniqueFd headFile(::open(headPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!headFile.valid()) return unexpected(headPath + ": " + std::strerror(errno));
  int dataFd = dataFile.get();
  int headFd = headFile.get();
  DiskSpool spool(path, maxBytes, std::move(dataFile), std::move(headFile));
  struct stat info {};
  if (::fstat(dataFd, &info) != 0) return unexpected(path + ": " + std::strerror(errno));
  spool.size_ = static_cast<std::uint64_t>(info.st_size);
  unsigned char head[8] = {};
  if (readAll(headFd, head, sizeof head, 0)) {
    for (unsigned char byte : head) spool.head_ = (spool.head_ << 8) | byte;
  }
  // Walk the records once: counts them and finds a torn last record (a crash mid-append), which
  // is cut off so the next append starts on a record boundary.
  std::uint64_t offset = spool.head_ > spool.size_ ? spool.size_ : spool.head_;
  spool.head_ = offset;
  while (offset + 4 <= spool.size_) {
    unsigned char length[4];
    if (!readAll(dataFd, length, 4, offset)) break;
    std::uint64_t end = offset + 4 + decodeLength(length);
    if (end > spool.size_) break;
    offset = end;
    ++spool.records_;
  }
  if (offset != spool.size_) {
    if (::ftruncate(dataFd, static_cast<off_t>(offset)) != 0) {
      return unexpected(path + ": " + std::strerror(errno));
    }
    spool.size_ = offset;
  }
  spool.resetIfDrained();
  return spool;
}

DiskSpool::PushResult DiskSpool::push(std::string_view record) {
  std::uint64_t needed = 4 + record.size();
  // The bound is on what the spool holds on disk: the pending records, once delivered ones give
  // their space back (pop()); where the file system cannot do that, the whole file.
  std::uint64_t held = canFreeDelivered_ ? pendingBytes() : size_;
  if (held + needed > maxBytes_) return PushResult::kFull;
  std::string frame;
  frame.reserve(needed);
  auto length = static_cast<std::uint32_t>(record.size());
  frame.push_back(static_cast<char>(length >> 24));
  frame.push_back(static_cast<char>(length >> 16));
  frame.push_back(static_cast<char>(length >> 8));
  frame.push_back(static_cast<char>(length));
  frame.append(record);
  if (!writeAll(dataFd_.get(), frame.data(), frame.size(), size_)) {
    lastError_ = path_ + ": " + std::strerror(errno);
    // A partial frame past size_ is overwritten by the next push and cut off by open().
    return PushResult::kIoError;
  }
  size_ += needed;
  ++records_;
  return PushResult::kStored;
}

std::optional<std::string> DiskSpool::front() {
  if (empty()) return std::nullopt;
  unsigned char length[4];
  if (!readAll(dataFd_.get(), length, 4, head_)) {
    lastError_ = path_ + ": cannot read the record at offset " + std::to_string(head_);
    return std::nullopt;
  }
  frontLength_ = decodeLength(length);
  std::string record(frontLength_, '\0');
  if (frontLength_ > 0 && !readAll(dataFd_.get(), record.data(), frontLength_, head_ + 4)) {
    lastError_ = path_ + ": cannot read the record at offset " + std::to_string(head_);
    return std::nullopt;
  }
  return record;
}

void DiskSpool::pop() {
  if (empty()) return;
  head_ += 4 + frontLength_;
  frontLength_ = 0;
  if (records_ > 0) --records_;
  storeHead();
  resetIfDrained();
  freeDelivered();
}

void DiskSpool::freeDelivered() {
  // A receiver that keeps up with new records but never lets the spool run dry would otherwise
  // grow the file by every record delivered from it. Punching the delivered head out (after the
  // head offset naming it delivered is stored) frees its blocks and keeps every offset.
  constexpr std::uint64_t kFreeEvery = 1 << 20;
  constexpr std::uint64_t kBlock = 4096;
  std::uint64_t end = head_ & ~(kBlock - 1);
  if (!canFreeDelivered_ || end < freedUpTo_ + kFreeEvery) return;
  // The head that names these records delivered must be on disk before their bytes are gone:
  // after a power cut, a head older than the hole would walk zeros into the middle of a record,
  // and open() would cut every pending record after it as torn.
  if (!headStored_ || ::fdatasync(headFd_.get()) != 0) return;
  if (::fallocate(dataFd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  static_cast<off_t>(freedUpTo_), static_cast<off_t>(end - freedUpTo_)) != 0) {
    // EOPNOTSUPP and the like: the bound falls back to the file's size, as push() says.
    canFreeDelivered_ = false;
    lastError_ = path_ + ": cannot free delivered records (" + std::strerror(errno) +
                 "): the spool's bound now counts them until it drains";
    return;
  }
  freedUpTo_ = end;
}

void DiskSpool::storeHead() {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(head_ >> (56 - 8 * i));
  headStored_ = writeAll(headFd_.get(), bytes, sizeof bytes, 0);
  if (!headStored_) lastError_ = path_ + ".head: " + std::strerror(errno);
}

void DiskSpool::resetIfDrained() {
  if (head_ < size_ || size_ == 0) return;
  // Everything delivered: start the files over so the spool never grows without bound.
  if (::ftruncate(dataFd_.get(), 0) != 0) lastError_ = path_ + ": " + std::strerror(errno);
  head_ = 0;
  size_ = 0;
  records_ = 0;
  freedUpTo_ = 0;
  storeHead();
}

}  // namespace baawatch::sink
