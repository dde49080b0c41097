#pragma once
// What live capture (`baawatch -i IFACE`) does between packets: the signals. SIGHUP reloads the
// snapshot (with the command line's overrides) and reopens the output files, SIGUSR1 writes a
// stats record, SIGTERM/SIGINT end the run so the caller drains. Also tells systemd (sd_notify)
// where the daemon stands. Private to the daemon stage.
// Thread: the packet thread.
#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "baawatch/daemon/snapshot_loader.hpp"
#include "baawatch/engine/pipeline.hpp"
#include "baawatch/engine/source_runner.hpp"
#include "signal_set.hpp"

namespace baawatch::daemon {

// Loads a new snapshot for SIGHUP (with the command line's overrides applied); the errors are
// file:line:column lines.
using SnapshotReloader = std::function<SnapshotResult()>;
// Called after a reload attempt, to reopen output files (logrotate).
using ReopenOutputs = std::function<void()>;

class LiveControl final : public engine::RunControl {
 public:
  LiveControl(engine::PacketPipeline& pipeline, SignalSet& signals,
              std::shared_ptr<spdlog::logger> log, SnapshotReloader reload, ReopenOutputs reopen);

  void wait(int fd, int timeoutMillis) override;
  engine::RunOn betweenPackets() override;

 private:
  void reload();

  engine::PacketPipeline& pipeline_;
  SignalSet& signals_;
  std::shared_ptr<spdlog::logger> log_;
  SnapshotReloader reload_;
  ReopenOutputs reopen_;
};

// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, nothing when it is unset.
void notifySystemd(const std::string& state);

}  // namespace baawatch::daemon
