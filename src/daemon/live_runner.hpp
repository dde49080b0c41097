#pragma once
// The live-capture main loop (`baawatch -i IFACE`): packets into the pipeline, and between them
// the signals (reload, drain, stats), wall-clock housekeeping while the wire is quiet, and the
// interface going away and coming back (reopen with backoff, the gap logged and counted).
// Runs on the packet thread; returns the process exit code.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/logger.h>

#include "baawatch/capture/pcap_live_source.hpp"
#include "baawatch/daemon/pipeline.hpp"
#include "baawatch/daemon/snapshot_loader.hpp"
#include "signal_set.hpp"

namespace baawatch::daemon {

struct LiveRunnerOptions {
  capture::LiveCaptureOptions capture;
  double reopenMinSeconds = 1;
  double reopenMaxSeconds = 30;
};

// Loads a new snapshot for SIGHUP (with the command line's overrides applied); the errors are
// file:line:column lines.
using SnapshotReloader = std::function<SnapshotResult()>;
// Called after a reload attempt, to reopen output files (logrotate).
using ReopenOutputs = std::function<void()>;

class LiveRunner {
 public:
  LiveRunner(LiveRunnerOptions options, PacketPipeline& pipeline, SignalSet& signals,
             std::shared_ptr<spdlog::logger> log, SnapshotReloader reload, ReopenOutputs reopen);

  // Takes the already open handle (opened before privileges were dropped). Returns 0 after a
  // drain on SIGTERM/SIGINT.
  int run(capture::PcapLiveSource source);

  // Capture counters for the stats record: capture.kernel_drops, capture.interface_drops,
  // capture.reopens, capture.down_seconds. Packet thread only.
  Counters captureCounters() const;

 private:
  void handleSignals(const PendingSignals& pending);
  void reload();
  void lose(const std::string& why);
  void tryReopen();
  void retireStats();

  LiveRunnerOptions options_;
  PacketPipeline& pipeline_;
  SignalSet& signals_;
  std::shared_ptr<spdlog::logger> log_;
  SnapshotReloader reload_;
  ReopenOutputs reopen_;
  std::optional<capture::PcapLiveSource> source_;
  capture::LiveCaptureStats retired_;  // totals of handles closed before the current one
  std::uint64_t reopens_ = 0;
  std::uint64_t downMicros_ = 0;
  Timestamp downSince_{};
  Timestamp nextReopen_{};
  double backoff_ = 1;
  bool stopping_ = false;
};

// Timestamp of the wall clock (live mode's packet times come from the same clock).
Timestamp wallClockNow();

// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, nothing when it is unset.
void notifySystemd(const std::string& state);

}  // namespace baawatch::daemon
