#include "baawatch/policy/encounter_tracker.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace baawatch::policy {
namespace {

using classify::Confidence;
using classify::EvidenceField;
using classify::UseKind;

IpAddress ip(const std::string& text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

Timestamp at(double seconds) { return Timestamp::fromSeconds(seconds); }

const classify::ServiceSignature kWhatsapp = [] {
  classify::ServiceSignature s;
  s.id = "whatsapp";
  s.name = "WhatsApp";
  s.vendor = "Meta Platforms";
  return s;
}();
const classify::ServiceSignature kZoom = [] {
  classify::ServiceSignature s;
  s.id = "zoom";
  s.name = "Zoom";
  s.vendor = "Zoom";
  s.category = classify::Category::kVideo;
  return s;
}();

// A flow from the phone (client) to `server`, with per-direction stats.
std::unique_ptr<flow::Flow> makeFlow(double first, double last,
                                     const std::string& server = "157.240.1.53",
                                     flow::DirectionStats toServer = {10, 1000, 800},
                                     flow::DirectionStats toClient = {20, 5000, 4400}) {
  auto flow = std::make_unique<flow::Flow>();
  flow->client = ip("192.168.1.42");
  flow->server = ip(server);
  flow->clientPort = 51000;
  flow->serverPort = 443;
  flow->protocol = 6;
  flow->firstSeen = at(first);
  flow->lastSeen = at(last);
  flow->toServer = toServer;
  flow->toClient = toClient;
  return flow;
}

classify::Evidence evidence(const std::string& rule, const std::string& value,
                            EvidenceField field = EvidenceField::kTlsSni) {
  return classify::Evidence{rule, field, value, Timestamp{}, Confidence::kHigh, "test"};
}

classify::Verdict verdict(const classify::ServiceSignature& service = kWhatsapp,
                          UseKind kind = UseKind::kMessaging,
                          Confidence confidence = Confidence::kMedium,
                          std::vector<classify::Evidence> items = {
                              evidence("whatsapp.names", "g.whatsapp.net")}) {
  classify::Verdict v;
  v.service = &service;
  v.kind = kind;
  v.confidence = confidence;
  v.evidence = std::move(items);
  return v;
}

inventory::Device phone(const std::string& hostName = "") {
  inventory::Device d;
  d.id = "mac:3c:22:fb:12:34:56";
  d.ip = ip("192.168.1.42");
  d.mac = decode::MacAddress{0x3c, 0x22, 0xfb, 0x12, 0x34, 0x56};
  d.hostName = hostName;
  return d;
}

inventory::Device laptop() {
  inventory::Device d;
  d.id = "ip:192.168.1.43";
  d.ip = ip("192.168.1.43");
  return d;
}

Decision decision(Action action = Action::kAlert, bool suppressed = false,
                  std::string rule = "no_baa.messaging") {
  Decision d;
  d.action = action;
  d.suppressed = suppressed;
  d.policyRule = std::move(rule);
  return d;
}

class EncounterTrackerTest : public ::testing::Test {
 protected:
  EncounterTracker tracker_{120, [this](const Encounter& e) { emitted_.push_back(e); }};
  std::vector<Encounter> emitted_;

  // Classifies and ends one flow of the phone.
  void completeFlow(const flow::Flow& flow, const classify::Verdict& v = verdict(),
                    const Decision& d = decision(),
                    flow::DeviceSide deviceSide = flow::DeviceSide::client(),
                    const inventory::Device& device = phone()) {
    const std::string key = tracker_.flowClassified(flow, v, device, d);
    tracker_.flowEnded(key, flow, deviceSide, v);
  }
};

TEST_F(EncounterTrackerTest, FlowsWithinTheGapJoin) {
  auto first = makeFlow(0, 10);
  auto second = makeFlow(100, 150, "157.240.1.60");  // starts 90 s after the first ended
  completeFlow(*first);
  completeFlow(*second);
  EXPECT_TRUE(emitted_.empty());
  EXPECT_EQ(tracker_.open(), 1u);
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  const Encounter& e = emitted_[0];
  EXPECT_EQ(e.flows, 2u);
  EXPECT_EQ(e.start, at(0));
  EXPECT_EQ(e.end, at(150));
  EXPECT_EQ(e.service, &kWhatsapp);
  EXPECT_EQ(e.device.id, "mac:3c:22:fb:12:34:56");
  EXPECT_EQ(e.servers, (std::set<std::string>{"157.240.1.53", "157.240.1.60"}));
  EXPECT_EQ(tracker_.open(), 0u);
}

TEST_F(EncounterTrackerTest, GapLongerThanConfiguredSplits) {
  auto first = makeFlow(0, 10);
  auto second = makeFlow(131, 140);  // 121 s after the first ended
  completeFlow(*first);
  completeFlow(*second);
  ASSERT_EQ(emitted_.size(), 1u);  // the first is written when the second cannot join
  EXPECT_EQ(emitted_[0].start, at(0));
  EXPECT_EQ(emitted_[0].end, at(10));
  EXPECT_EQ(emitted_[0].flows, 1u);
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 2u);
  EXPECT_EQ(emitted_[1].start, at(131));
  EXPECT_NE(emitted_[0].id, emitted_[1].id);
}

TEST_F(EncounterTrackerTest, DevicesAndServicesMakeSeparateEncounters) {
  auto a = makeFlow(0, 10);
  auto b = makeFlow(1, 10);
  auto c = makeFlow(2, 10);
  completeFlow(*a);
  completeFlow(*b, verdict(kZoom, UseKind::kCall));
  completeFlow(*c, verdict(), decision(), flow::DeviceSide::client(), laptop());
  EXPECT_EQ(tracker_.open(), 3u);
  tracker_.flushAll();
  EXPECT_EQ(emitted_.size(), 3u);
  EXPECT_EQ(tracker_.open(), 0u);
}

TEST_F(EncounterTrackerTest, EncounterWithALiveFlowIsNeverFlushed) {
  auto call = makeFlow(0, 10);
  const std::string key = tracker_.flowClassified(*call, verdict(), phone(), decision());
  tracker_.flushIdle(at(100000));
  EXPECT_TRUE(emitted_.empty());
  EXPECT_EQ(tracker_.open(), 1u);

  // A flow long after still joins while the call lives.
  auto late = makeFlow(5000, 5010);
  completeFlow(*late);
  tracker_.flushIdle(at(100000));
  EXPECT_TRUE(emitted_.empty());

  call->lastSeen = at(6000);
  tracker_.flowEnded(key, *call, flow::DeviceSide::client(), verdict());
  tracker_.flushIdle(at(6120));  // exactly the gap: not yet
  EXPECT_TRUE(emitted_.empty());
  tracker_.flushIdle(at(6120.5));
  ASSERT_EQ(emitted_.size(), 1u);
  EXPECT_EQ(emitted_[0].flows, 2u);
  EXPECT_EQ(emitted_[0].start, at(0));
  EXPECT_EQ(emitted_[0].end, at(6000));
  EXPECT_EQ(emitted_[0].liveFlows, 0u);
}

TEST_F(EncounterTrackerTest, KindAndConfidenceTakeTheStrongest) {
  auto a = makeFlow(0, 10);
  auto b = makeFlow(1, 11);
  auto c = makeFlow(2, 12);
  completeFlow(*a, verdict(kWhatsapp, UseKind::kMessaging, Confidence::kHigh));
  completeFlow(*b, verdict(kWhatsapp, UseKind::kCall, Confidence::kLow));
  completeFlow(*c, verdict(kWhatsapp, UseKind::kWeb, Confidence::kMedium));
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  EXPECT_EQ(emitted_[0].kind, UseKind::kCall);
  EXPECT_EQ(emitted_[0].confidence, Confidence::kHigh);
}

TEST_F(EncounterTrackerTest, BytesFromAndToDeviceBySide) {
  // The phone is the client of the first flow and the server of the second (an inbound call).
  auto outbound = makeFlow(0, 10, "157.240.1.53", {10, 1000, 800}, {20, 5000, 4400});
  auto inbound = makeFlow(1, 11, "157.240.1.54", {3, 300, 240}, {7, 700, 560});
  completeFlow(*outbound, verdict(), decision(), flow::DeviceSide::client());
  completeFlow(*inbound, verdict(), decision(), flow::DeviceSide::server());
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  const Encounter& e = emitted_[0];
  EXPECT_EQ(e.fromDevice.packets, 10u + 7u);
  EXPECT_EQ(e.fromDevice.bytes, 1000u + 700u);
  EXPECT_EQ(e.fromDevice.payloadBytes, 800u + 560u);
  EXPECT_EQ(e.toDevice.packets, 20u + 3u);
  EXPECT_EQ(e.toDevice.bytes, 5000u + 300u);
  EXPECT_EQ(e.toDevice.payloadBytes, 4400u + 240u);
  // The remote end of the inbound flow is its client.
  EXPECT_EQ(e.servers.count("192.168.1.42"), 1u);
  EXPECT_EQ(e.servers.count("157.240.1.53"), 1u);
}

TEST_F(EncounterTrackerTest, EvidenceIsDeduplicated) {
  auto a = makeFlow(0, 10);
  auto b = makeFlow(1, 11);
  const auto items = std::vector<classify::Evidence>{
      evidence("whatsapp.names", "g.whatsapp.net"), evidence("whatsapp.ndpi", "WhatsApp",
                                                              EvidenceField::kNdpi)};
  completeFlow(*a, verdict(kWhatsapp, UseKind::kMessaging, Confidence::kHigh, items));
  auto moreItems = items;
  moreItems.push_back(evidence("whatsapp.names", "mmg.whatsapp.net"));  // same rule, new value
  completeFlow(*b, verdict(kWhatsapp, UseKind::kMessaging, Confidence::kHigh, moreItems));
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  EXPECT_EQ(emitted_[0].evidence.size(), 3u);
  EXPECT_FALSE(emitted_[0].evidenceTruncated);
}

TEST_F(EncounterTrackerTest, EvidenceAndServersAreCapped) {
  for (int i = 0; i < 20; ++i) {
    auto flow = makeFlow(i, i + 1, "157.240.1." + std::to_string(i + 1));
    completeFlow(*flow, verdict(kWhatsapp, UseKind::kMessaging, Confidence::kHigh,
                                {evidence("whatsapp.names", std::to_string(i) + ".whatsapp.net")}));
  }
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  const Encounter& e = emitted_[0];
  EXPECT_EQ(e.flows, 20u);
  EXPECT_EQ(e.evidence.size(), 16u);
  EXPECT_TRUE(e.evidenceTruncated);
  EXPECT_EQ(e.evidence.front().value, "0.whatsapp.net");  // the first are kept
  EXPECT_EQ(e.servers.size(), 16u);
  EXPECT_TRUE(e.serversTruncated);
}

TEST_F(EncounterTrackerTest, ExactlySixteenIsNotTruncated) {
  for (int i = 0; i < 16; ++i) {
    auto flow = makeFlow(i, i + 1, "157.240.1." + std::to_string(i + 1));
    completeFlow(*flow, verdict(kWhatsapp, UseKind::kMessaging, Confidence::kHigh,
                                {evidence("whatsapp.names", std::to_string(i) + ".whatsapp.net")}));
  }
  // A repeat of a known server and known evidence changes nothing.
  auto repeat = makeFlow(17, 18, "157.240.1.1");
  completeFlow(*repeat, verdict(kWhatsapp, UseKind::kMessaging, Confidence::kHigh,
                                {evidence("whatsapp.names", "0.whatsapp.net")}));
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  EXPECT_EQ(emitted_[0].evidence.size(), 16u);
  EXPECT_FALSE(emitted_[0].evidenceTruncated);
  EXPECT_EQ(emitted_[0].servers.size(), 16u);
  EXPECT_FALSE(emitted_[0].serversTruncated);
}

TEST_F(EncounterTrackerTest, ActionAndAlertsTakeTheStrongestDecision) {
  auto a = makeFlow(0, 10);
  auto b = makeFlow(1, 11);
  auto c = makeFlow(2, 12);
  completeFlow(*a, verdict(), decision(Action::kCount, false, "exempt.it-lab"));
  completeFlow(*b, verdict(), decision(Action::kAlert, false, "no_baa.messaging"));
  completeFlow(*c, verdict(), decision(Action::kAlert, true, "no_baa.messaging"));
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  EXPECT_EQ(emitted_[0].action, Action::kAlert);
  EXPECT_EQ(emitted_[0].policyRule, "no_baa.messaging");
  EXPECT_EQ(emitted_[0].alerts, 1u);  // the suppressed repeat is not another alert
}

TEST_F(EncounterTrackerTest, LaterHostNameIsKept) {
  auto a = makeFlow(0, 10);
  auto b = makeFlow(1, 11);
  completeFlow(*a, verdict(), decision(), flow::DeviceSide::client(), phone());
  completeFlow(*b, verdict(), decision(), flow::DeviceSide::client(), phone("Dr-Lee-iPhone"));
  tracker_.flushAll();
  ASSERT_EQ(emitted_.size(), 1u);
  EXPECT_EQ(emitted_[0].device.hostName, "Dr-Lee-iPhone");
}

TEST_F(EncounterTrackerTest, FlowEndedForUnknownKeyIsIgnored) {
  auto a = makeFlow(0, 10);
  tracker_.flowEnded("nobody|whatsapp", *a, flow::DeviceSide::client(), verdict());
  EXPECT_EQ(tracker_.open(), 0u);
  tracker_.flushAll();
  EXPECT_TRUE(emitted_.empty());
}

TEST(EncounterIdTest, StableForTheSameInput) {
  auto run = [](double start, const inventory::Device& device) {
    std::vector<Encounter> out;
    EncounterTracker tracker(120, [&](const Encounter& e) { out.push_back(e); });
    auto flow = makeFlow(start, start + 10);
    const std::string key = tracker.flowClassified(*flow, verdict(), device, decision());
    tracker.flowEnded(key, *flow, flow::DeviceSide::client(), verdict());
    tracker.flushAll();
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? std::string() : out[0].id;
  };
  const std::string id = run(1700000000, phone());
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  EXPECT_EQ(run(1700000000, phone()), id);
  EXPECT_NE(run(1700000001, phone()), id);
  EXPECT_NE(run(1700000000, laptop()), id);
}

}  // namespace
}  // namespace baawatch::policy
