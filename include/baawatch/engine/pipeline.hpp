#pragma once
// The packet pipeline: decode -> inventory/DNS cache -> flow table -> classification chain ->
// policy -> records, built from one snapshot of signatures, policy and settings; records go to
// the given sink. With one worker everything runs on the calling (packet) thread; with several
// (`--threads N`, config `workers:`), flows are spread over worker threads by a symmetric hash of
// their canonical key and one decision thread puts their results back in packet order, so the
// output is the same whatever the number of workers (docs/architecture.md).
// Thread: every method is called from one thread, the packet thread.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/common/timestamp.hpp"
#include "baawatch/engine/snapshot.hpp"
#include "baawatch/record/record_builder.hpp"
#include "baawatch/sink/record_sink.hpp"

namespace baawatch::engine {

class PacketPipeline {
 public:
  virtual ~PacketPipeline() = default;

  virtual void process(const capture::RawPacket& packet) = 0;
  // Ends every flow, writes every open encounter and count interval and a final stats record,
  // and flushes the sink. Call once, last.
  virtual void finish() = 0;
  // Counters of every stage, merged. With several workers they are those of the last stats
  // record (written by housekeeping, writeStats() or finish()) plus the front's own.
  virtual Counters counters() const = 0;
  virtual void countCaptureEvent(std::string_view name) = 0;

  // Live capture: housekeeping (flow expiry, encounter and count flushing, periodic stats) driven
  // by the wall clock while no packet arrives. `now` never moves the pipeline's clock backwards.
  virtual void tick(Timestamp now) = 0;
  // Writes a `stats` record now (SIGUSR1).
  virtual void writeStats() = 0;
  // Adds counters owned by another thread or object (capture drops, sink queues) to every stats
  // record; `source` is called on the packet thread and must outlive the pipeline.
  virtual void addCounterSource(std::function<Counters()> source) = 0;
  // SIGHUP: a new validated snapshot takes over between two packets. Open flows, the flow table,
  // the inventory, open encounters and interval counts stay; new decisions use the new policy.
  // When the signatures changed, the classifier is rebuilt: flows still being classified go on
  // with the new one and the DNS cache starts empty (counted as `daemon.reload.classifier_rebuilt`);
  // when they did not change, the classifier and its DNS cache are kept. Alert suppression
  // starts over with a new policy. Settings that shape the flow table, outputs and capture need a
  // restart (the caller warns).
  virtual void replaceSnapshot(Snapshot snapshot) = 0;
  virtual const Snapshot& snapshot() const = 0;
};

// `workers` 1: everything on the calling thread. More: that many worker threads, a decision
// thread, and the calling thread reading and dispatching.
std::unique_ptr<PacketPipeline> makePipeline(Snapshot snapshot, sink::RecordSink& sink,
                                             record::RecordOrigin origin, unsigned workers = 1);

}  // namespace baawatch::engine
