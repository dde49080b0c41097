#include "baawatch/policy/interval_counter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baawatch::policy {
namespace {

Timestamp at(double seconds) { return Timestamp::fromSeconds(seconds); }

classify::ServiceSignature service(const std::string& id) {
  classify::ServiceSignature s;
  s.id = id;
  s.name = id;
  return s;
}
const classify::ServiceSignature kWhatsapp = service("whatsapp");
const classify::ServiceSignature kZoom = service("zoom");

classify::Verdict verdict(const classify::ServiceSignature& s) {
  classify::Verdict v;
  v.service = &s;
  return v;
}

inventory::Device device(const std::string& id, const std::string& hostName = "") {
  inventory::Device d;
  d.id = id;
  d.hostName = hostName;
  return d;
}

Decision decision(Action action, bool suppressed = false) {
  Decision d;
  d.action = action;
  d.suppressed = suppressed;
  return d;
}

class IntervalCounterTest : public ::testing::Test {
 protected:
  IntervalCounter counter_{300, [this](const IntervalCount& c) { emitted_.push_back(c); }};
  std::vector<IntervalCount> emitted_;

  const IntervalCount* find(double start, const std::string& serviceId,
                            const std::string& deviceId) const {
    for (const auto& c : emitted_)
      if (c.intervalStart == at(start) && c.service->id == serviceId && c.device.id == deviceId)
        return &c;
    return nullptr;
  }
};

TEST_F(IntervalCounterTest, BucketsPerIntervalServiceAndDevice) {
  counter_.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(10));
  counter_.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert, true),
                          at(299.999));
  counter_.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kCount), at(300));
  counter_.flowClassified(verdict(kZoom), device("phone"), decision(Action::kCount), at(20));
  counter_.flowClassified(verdict(kWhatsapp), device("laptop"), decision(Action::kVisibility),
                          at(20));
  counter_.flushAll(at(1e6));
  ASSERT_EQ(emitted_.size(), 4u);

  const IntervalCount* first = find(0, "whatsapp", "phone");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->intervalEnd, at(300));
  EXPECT_EQ(first->flowsClassified, 2u);
  EXPECT_EQ(first->alerts, 1u);
  EXPECT_EQ(first->suppressed, 1u);
  EXPECT_EQ(first->counted, 0u);

  const IntervalCount* second = find(300, "whatsapp", "phone");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->flowsClassified, 1u);
  EXPECT_EQ(second->counted, 1u);

  ASSERT_NE(find(0, "zoom", "phone"), nullptr);
  EXPECT_EQ(find(0, "zoom", "phone")->counted, 1u);
  ASSERT_NE(find(0, "whatsapp", "laptop"), nullptr);
  EXPECT_EQ(find(0, "whatsapp", "laptop")->alerts, 1u);  // visibility records count as alerts
}

TEST_F(IntervalCounterTest, EndedFlowBytesBySide) {
  flow::Flow flow;
  flow.toServer = {10, 1000, 800};
  flow.toClient = {20, 5000, 4400};
  counter_.flowEnded(flow, flow::DeviceSide::client(), verdict(kWhatsapp), device("phone"), at(10));
  counter_.flowEnded(flow, flow::DeviceSide::server(), verdict(kWhatsapp), device("phone"), at(20));
  counter_.flushAll(at(1e6));
  ASSERT_EQ(emitted_.size(), 1u);
  const IntervalCount& c = emitted_[0];
  EXPECT_EQ(c.flowsEnded, 2u);
  EXPECT_EQ(c.flowsClassified, 0u);
  EXPECT_EQ(c.fromDevice.packets, 30u);
  EXPECT_EQ(c.fromDevice.bytes, 6000u);
  EXPECT_EQ(c.fromDevice.payloadBytes, 5200u);
  EXPECT_EQ(c.toDevice.packets, 30u);
  EXPECT_EQ(c.toDevice.bytes, 6000u);
  // Side matters: the first flow sent 1000, the second (device as server) sent 5000.
  counter_.flowEnded(flow, flow::DeviceSide::client(), verdict(kZoom), device("phone"), at(10));
  counter_.flushAll(at(1e6));
  ASSERT_EQ(emitted_.size(), 2u);
  EXPECT_EQ(emitted_[1].fromDevice.bytes, 1000u);
  EXPECT_EQ(emitted_[1].toDevice.bytes, 5000u);
}

TEST_F(IntervalCounterTest, HostNameLearnedLaterIsKept) {
  counter_.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(10));
  counter_.flowClassified(verdict(kWhatsapp), device("phone", "Dr-Lee-iPhone"),
                          decision(Action::kAlert), at(20));
  counter_.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(30));
  counter_.flushAll(at(1e6));
  ASSERT_EQ(emitted_.size(), 1u);
  EXPECT_EQ(emitted_[0].device.hostName, "Dr-Lee-iPhone");
}

