#pragma once
// Where packets come from: a PacketSource is a pcap/pcapng file (libpcap reads both, this file),
// a live interface (pcap_live_source.hpp) or a live interface that reopens itself when it goes
// away (reopening_live_source.hpp). The engine's one runner reads any of them.
// RawPacket views the source's buffer and is valid until the next call to next().
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

enum class NextStatus : std::uint8_t {
  kPacket,  // `packet` is filled
  kIdle,    // none ready now (live only): wait on selectableFd() before asking again
  kEnd,     // no packet will come (end of a file)
  kError,   // lastError() says why; a file's packets read before stay valid, a live handle is
            // broken
};

struct CaptureError {
  std::string message;  // one line, names the file or interface
};

// Thread: one thread at a time.
class PacketSource {
 public:
  virtual ~PacketSource() = default;

  virtual NextStatus next(RawPacket& packet) = 0;
  virtual int linkType() const = 0;
  // The file or interface, for logs.
  virtual const std::string& name() const = 0;
  virtual const std::string& lastError() const = 0;
  // After kIdle: a descriptor that becomes readable when next() has something new (-1: none, wait
  // idleWaitMillis()), and how long at most to wait before asking again.
  virtual int selectableFd() const { return -1; }
  virtual int idleWaitMillis() const { return 250; }
};

// How far a file has been read, for a progress line.
struct FileProgress {
  std::uint64_t bytesRead = 0;   // offset in the file (what libpcap's stdio buffer took in)
  std::uint64_t totalBytes = 0;  // the file's size; 0 when unknown (standard input, a pipe)
  std::uint64_t packets = 0;     // packets returned by next() so far
};

class PcapFileSource final : public PacketSource {
 public:
  // Opens a pcap or pcapng file. Fails with a one-line message naming the file when it cannot be
  // read or is not a capture.
  static Expected<PcapFileSource, CaptureError> open(const std::string& path);

  PcapFileSource(PcapFileSource&&) noexcept;
  PcapFileSource& operator=(PcapFileSource&&) noexcept;
  ~PcapFileSource();

  // kPacket fills `packet`; kEnd at the end of the file; kError with lastError() set when the
  // file is damaged (e.g. truncated mid-record): what was read before stays valid.
  NextStatus next(RawPacket& packet) override;  // never kIdle

  int linkType() const override;
  const std::string& name() const override { return path_; }
  const std::string& lastError() const override { return lastError_; }
  // One ftell(3) on the file: cheap enough a few times a second, not per packet.
  FileProgress progress() const;

 private:
  struct Handle;
  PcapFileSource(std::string path, std::unique_ptr<Handle> handle);
  std::string path_;
  std::unique_ptr<Handle> handle_;
  std::string lastError_;
};

}  // namespace baawatch::capture
