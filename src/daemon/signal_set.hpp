#pragma once
// The daemon's signals, read synchronously from a signalfd: the handlers do no work at all
// (there are none), the main loop asks what arrived between two batches of packets.
// Construct before any thread starts: the blocked mask is inherited, so no other thread can take
// a signal with its default action (termination).
#include <cstdint>

namespace baawatch::daemon {

struct PendingSignals {
  bool stop = false;    // SIGTERM, SIGINT: drain and exit 0
  bool reload = false;  // SIGHUP: reload the snapshot, reopen files
  bool stats = false;   // SIGUSR1: write a stats record
};

class SignalSet {
 public:
  // Blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1 (and SIGPIPE: sockets report EPIPE instead).
  // Throws std::system_error when the signalfd cannot be made.
  SignalSet();
  SignalSet(const SignalSet&) = delete;
  SignalSet& operator=(const SignalSet&) = delete;
  // Restores the previous mask.
  ~SignalSet();

  // Everything that arrived since the last call; never blocks.
  PendingSignals take();
  // Waits up to `millis` for a signal; true when one is pending.
  bool wait(int millis) const;
  int fileDescriptor() const { return fd_; }

 private:
  int fd_ = -1;
  std::uint64_t previousMask_[16] = {};  // sigset_t storage without <signal.h> here
};

}  // namespace baawatch::daemon
