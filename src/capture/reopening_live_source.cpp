#include "baawatch/capture/reopening_live_source.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>

namespace baawatch::capture {
namespace {

constexpr int kIdleWaitMillis = 250;

Microseconds toMicros(double seconds) { return static_cast<Microseconds>(seconds * 1e6); }

std::string formatSeconds(double seconds, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, seconds);
  return text;
}

// As the log formats them elsewhere: "1", "2.5".
std::string formatSetting(double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

}  // namespace

Timestamp wallClockNow() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return Timestamp{static_cast<Microseconds>(now.tv_sec) * 1000000 + now.tv_nsec / 1000};
}

ReopeningLiveSource::ReopeningLiveSource(ReopeningLiveOptions options, PcapLiveSource opened)
    : options_(std::move(options)),
      linkType_(opened.linkType()),
      backoff_(options_.reopenMinSeconds) {
  source_.emplace(std::move(opened));
}

NextStatus ReopeningLiveSource::next(RawPacket& packet) {
  if (!source_) {
    Timestamp now = wallClockNow();
    if (now < nextReopen_) return NextStatus::kIdle;
    tryReopen(now);
    if (!source_) return NextStatus::kIdle;
  }
  NextStatus status = source_->next(packet);
  if (status == NextStatus::kPacket) return status;
  if (status == NextStatus::kError || status == NextStatus::kEnd) lose(source_->lastError());
  return NextStatus::kIdle;
}

int ReopeningLiveSource::selectableFd() const { return source_ ? source_->selectableFd() : -1; }

int ReopeningLiveSource::idleWaitMillis() const {
  if (source_) return kIdleWaitMillis;
  Microseconds wait = nextReopen_.micros - wallClockNow().micros;
  return static_cast<int>(std::clamp<Microseconds>(wait / 1000, 0, kIdleWaitMillis));
}

Counters ReopeningLiveSource::counters() const {
  LiveCaptureStats total = retired_;
  if (source_) {
    if (auto current = source_->stats()) {
      total.kernelDrops += current->kernelDrops;
      total.interfaceDrops += current->interfaceDrops;
    }
  }
  Counters counters;
  counters.add("capture.kernel_drops", total.kernelDrops);
  counters.add("capture.interface_drops", total.interfaceDrops);
  counters.add("capture.reopens", reopens_);
  Microseconds down = static_cast<Microseconds>(downMicros_);
  if (!source_ && downSince_.micros > 0) down += wallClockNow().micros - downSince_.micros;
  counters.add("capture.down_seconds", static_cast<std::uint64_t>(down / 1000000));
  if (losses_ > 0) counters.add("capture.lost", losses_);
  return counters;
}

void ReopeningLiveSource::retireStats() {
  if (!source_) return;
  if (auto stats = source_->stats()) {
    retired_.received += stats->received;
    retired_.kernelDrops += stats->kernelDrops;
    retired_.interfaceDrops += stats->interfaceDrops;
  }
}

void ReopeningLiveSource::lose(const std::string& why) {
  lastError_ = why;
  log(CaptureLogLevel::kWarning, "capture lost: " + why + "; reopening every " +
                                     formatSetting(options_.reopenMinSeconds) + "-" +
                                     formatSetting(options_.reopenMaxSeconds) + " s");
  ++losses_;
  retireStats();
  source_.reset();
  downSince_ = wallClockNow();
  backoff_ = options_.reopenMinSeconds;
  nextReopen_ = Timestamp{downSince_.micros + toMicros(backoff_)};
}

void ReopeningLiveSource::tryReopen(Timestamp now) {
  auto reopened = PcapLiveSource::open(options_.capture);
  if (!reopened) {
    backoff_ = std::min(backoff_ * 2, options_.reopenMaxSeconds);
    nextReopen_ = Timestamp{now.micros + toMicros(backoff_)};
    log(CaptureLogLevel::kDebug, "reopen failed: " + reopened.error().message + "; next try in " +
                                     formatSetting(backoff_) + " s");
    return;
  }
  if (options_.linkTypeSupported && !options_.linkTypeSupported(reopened->linkType())) {
    backoff_ = options_.reopenMaxSeconds;
    nextReopen_ = Timestamp{now.micros + toMicros(backoff_)};
    log(CaptureLogLevel::kError, options_.capture.interface + " came back with unsupported link type " +
                                     std::to_string(reopened->linkType()));
    return;
  }
  Microseconds gap = now.micros - downSince_.micros;
  downMicros_ += static_cast<std::uint64_t>(gap);
  downSince_ = Timestamp{};
  ++reopens_;
  linkType_ = reopened->linkType();
  source_.emplace(std::move(*reopened));
  log(CaptureLogLevel::kWarning, "capture reopened on " + options_.capture.interface +
                                     " after a gap of " +
                                     formatSeconds(static_cast<double>(gap) / 1e6, 1) +
                                     " s (packets in the gap were not seen)");
}

}  // namespace baawatch::capture
