#include "baawatch/engine/pipeline.hpp"

#include <vector>

#include "baawatch/engine/decision_stage.hpp"
#include "flow_stage.hpp"
#include "packet_front.hpp"
#include "sharded_pipeline.hpp"

namespace baawatch::engine {
namespace {

// One worker: the front, the flow stage and the decision stage wired together on one thread.
class InlinePipeline final : public PacketPipeline, private FrontObserver, private FlowEvents {
 public:
  InlinePipeline(Snapshot snapshot, sink::RecordSink& sink, std::string sensorName)
      : snapshot_(std::move(snapshot)),
        sink_(sink),
        front_(snapshot_.policy),
        decision_(snapshot_, sink, std::move(sensorName)),
        flowStage_(snapshot_, *this) {}

  void process(const capture::RawPacket& packet) override {
    front_.process(packet, *this);
    if (front_.housekeepingDue()) housekeeping();
  }

  void finish() override {
    flowStage_.drain(front_.now());
    decision_.flushAll();
    decision_.writeStats(counters(), front_.now(), true);
    sink_.flush();
  }

  Counters counters() const override {
    Counters merged;
    merged.merge(front_.counters());
    merged.merge(flowStage_.counters(true));
    merged.merge(decision_.counters());
    merged.merge(counters_);
    for (const auto& source : counterSources_) merged.merge(source());
    return merged;
  }

  void countCaptureEvent(std::string_view name) override { counters_.add(name); }

  void tick(Timestamp now) override {
    front_.advanceTo(now);
    if (front_.housekeepingDue()) housekeeping();
  }

  void writeStats() override { decision_.writeStats(counters(), front_.now(), false); }

  void addCounterSource(std::function<Counters()> source) override {
    counterSources_.push_back(std::move(source));
  }

  void replaceSnapshot(Snapshot snapshot) override {
    bool signaturesChanged = snapshot.catalog->version != snapshot_.catalog->version;
    bool classifierRebuilt =
        signaturesChanged || classifierSettingsChanged(snapshot_.settings, snapshot.settings);
    snapshot_ = std::move(snapshot);
    front_.replacePolicy(snapshot_.policy);
    decision_.replaceSnapshot(snapshot_, signaturesChanged);
    flowStage_.replaceSnapshot(snapshot_, classifierRebuilt);
    if (classifierRebuilt) counters_.add("daemon.reload.classifier_rebuilt");
    counters_.add("daemon.reload.applied");
  }

  const Snapshot& snapshot() const override { return snapshot_; }

 private:
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
  void pushActivity(const PushActivity& push) override { decision_.observePush(push); }
  void classified(flow::Flow& flow, classify::FlowFacts& facts, Timestamp time) override {
    decision_.onClassified(flow, facts, time);
  }
  void ended(flow::Flow& flow, const classify::FlowFacts* facts, flow::FlowEndReason reason,
             Timestamp endTime) override {
    decision_.onFlowEnd(flow, facts, reason, endTime);
  }

  void housekeeping() {
    Timestamp now = front_.now();
    flowStage_.expire(now);
    decision_.housekeeping(now);
    if (front_.statsDue(snapshot_.settings.output.statsInterval)) {
      decision_.writeStats(counters(), now, false);
    }
  }

  Snapshot snapshot_;
  sink::RecordSink& sink_;
  PacketFront front_;
  DecisionStage decision_;
  FlowStage flowStage_;  // after decision_: its flows end into it
  Counters counters_;    // daemon.*, capture events of the caller
  std::vector<std::function<Counters()>> counterSources_;
};

}  // namespace

std::unique_ptr<PacketPipeline> makePipeline(Snapshot snapshot, sink::RecordSink& sink,
                                             std::string sensorName, unsigned workers) {
  if (workers <= 1) {
    return std::make_unique<InlinePipeline>(std::move(snapshot), sink, std::move(sensorName));
  }
  return makeShardedPipeline(std::move(snapshot), sink, std::move(sensorName), workers);
}

}  // namespace baawatch::engine
