#pragma once
// The per-flow half of the pipeline for the flows of one shard: the flow table and the
// classification chain (nDPI, signatures, behaviour), plus the DNS cache the classifier reads.
// What it learns goes to a FlowEvents: straight to the decision stage with one worker, into the
// worker's chunk of events for the decision thread with several. Private to the engine stage.
// Thread: one thread at a time (a worker owns its flow stage and its nDPI module).
#include <cstdint>
#include <deque>
#include <memory>

#include "baawatch/classify/detector_signal.hpp"
#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/engine/decision_stage.hpp"
#include "baawatch/engine/snapshot.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/flow/flow_table.hpp"

namespace baawatch::engine {

// The receiver reads what it needs during the call; a flow and its facts are valid only until it
// returns (a receiver on another thread copies the flow's summary and the facts).
class FlowEvents {
 public:
  virtual ~FlowEvents() = default;
  // A detector's signal, before the classification of the packet that showed it.
  virtual void signal(const classify::DetectorSignal& signal) = 0;
  virtual void classified(const flow::Flow& flow, const classify::FlowFacts& facts,
                          Timestamp time) = 0;
  // `facts` is null for a flow never classified.
  virtual void ended(const flow::Flow& flow, const classify::FlowFacts* facts,
                     flow::FlowEndReason reason, Timestamp endTime) = 0;
};

// Whether a reload rebuilds the classifier (new signatures, nDPI budgets or DNS cache settings).
enum class ClassifierRebuild : std::uint8_t { kKeep, kRebuild };
// Every shard's DNS cache sees every answer: one shard's cache counters stand for all.
enum class DnsCacheCounters : std::uint8_t { kInclude, kLeaveOut };

class FlowStage {
 public:
  // `shards`: how many flow stages share the configured flow cap (each gets its part).
  FlowStage(const Snapshot& snapshot, FlowEvents& events, unsigned shards = 1);
  FlowStage(const FlowStage&) = delete;
  FlowStage& operator=(const FlowStage&) = delete;

  // One packet of a flow of this shard. `packetNumber` (1-based, in capture order over every
  // input) becomes the id of a flow it opens, so flow ids do not depend on the number of workers.
  void track(const decode::DecodedPacket& packet, std::uint64_t packetNumber);
  // A DNS response of another shard's flow: it feeds this shard's DNS cache only. Parse errors
  // are counted by the owning shard.
  void observeDnsOnly(const decode::DecodedPacket& packet);

  // Housekeeping at `now` (packet time): flows whose nDPI time budget ran out are classified,
  // then flows idle past their timeout end.
  void expire(Timestamp now);
  void drain(Timestamp now) { flows_.drain(now); }
  // kKeep: the classifier and its DNS cache stay.
  void replaceSnapshot(const Snapshot& snapshot, ClassifierRebuild rebuild);

  // flow.*, classify.*, decode errors of DNS/TLS, flow.active, and the DNS cache's counters.
  Counters counters(DnsCacheCounters dnsCache) const;

 private:
  // The owning shard counts the answers it cannot parse; the others only feed their cache.
  enum class DnsErrors : std::uint8_t { kCount, kLeaveToOwner };
  void observeDns(const decode::DecodedPacket& packet, DnsErrors errors);
  void applyNdpiTimeBudget(Timestamp now);
  void onFlowEnd(flow::Flow& flow, flow::FlowEndReason reason, Timestamp endTime);

  FlowEvents& events_;
  classify::ClassifierOptions classifierOptions_;
  std::unique_ptr<classify::FlowClassifier> classifier_;  // replaced when signatures change
  Counters counters_;
  Counters retiredClassifierCounters_;
  // Flows in the order they began, each with the time its nDPI time budget runs out; a flow
  // that ended (or was classified) by then is skipped. At most the table's cap of them: under a
  // flood the oldest lose their time budget (counted if still open and unjudged) and keep the
  // packet budget and their end.
  struct NdpiDeadline {
    Microseconds due = 0;
    std::uint64_t flowId = 0;
    flow::FlowKey key;
  };
  flow::Flow* liveFlowOf(const NdpiDeadline& deadline);  // null once the flow is gone
  std::deque<NdpiDeadline> ndpiDeadlines_;
  std::size_t maxDeadlines_ = 0;
  flow::FlowTable flows_;  // last: its end handler uses the members above
};

}  // namespace baawatch::engine
