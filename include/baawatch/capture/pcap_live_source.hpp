#pragma once
// Live capture from a network interface with libpcap. One PcapLiveSource is one open pcap_t
// (RAII); reopening after the interface went away is ReopeningLiveSource's job, so this type
// stays a thin, testable wrapper. RawPacket views libpcap's buffer and is valid until
// the next call to next(). Thread: one thread at a time. pcap.h stays out of this header.
#include <cstdint>
#include <memory>
#include <string>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/common/expected.hpp"

namespace baawatch::capture {

struct LiveCaptureOptions {
  std::string interface;
  std::uint32_t snaplen = 262144;          // bytes kept per packet (libpcap's default)
  std::uint32_t bufferBytes = 16u << 20;   // kernel ring/buffer size; bursts beyond it drop
  std::uint32_t timeoutMillis = 250;       // buffering timeout when not in immediate mode
  bool immediate = false;                  // true: deliver each packet at once (no batching delay)
  bool promiscuous = true;                 // a gateway mirror port sees others' traffic
  std::string filter;                      // BPF expression; empty = everything
};

// Cumulative since this handle was opened (pcap_stats semantics on Linux).
struct LiveCaptureStats {
  std::uint64_t received = 0;
  std::uint64_t kernelDrops = 0;      // ps_drop: the buffer was full
  std::uint64_t interfaceDrops = 0;   // ps_ifdrop: dropped by the interface/driver
};

// libpcap's complaint about a BPF expression (compiled for Ethernet), or empty when it compiles:
// lets the configuration refuse a bad `capture.filter` with its place in the file, before any
// interface is opened.
std::string bpfFilterError(const std::string& filter, std::uint32_t snaplen);

class PcapLiveSource final : public PacketSource {
 public:
  // Opens and activates the interface with the options; fails with a one-line message naming
  // the interface (no such device, permission, bad filter with libpcap's words).
  static Expected<PcapLiveSource, CaptureError> open(const LiveCaptureOptions& options);

  PcapLiveSource(PcapLiveSource&&) noexcept;
  PcapLiveSource& operator=(PcapLiveSource&&) noexcept;
  ~PcapLiveSource();

  // Never blocks: the handle is in non-blocking mode. kIdle when no packet is ready; kError when
  // the handle is broken (interface down or gone), never kEnd.
  NextStatus next(RawPacket& packet) override;
  // Expected only when pcap_stats fails (the handle is broken).
  Expected<LiveCaptureStats, CaptureError> stats() const;
  int linkType() const override;
  // Readable when packets are ready (or the handle broke): poll it beside the signalfd so the
  // loop never blocks inside libpcap (in immediate mode libpcap may poll without a timeout).
  int selectableFd() const override;
  const std::string& name() const override { return interface_; }
  const std::string& lastError() const override { return lastError_; }

 private:
  struct Handle;
  PcapLiveSource(std::string interface, std::unique_ptr<Handle> handle);
  std::string interface_;
  std::unique_ptr<Handle> handle_;
  std::string lastError_;
};

}  // namespace baawatch::capture
