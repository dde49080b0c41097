#include "baawatch/engine/source_runner.hpp"

#include <poll.h>

#include "baawatch/capture/reopening_live_source.hpp"

namespace baawatch::engine {
namespace {

// The control acts between packets at most this many packets apart: a read of the signalfd per
// packet would cost a syscall each, and 256 packets pass in well under a millisecond at load.
constexpr int kPacketsPerCheck = 256;

void waitFor(const capture::PacketSource& source, const RunnerOptions& options) {
  if (options.control != nullptr) {
    options.control->wait(source.selectableFd(), source.idleWaitMillis());
    return;
  }
  pollfd waiting{source.selectableFd(), POLLIN, 0};
  ::poll(&waiting, waiting.fd >= 0 ? 1 : 0, source.idleWaitMillis());
}

}  // namespace

RunResult runSource(capture::PacketSource& source, PacketPipeline& pipeline,
                    const RunnerOptions& options) {
  RunResult result;
  bool checks = options.control != nullptr || options.clock == RunnerClock::kWallClock;
  capture::RawPacket packet;
  int sinceCheck = 0;
  for (;;) {
    capture::NextStatus status = source.next(packet);
    if (status == capture::NextStatus::kPacket) {
      ++result.packets;
      pipeline.process(packet);
      if (!checks || ++sinceCheck < kPacketsPerCheck) continue;
    } else if (status == capture::NextStatus::kEnd) {
      result.end = RunEnd::kEndOfInput;
      return result;
    } else if (status == capture::NextStatus::kError) {
      result.end = RunEnd::kError;
      result.error = source.lastError();
      return result;
    } else {
      // Nothing ready: sleep until packets or a signal arrive, bounded so housekeeping runs on
      // a quiet wire.
      waitFor(source, options);
    }
    // Idle, or every few hundred packets: the control, then wall-clock housekeeping.
    sinceCheck = 0;
    if (options.control != nullptr && options.control->betweenPackets() == RunOn::kStop) {
      result.end = RunEnd::kStopped;
      return result;
    }
    if (options.clock == RunnerClock::kWallClock) pipeline.tick(capture::wallClockNow());
  }
}

}  // namespace baawatch::engine
