// The flow stage's nDPI time budget when more flows begin within the budget than the table
// holds: the oldest deadlines give way, and only one that still mattered (its flow open and not
// yet judged) is counted as lost.
#include "engine/flow_stage.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "baawatch/classify/signature.hpp"
#include "baawatch/policy/policy.hpp"

namespace baawatch::engine {
namespace {

// Records what the stage reports, by flow id.
class Recorder final : public FlowEvents {
 public:
  void signal(const classify::DetectorSignal&) override {}
  void classified(const flow::Flow& flow, const classify::FlowFacts&, Timestamp time) override {
    classifiedAt[flow.id] = time;
  }
  void ended(const flow::Flow& flow, const classify::FlowFacts*, flow::FlowEndReason,
             Timestamp) override {
    endedIds.push_back(flow.id);
  }
  std::map<std::uint64_t, Timestamp> classifiedAt;
  std::vector<std::uint64_t> endedIds;
};

Timestamp at(double seconds) { return Timestamp{static_cast<Microseconds>(seconds * 1e6)}; }

// A UDP packet from a clinic device port to a server. No IP bytes: nDPI never sees it, so the
// flow stays unjudged until its time budget or its end.
decode::DecodedPacket udpFrom(std::uint16_t devicePort, double seconds) {
  decode::DecodedPacket packet;
  packet.time = at(seconds);
  packet.ipVersion = 4;
  packet.source = *IpAddress::parse("192.168.10.23");
  packet.destination = *IpAddress::parse("198.51.100.9");
  packet.transport = decode::Transport::kUdp;
  packet.ipProtocol = 17;
  packet.sourcePort = devicePort;
  packet.destinationPort = 4000;
  return packet;
}

class FlowStageTimeBudgetTest : public ::testing::Test {
 protected:
  FlowStageTimeBudgetTest() {
    snapshot_.catalog = std::make_shared<const classify::SignatureCatalog>(
        classify::loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures"));
    snapshot_.policy = std::make_shared<const policy::Policy>(policy::defaultPolicy());
    snapshot_.settings.flows.maxFlows = 3;
    snapshot_.settings.flows.ndpiTimeBudget = 60;
    stage_ = std::make_unique<FlowStage>(snapshot_, recorder_);
  }

  void feed(std::uint16_t devicePort, double seconds) {
    stage_->track(udpFrom(devicePort, seconds), nextPacket_++);
  }
  std::uint64_t untracked() const {
    return stage_->counters(DnsCacheCounters::kLeaveOut).get("classify.ndpi_time_budget_untracked");
  }

  Snapshot snapshot_;
  Recorder recorder_;
  std::unique_ptr<FlowStage> stage_;
  std::uint64_t nextPacket_ = 1;
};

TEST_F(FlowStageTimeBudgetTest, ADeadlineOfAnEvictedFlowGivesWayUncounted) {
  feed(1001, 0.0);  // flow 1
  feed(1002, 1.0);  // flow 2
  feed(1003, 2.0);  // flow 3
  feed(1004, 3.0);  // flow 4: the table evicts flow 1, whose deadline gives way
  ASSERT_EQ(recorder_.endedIds, std::vector<std::uint64_t>{1});
  EXPECT_EQ(untracked(), 0u);
  stage_->expire(at(70.0));
  // Flow 1 was judged when it was evicted; flows 2-4 at their deadline, 60 s after their first
  // packet.
  EXPECT_EQ(recorder_.classifiedAt.size(), 4u);
  EXPECT_EQ(recorder_.classifiedAt.at(2), at(61.0));
  EXPECT_EQ(recorder_.classifiedAt.at(3), at(62.0));
  EXPECT_EQ(recorder_.classifiedAt.at(4), at(63.0));
}

TEST_F(FlowStageTimeBudgetTest, ADeadlineOfAnOpenUnjudgedFlowIsCountedWhenItGivesWay) {
  feed(1001, 0.0);  // flow 1
  feed(1002, 1.0);  // flow 2
  feed(1003, 2.0);  // flow 3
  feed(1001, 2.5);  // flow 1 again: now the most recently active
  feed(1004, 3.0);  // flow 5 (numbered by its packet): flow 2 is evicted, flow 1's deadline lost
  ASSERT_EQ(recorder_.endedIds, std::vector<std::uint64_t>{2});
  EXPECT_EQ(untracked(), 1u);
  stage_->expire(at(70.0));
  EXPECT_EQ(recorder_.classifiedAt.count(1), 0u);  // no deadline left: judged when it ends
  EXPECT_EQ(recorder_.classifiedAt.count(3), 1u);
  EXPECT_EQ(recorder_.classifiedAt.count(5), 1u);
  stage_->drain(at(80.0));
  EXPECT_EQ(recorder_.classifiedAt.at(1), at(80.0));
}

}  // namespace
}  // namespace baawatch::engine
