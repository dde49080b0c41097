#include "daemon/signal_set.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace baawatch::daemon {
namespace {

sigset_t daemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGPIPE}) sigaddset(&set, signal);
  return set;
}

}  // namespace

static_assert(sizeof(sigset_t) <= sizeof(std::uint64_t) * 16);

SignalSet::SignalSet() {
  sigset_t set = daemonSignals();
  sigset_t previous;
  if (pthread_sigmask(SIG_BLOCK, &set, &previous) != 0) {
    throw std::system_error(errno, std::generic_category(), "pthread_sigmask");
  }
  std::memcpy(previousMask_, &previous, sizeof previous);
  // SIGPIPE stays blocked but is not read: a write to a closed socket returns EPIPE instead.
  sigdelset(&set, SIGPIPE);
  fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "signalfd");
}

SignalSet::~SignalSet() {
  ::close(fd_);
  sigset_t previous;
  std::memcpy(&previous, previousMask_, sizeof previous);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

PendingSignals SignalSet::take() {
  PendingSignals pending;
  signalfd_siginfo info{};
  while (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    switch (info.ssi_signo) {
      case SIGTERM:
      case SIGINT:
        pending.stop = true;
        break;
      case SIGHUP:
        pending.reload = true;
        break;
      case SIGUSR1:
        pending.stats = true;
        break;
      default:
        break;
    }
  }
  return pending;
}

bool SignalSet::wait(int millis) const {
  pollfd waiting{fd_, POLLIN, 0};
  return ::poll(&waiting, 1, millis) > 0;
}

}  // namespace baawatch::daemon
