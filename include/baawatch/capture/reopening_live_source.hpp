#pragma once
// A live interface that outlives its pcap handle: when the interface goes away (down, deleted,
// driver reset) the handle is closed, the loss is logged and counted, and the interface is
// reopened with a doubling backoff; while it is down next() says kIdle and idleWaitMillis() how
// long until the next attempt. The gap is logged and counted when it comes back. So a reader sees
// one source that is sometimes quiet, never broken.
// Thread: one thread at a time.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/capture/pcap_live_source.hpp"
#include "baawatch/common/counters.hpp"

namespace baawatch::capture {

enum class CaptureLogLevel : std::uint8_t { kDebug, kWarning, kError };

struct ReopeningLiveOptions {
  LiveCaptureOptions capture;
  double reopenMinSeconds = 1;
  double reopenMaxSeconds = 30;
  // Whether a handle that comes back with `linkType` can be read (the decoder's list); empty: any.
  std::function<bool(int linkType)> linkTypeSupported;
  // Where the loss, each failed attempt and the return are told; may be empty.
  std::function<void(CaptureLogLevel, const std::string&)> log;
};

class ReopeningLiveSource final : public PacketSource {
 public:
  // Takes the already open handle (opened before privileges were dropped).
  ReopeningLiveSource(ReopeningLiveOptions options, PcapLiveSource opened);

  // kPacket or kIdle; never kEnd or kError. While the interface is down, a call past the time of
  // the next attempt tries to reopen it.
  NextStatus next(RawPacket& packet) override;
  int linkType() const override { return linkType_; }
  const std::string& name() const override { return options_.capture.interface; }
  const std::string& lastError() const override { return lastError_; }
  // -1 while the interface is down.
  int selectableFd() const override;
  // 250 ms, or less when the next reopen attempt is due sooner.
  int idleWaitMillis() const override;

  // capture.kernel_drops, capture.interface_drops, capture.reopens, capture.down_seconds, and
  // capture.lost once the interface was lost.
  Counters counters() const;

 private:
  void lose(const std::string& why);
  void tryReopen(Timestamp now);
  void retireStats();
  void log(CaptureLogLevel level, const std::string& line) const {
    if (options_.log) options_.log(level, line);
  }

  ReopeningLiveOptions options_;
  std::optional<PcapLiveSource> source_;
  int linkType_ = 0;
  std::string lastError_;
  LiveCaptureStats retired_;  // totals of handles closed before the current one
  std::uint64_t losses_ = 0;
  std::uint64_t reopens_ = 0;
  std::uint64_t downMicros_ = 0;
  Timestamp downSince_{};
  Timestamp nextReopen_{};
  double backoff_ = 1;
};

// Timestamp of the wall clock (live packet times come from the same clock).
Timestamp wallClockNow();

}  // namespace baawatch::capture
