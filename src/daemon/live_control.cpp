#include "daemon/live_control.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "baawatch/daemon/settings_loader.hpp"

namespace baawatch::daemon {

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

LiveControl::LiveControl(engine::PacketPipeline& pipeline, SignalSet& signals,
                         std::shared_ptr<spdlog::logger> log, SnapshotReloader reload,
                         ReopenOutputs reopen)
    : pipeline_(pipeline),
      signals_(signals),
      log_(std::move(log)),
      reload_(std::move(reload)),
      reopen_(std::move(reopen)) {}

void LiveControl::wait(int fd, int timeoutMillis) {
  if (fd < 0) {
    signals_.wait(timeoutMillis);
    return;
  }
  pollfd waiting[2] = {{fd, POLLIN, 0}, {signals_.fileDescriptor(), POLLIN, 0}};
  ::poll(waiting, 2, timeoutMillis);
}

engine::RunOn LiveControl::betweenPackets() {
  PendingSignals pending = signals_.take();
  if (pending.reload) reload();
  if (pending.stats) pipeline_.writeStats();
  return pending.stop ? engine::RunOn::kStop : engine::RunOn::kContinue;
}

void LiveControl::reload() {
  notifySystemd("RELOADING=1");
  log_->info("SIGHUP: reloading configuration, policy and signatures");
  SnapshotResult loaded = reload_();
  if (!loaded.errors.empty()) {
    for (const auto& error : loaded.errors) log_->error("reload refused: {}", error);
    log_->error("reload refused: keeping policy {} and signatures {}",
                pipeline_.snapshot().policy->version, pipeline_.snapshot().catalog->version);
    pipeline_.countCaptureEvent("daemon.reload.failed");
  } else {
    const engine::Settings& before = pipeline_.snapshot().settings;
    const engine::Settings& after = loaded.snapshot->settings;
    // These shape objects built once at start (capture handle, sinks, flow tables, user): name
    // each, so an operator who moved the SIEM knows the old address is still in use.
    std::vector<std::string> restartOnly = engine::settingsNeedingRestart(before, after);
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

}  // namespace baawatch::daemon
