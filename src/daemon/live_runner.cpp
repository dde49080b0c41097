#include "daemon/live_runner.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "baawatch/decode/packet.hpp"

namespace baawatch::daemon {
namespace {

// Signals are read between packets at most this many packets apart: a read of the signalfd per
// packet would cost a syscall each, and 256 packets pass in well under a millisecond at load.
constexpr int kPacketsPerSignalCheck = 256;

Microseconds toMicros(double seconds) { return static_cast<Microseconds>(seconds * 1e6); }

}  // namespace

Timestamp wallClockNow() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return Timestamp{static_cast<Microseconds>(now.tv_sec) * 1000000 + now.tv_nsec / 1000};
}

void notifySystemd(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::size_t length = std::strlen(path);
  if (length >= sizeof address.sun_path) return;
  std::memcpy(address.sun_path, path, length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address),
           size);
  ::close(fd);
}

LiveRunner::LiveRunner(LiveRunnerOptions options, PacketPipeline& pipeline, SignalSet& signals,
                       std::shared_ptr<spdlog::logger> log, SnapshotReloader reload,
                       ReopenOutputs reopen)
    : options_(std::move(options)),
      pipeline_(pipeline),
      signals_(signals),
      log_(std::move(log)),
      reload_(std::move(reload)),
      reopen_(std::move(reopen)),
      backoff_(options_.reopenMinSeconds) {}

Counters LiveRunner::captureCounters() const {
  capture::LiveCaptureStats total = retired_;
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
  return counters;
}

int LiveRunner::run(capture::PcapLiveSource source) {
  source_.emplace(std::move(source));
  log_->info("capturing on {} (link type {}){}", source_->interface(), source_->linkType(),
             options_.capture.filter.empty() ? std::string()
                                             : ", filter '" + options_.capture.filter + "'");
  notifySystemd("READY=1\nSTATUS=capturing on " + source_->interface());
  capture::RawPacket packet;
  int sinceCheck = 0;
  while (!stopping_) {
    if (!source_) {
      // Interface gone: wait for a signal or the next reopen attempt, whichever comes first.
      Microseconds wait = nextReopen_.micros - wallClockNow().micros;
      int millis = static_cast<int>(std::clamp<Microseconds>(wait / 1000, 0, 250));
      signals_.wait(millis);
      handleSignals(signals_.take());
      pipeline_.tick(wallClockNow());
      if (!stopping_ && wallClockNow() >= nextReopen_) tryReopen();
      continue;
    }
    capture::LiveStatus status = source_->next(packet);
    if (status == capture::LiveStatus::kPacket) {
      pipeline_.process(packet);
      if (++sinceCheck < kPacketsPerSignalCheck) continue;
    } else if (status == capture::LiveStatus::kError) {
      lose(source_->lastError());
    } else {
      // Nothing ready: sleep until packets or a signal arrive, at most 250 ms so housekeeping
      // runs on a quiet wire.
      pollfd waiting[2] = {{source_->selectableFd(), POLLIN, 0},
                           {signals_.fileDescriptor(), POLLIN, 0}};
      ::poll(waiting, 2, 250);
    }
    // Idle, error or every few hundred packets: signals and wall-clock housekeeping.
    sinceCheck = 0;
    handleSignals(signals_.take());
    pipeline_.tick(wallClockNow());
  }
  notifySystemd("STOPPING=1");
  log_->info("draining: closing open flows and encounters, flushing outputs");
  pipeline_.finish();
  return 0;
}

void LiveRunner::handleSignals(const PendingSignals& pending) {
  if (pending.reload) reload();
  if (pending.stats) pipeline_.writeStats();
  if (pending.stop) stopping_ = true;
}

void LiveRunner::reload() {
  notifySystemd("RELOADING=1");
  log_->info("SIGHUP: reloading configuration, policy and signatures");
  SnapshotResult loaded = reload_();
  if (!loaded.errors.empty()) {
    for (const auto& error : loaded.errors) log_->error("reload refused: {}", error);
    log_->error("reload refused: keeping policy {} and signatures {}",
                pipeline_.snapshot().policy->version, pipeline_.snapshot().catalog->version);
    pipeline_.countCaptureEvent("daemon.reload.failed");
  } else {
    const Settings& before = pipeline_.snapshot().settings;
    const Settings& after = loaded.snapshot->settings;
    // These shape objects built once at start (capture handle, sinks, flow tables, user): name
    // each, so an operator who moved the SIEM knows the old address is still in use.
    std::vector<std::string> restartOnly = settingsNeedingRestart(before, after);
    if (!restartOnly.empty()) {
      std::string keys;
      for (const auto& key : restartOnly) keys += (keys.empty() ? "" : ", ") + key;
      log_->warn("reload: changed settings that take effect only at restart: {}", keys);
    }
    pipeline_.replaceSnapshot(std::move(*loaded.snapshot));
    log_->info("reloaded: policy {} ({}), signatures {}",
               pipeline_.snapshot().policy->file.empty() ? std::string("built-in default")
                                                         : pipeline_.snapshot().policy->file,
               pipeline_.snapshot().policy->version, pipeline_.snapshot().catalog->version);
  }
  reopen_();
  notifySystemd("READY=1");
}

void LiveRunner::retireStats() {
  if (!source_) return;
  if (auto stats = source_->stats()) {
    retired_.received += stats->received;
    retired_.kernelDrops += stats->kernelDrops;
    retired_.interfaceDrops += stats->interfaceDrops;
  }
}

void LiveRunner::lose(const std::string& why) {
  log_->warn("capture lost: {}; reopening every {}-{} s", why, options_.reopenMinSeconds,
             options_.reopenMaxSeconds);
  pipeline_.countCaptureEvent("capture.lost");
  retireStats();
  source_.reset();
  downSince_ = wallClockNow();
  backoff_ = options_.reopenMinSeconds;
  nextReopen_ = Timestamp{downSince_.micros + toMicros(backoff_)};
}

void LiveRunner::tryReopen() {
  auto reopened = capture::PcapLiveSource::open(options_.capture);
  Timestamp now = wallClockNow();
  if (!reopened) {
    backoff_ = std::min(backoff_ * 2, options_.reopenMaxSeconds);
    nextReopen_ = Timestamp{now.micros + toMicros(backoff_)};
    log_->debug("reopen failed: {}; next try in {} s", reopened.error().message, backoff_);
    return;
  }
  if (!decode::isSupportedLinkType(reopened->linkType())) {
    backoff_ = options_.reopenMaxSeconds;
    nextReopen_ = Timestamp{now.micros + toMicros(backoff_)};
    log_->error("{} came back with unsupported link type {}", options_.capture.interface,
                reopened->linkType());
    return;
  }
  Microseconds gap = now.micros - downSince_.micros;
  downMicros_ += static_cast<std::uint64_t>(gap);
  downSince_ = Timestamp{};
  ++reopens_;
  source_.emplace(std::move(*reopened));
  log_->warn("capture reopened on {} after a gap of {:.1f} s (packets in the gap were not seen)",
             source_->interface(), static_cast<double>(gap) / 1e6);
}

}  // namespace baawatch::daemon
