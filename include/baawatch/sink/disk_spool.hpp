#pragma once
// A bounded first-in first-out queue of byte strings on disk: where a TCP syslog destination
// keeps records while its receiver is down, so none is lost and they leave in order.
//
// Layout: `<path>` holds the records, each as a 4-byte big-endian length and the bytes;
// `<path>.head` holds the offset of the first record not yet delivered. pop() moves the head
// after delivery; a crash between delivery and the head update re-delivers (duplicates carry the
// same record id, so the SIEM drops them), it never loses. When everything is delivered both files
// are truncated; before that, the delivered head of the data file is punched out every MiB, so
// the bound counts only pending records. A spool left by a previous run is picked up by open().
// Thread: one thread at a time. Errors are values (I/O errors name the file).
#include <cstdint>
#include <optional>
#include <string>

#include "baawatch/common/expected.hpp"

namespace baawatch::sink {

// A file descriptor with one owner: closed on destruction, moved not copied. Also used by the
// syslog sink for its sockets.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

class DiskSpool {
 public:
  // Creates or reopens the spool; `maxBytes` bounds the pending records' bytes on disk (the whole
  // data file where the file system cannot punch holes).
  static Expected<DiskSpool, std::string> open(const std::string& path, std::uint64_t maxBytes);

  DiskSpool(DiskSpool&&) noexcept = default;
  DiskSpool& operator=(DiskSpool&&) noexcept = default;

  enum class PushResult : std::uint8_t { kStored, kFull, kIoError };
  PushResult push(std::string_view record);
  // The oldest record, without removing it; nullopt when empty (or unreadable: see lastError()).
  std::optional<std::string> front();
  // Removes the record front() returned.
  void pop();

  bool empty() const { return head_ >= size_; }
  std::uint64_t pendingBytes() const { return size_ - head_; }
  std::uint64_t pendingRecords() const { return records_; }
  const std::string& path() const { return path_; }
  const std::string& lastError() const { return lastError_; }

 private:
  DiskSpool(std::string path, std::uint64_t maxBytes, UniqueFd dataFd, UniqueFd headFd);
  void storeHead();
  void resetIfDrained();
  void freeDelivered();

  std::string path_;
  std::uint64_t maxBytes_ = 0;
  UniqueFd dataFd_;
  UniqueFd headFd_;
  std::uint64_t head_ = 0;      // offset of the oldest undelivered record
  std::uint64_t size_ = 0;      // end of the data file
  std::uint64_t records_ = 0;   // undelivered records
  std::uint32_t frontLength_ = 0;
  std::uint64_t freedUpTo_ = 0;     // the data file's blocks before this are punched out
  bool canFreeDelivered_ = true;
  bool headStored_ = true;          // the last storeHead() wrote the head whole
  std::string lastError_;
};

}  // namespace baawatch::sink
