#pragma once
// The pipeline with several workers (`--threads N`): the calling thread reads, decodes and
// dispatches; N worker threads each own a flow table and a classifier (with its nDPI module) for
// the flows whose canonical key hashes to them; one decision thread owns the inventory, device
// context, policy, encounters and counts, and writes every record.
//
// Same output as one worker, whatever N (tests/unit/engine/pipeline_test.cpp, and
// Workers.SameOutputWithWorkers / SharedCorpus.SameOutputWithWorkers in
// tests/regression/regression_runner.cpp):
// - every item the dispatcher sends carries a sequence number in capture order, and every event a
//   stream (the dispatcher's side channels, each worker) makes carries the number of the item
//   that made it;
// - housekeeping, stats, reload and end are markers sent to every worker at a place in that
//   order, so flows expire at the same packet as with one worker;
// - at each published marker every stream hands the decision thread the chunk of events it made
//   since the previous one, and the decision thread applies the chunks of all streams in sequence
//   order (side channels before the flows of the same packet, flow ends before the housekeeping
//   that follows them). Syncs, stats, reload and end always publish; a housekeeping marker only
//   when stats are due or 200 ms of wall time have passed, since chunk boundaries do not change
//   the order;
// - DNS answers go to every worker's cache (their owner also tracks their flow), since the flow
//   that uses a name may hash to another worker than the answer.
// - flows go to workers by a symmetric hash of the device side of their key (the clinic address
//   when exactly one endpoint is clinical, the initiator otherwise; never the VLAN), so every flow of a device shares one nDPI module and
//   the labels nDPI derives from a device's other flows (its Teams, Zoom, STUN caches) come out
//   as with one worker.
#include <memory>
#include <string>

#include "baawatch/engine/pipeline.hpp"

namespace baawatch::engine {

std::unique_ptr<PacketPipeline> makeShardedPipeline(Snapshot snapshot, sink::RecordSink& sink,
                                                    record::RecordOrigin origin, unsigned workers);

}  // namespace baawatch::engine
