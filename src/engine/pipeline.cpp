#include "baawatch/engine/pipeline.hpp"

#include "baawatch/engine/decision_stage.hpp"
#include "flow_stage.hpp"
#include "packet_front.hpp"
#include "pipeline_core.hpp"
#include "sharded_pipeline.hpp"

namespace baawatch::engine {
namespace {

// One worker: the front, the flow stage and the decision stage wired together on one thread;
// every event is applied as it happens, in packet order.
class InlinePipeline final : public PipelineCore, private FlowEvents {
 public:
  InlinePipeline(Snapshot snapshot, sink::RecordSink& sink, record::RecordOrigin origin)
      : PipelineCore(std::move(snapshot)),
        sink_(sink),
        decision_(snapshot_, sink, std::move(origin)),
        flowStage_(snapshot_, *this) {}

  void process(const capture::RawPacket& packet) override {
    front_.process(packet, *this);
    if (front_.housekeepingDue()) housekeeping();
  }

  void finish() override {
    flowStage_.drain(front_.now());
    decision_.flushAll();
    decision_.writeStats(counters(), front_.now(), StatsRecord::kFinal);
    sink_.flush();
  }

  Counters counters() const override {
    Counters merged = frontCounters();
    merged.merge(flowStage_.counters(DnsCacheCounters::kInclude));
    merged.merge(decision_.counters());
    return merged;
  }

  void tick(Timestamp now) override {
    front_.advanceTo(now);
    if (front_.housekeepingDue()) housekeeping();
  }

  void writeStats() override {
    decision_.writeStats(counters(), front_.now(), StatsRecord::kPeriodic);
  }

 private:
  void applyReload(const ReloadPlan& plan) override {
    decision_.replaceSnapshot(snapshot_, plan.signatures);
    flowStage_.replaceSnapshot(snapshot_, plan.classifier);
  }

  // FrontObserver
  void arp(const decode::ArpPacket& arp, Timestamp time) override { decision_.observeArp(arp, time); }
  void sender(const IpAddress& address, const decode::MacAddress& mac, Timestamp time) override {
    decision_.observeSender(address, mac, time);
  }
  void dhcp(const decode::DhcpMessage& dhcp, Timestamp time) override {
    decision_.observeDhcp(dhcp, time);
  }
  void mdns(const decode::DnsMessage& mdns, Timestamp time) override {
    decision_.observeMdns(mdns, time);
  }
  void flowPacket(const decode::DecodedPacket& packet, std::uint64_t packetNumber) override {
    flowStage_.track(packet, packetNumber);
  }

  // FlowEvents
  void signal(const classify::DetectorSignal& signal) override { decision_.observeSignal(signal); }
  void classified(const flow::Flow& flow, const classify::FlowFacts& facts,
                  Timestamp time) override {
    decision_.onClassified(flow, facts, time);
  }
  void ended(const flow::Flow& flow, const classify::FlowFacts* facts, flow::FlowEndReason reason,
             Timestamp endTime) override {
    decision_.onFlowEnd(flow, facts, reason, endTime);
  }

  void housekeeping() {
    Timestamp now = front_.now();
    flowStage_.expire(now);
    decision_.housekeeping(now);
    if (front_.statsDue(snapshot_.settings.output.statsInterval)) {
      decision_.writeStats(counters(), now, StatsRecord::kPeriodic);
    }
  }

  sink::RecordSink& sink_;
  DecisionStage decision_;
  FlowStage flowStage_;  // after decision_: its flows end into it
};

}  // namespace

std::unique_ptr<PacketPipeline> makePipeline(Snapshot snapshot, sink::RecordSink& sink,
                                             record::RecordOrigin origin, unsigned workers) {
  if (workers <= 1) {
    return std::make_unique<InlinePipeline>(std::move(snapshot), sink, std::move(origin));
  }
  return makeShardedPipeline(std::move(snapshot), sink, std::move(origin), workers);
}

}  // namespace baawatch::engine