TEST_F(IntervalCounterTest, FlushBeforeWritesOnlyClosedIntervalsInOrder) {
  // Fed out of order; a later interval first.
  counter_.flowClassified(verdict(kZoom), device("phone"), decision(Action::kAlert), at(650));
  counter_.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(310));
  counter_.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(5));
  counter_.flowClassified(verdict(kZoom), device("laptop"), decision(Action::kAlert), at(6));

  counter_.flushBefore(at(299.999));
  EXPECT_TRUE(emitted_.empty());

  counter_.flushBefore(at(600));  // [0,300) and [300,600) have closed; [600,900) has not
  ASSERT_EQ(emitted_.size(), 3u);
  EXPECT_EQ(emitted_[0].intervalStart, at(0));
  EXPECT_EQ(emitted_[1].intervalStart, at(0));
  EXPECT_EQ(emitted_[2].intervalStart, at(300));
  for (const auto& c : emitted_) EXPECT_LE(c.intervalEnd, at(600));

  counter_.flushBefore(at(600));  // nothing written twice
  EXPECT_EQ(emitted_.size(), 3u);
  counter_.flushAll(at(1e6));
  ASSERT_EQ(emitted_.size(), 4u);
  EXPECT_EQ(emitted_[3].intervalStart, at(600));
  EXPECT_EQ(emitted_[3].service->id, "zoom");
  counter_.flushAll(at(1e6));
  EXPECT_EQ(emitted_.size(), 4u);
}

struct BucketCase {
  std::string name;
  double time;
  double expectedStart;
};

class IntervalBucketTest : public ::testing::TestWithParam<BucketCase> {};

TEST_P(IntervalBucketTest, EventLandsInTheIntervalHoldingItsTime) {
  std::vector<IntervalCount> emitted;
  IntervalCounter counter(300, [&](const IntervalCount& c) { emitted.push_back(c); });
  counter.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert),
                         at(GetParam().time));
  counter.flushAll(at(GetParam().expectedStart + 300));
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_FALSE(emitted[0].partial);
  EXPECT_EQ(emitted[0].intervalStart, at(GetParam().expectedStart));
  EXPECT_EQ(emitted[0].intervalEnd, at(GetParam().expectedStart + 300));
  EXPECT_LE(emitted[0].intervalStart, at(GetParam().time));
  EXPECT_GT(emitted[0].intervalEnd, at(GetParam().time));
}

INSTANTIATE_TEST_SUITE_P(
    Times, IntervalBucketTest,
    ::testing::Values(BucketCase{"epoch", 0, 0}, BucketCase{"just_before_boundary", 299.999999, 0},
                      BucketCase{"on_boundary", 300, 300},
                      BucketCase{"recent", 1700000123, 1700000100},
                      BucketCase{"one_micro_before_epoch", -0.000001, -300},
                      BucketCase{"pre_1970", -1, -300},
                      BucketCase{"pre_1970_on_boundary", -300, -300},
                      BucketCase{"pre_1970_past_boundary", -300.5, -600},
                      BucketCase{"1960", -315619200, -315619200}),
    [](const auto& info) { return info.param.name; });

TEST(IntervalCounterOrderTest, NegativeIntervalsFlushBeforePositive) {
  std::vector<IntervalCount> emitted;
  IntervalCounter counter(300, [&](const IntervalCount& c) { emitted.push_back(c); });
  counter.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(10));
  counter.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(-10));
  counter.flushBefore(at(0));
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0].intervalStart, at(-300));
  EXPECT_EQ(emitted[0].intervalEnd, at(0));
}

TEST(IntervalCounterOrderTest, IntervalIsAtLeastOneSecond) {
  std::vector<IntervalCount> emitted;
  IntervalCounter counter(0, [&](const IntervalCount& c) { emitted.push_back(c); });
  counter.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(10.5));
  counter.flushAll(at(11));
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0].intervalStart, at(10));
  EXPECT_EQ(emitted[0].intervalEnd, at(11));
}

TEST(IntervalCounterShutdownTest, AnIntervalNotOverIsWrittenPartialAndDatedWhenWritten) {
  std::vector<IntervalCount> emitted;
  IntervalCounter counter(300, [&](const IntervalCount& c) { emitted.push_back(c); });
  counter.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(250));
  counter.flowClassified(verdict(kWhatsapp), device("phone"), decision(Action::kAlert), at(310));
  counter.flushAll(at(320.5));  // SIGTERM 20.5 s into the second interval
  ASSERT_EQ(emitted.size(), 2u);
  EXPECT_FALSE(emitted[0].partial);  // [0,300) was over: written whole
  EXPECT_EQ(emitted[0].intervalEnd, at(300));
  EXPECT_TRUE(emitted[1].partial);
  EXPECT_EQ(emitted[1].intervalStart, at(300));
  EXPECT_EQ(emitted[1].intervalEnd, at(320.5));  // not 600, which had not come yet
  EXPECT_EQ(emitted[1].flowsClassified, 1u);
}

}  // namespace
}  // namespace baawatch::policy
