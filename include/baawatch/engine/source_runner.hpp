#pragma once
// The one loop that feeds a PacketSource to the pipeline, for files and live interfaces alike.
// Between packets (every few hundred, and whenever the source is idle) it lets a RunControl act
// (signals: reload, stats, stop) and, with RunnerClock::kWallClock, drives housekeeping from the
// wall clock so flows expire and records flush while the wire is quiet. A replayed file runs on
// packet time alone, so its records do not depend on how fast it was read.
// Thread: the packet thread.
#include <cstdint>
#include <string>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/engine/pipeline.hpp"

namespace baawatch::engine {

enum class RunOn : std::uint8_t { kContinue, kStop };

// What the caller does between packets (the daemon: signals).
class RunControl {
 public:
  virtual ~RunControl() = default;
  // Blocks until `fd` is readable (-1: no descriptor), something for betweenPackets() arrives
  // (a signal), or `timeoutMillis` passed.
  virtual void wait(int fd, int timeoutMillis) = 0;
  // kStop ends the run (the caller then finishes the pipeline).
  virtual RunOn betweenPackets() = 0;
};

enum class RunnerClock : std::uint8_t {
  kPacketTime,  // housekeeping by packet time only (files)
  kWallClock,   // also by the wall clock between packets (live capture)
};

struct RunnerOptions {
  RunnerClock clock = RunnerClock::kPacketTime;
  // May be null: nothing to do between packets, and an idle source is waited for with poll(2).
  RunControl* control = nullptr;
};

enum class RunEnd : std::uint8_t {
  kEndOfInput,  // the source said kEnd
  kError,       // the source said kError; `error` says why; what was read before was processed
  kStopped,     // the control said kStop
};

struct RunResult {
  RunEnd end = RunEnd::kEndOfInput;
  std::uint64_t packets = 0;
  std::string error;
};

// Reads `source` into `pipeline` until it ends, fails or the control stops the run. Does not
// finish the pipeline: several sources may be read into one.
RunResult runSource(capture::PacketSource& source, PacketPipeline& pipeline,
                    const RunnerOptions& options);

}  // namespace baawatch::engine
