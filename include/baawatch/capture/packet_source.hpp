#pragma once
// Where packets come from: a pcap/pcapng file (libpcap reads both) or, later, a live interface.
// RawPacket views libpcap's buffer and is valid until the next call to next().
// pcap.h stays out of this header (STYLE.md §4).
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "baawatch/common/expected.hpp"
#include "baawatch/common/timestamp.hpp"

namespace baawatch::capture {

struct RawPacket {
  Timestamp time;
  std::uint32_t wireLength = 0;
  std::span<const std::uint8_t> data;
  int linkType = 0;  // pcap DLT of the interface it came from
};

enum class NextStatus : std::uint8_t { kPacket, kEnd, kError };

struct CaptureError {
  std::string message;  // one line, names the file or interface
};

class PcapFileSource {
 public:
  // Opens a pcap or pcapng file. Fails with a one-line message naming the file when it cannot be
  // read or is not a capture.
  static Expected<PcapFileSource, CaptureError> open(const std::string& path);

  PcapFileSource(PcapFileSource&&) noexcept;
  PcapFileSource& operator=(PcapFileSource&&) noexcept;
  ~PcapFileSource();

  // kPacket fills `packet`; kEnd at the end of the file; kError with lastError() set when the
  // file is damaged (e.g. truncated mid-record): what was read before stays valid.
  NextStatus next(RawPacket& packet);

  int linkType() const;
  const std::string& path() const { return path_; }
  const std::string& lastError() const { return lastError_; }

 private:
  struct Handle;
  PcapFileSource(std::string path, std::unique_ptr<Handle> handle);
  std::string path_;
  std::unique_ptr<Handle> handle_;
  std::string lastError_;
};

}  // namespace baawatch::capture
