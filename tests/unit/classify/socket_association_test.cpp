// SocketAssociation with the shipped signatures: a device's UDP socket that carried a call of a
// service that lends (whatsapp.yaml sets socket_association_seconds) gives that service to the
// socket's unattributed UDP flows while the call's flow is open and for the window after its last
// packet; another socket, TCP, a flow that has a verdict, a low or non-call seed, a service that
// does not lend, and flows made by association lend nothing.
#include "baawatch/classify/socket_association.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "baawatch/classify/signature.hpp"
#include "unit/fixtures/shipped_catalog.hpp"

namespace baawatch::classify {
namespace {

using baawatch::testing::shippedCatalog;

double windowOf(const std::string& serviceId) {
  const ServiceSignature* service = shippedCatalog()->find(serviceId);
  auto it = service->behaviour.find("socket_association_seconds");
  return it == service->behaviour.end() ? 0 : it->second;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::uint64_t nextFlowId = 1;

flow::Flow udpFlow(const char* client, std::uint16_t clientPort, const char* server,
                   std::uint16_t serverPort, double startSeconds, double lastSeconds) {
  flow::Flow flow;
  flow.id = nextFlowId++;
  flow.protocol = 17;
  flow.client = ip(client);
  flow.clientPort = clientPort;
  flow.server = ip(server);
  flow.serverPort = serverPort;
  flow.firstSeen = Timestamp::fromSeconds(startSeconds);
  flow.lastSeen = Timestamp::fromSeconds(lastSeconds);
  return flow;
}

FlowFacts callFacts(const std::string& serviceId, Confidence confidence,
                    UseKind kind = UseKind::kCall) {
  Verdict verdict;
  verdict.catalog = shippedCatalog();
  verdict.service = shippedCatalog()->find(serviceId);
  verdict.confidence = confidence;
  verdict.kind = kind;
  FlowFacts facts;
  facts.verdict = std::move(verdict);
  return facts;
}

class SocketAssociationTest : public ::testing::Test {
 protected:
  // A WhatsApp call's relay flow from the device's socket 192.168.10.23:40012, from 100 s to 160 s.
  void SetUp() override {
    relay_ = udpFlow("192.168.10.23", 40012, "157.240.229.60", 3478, 100, 160);
    FlowFacts facts = callFacts("whatsapp", Confidence::kHigh);
    EXPECT_FALSE(rule_.refine("d", relay_, facts, Timestamp::fromSeconds(101)));
  }
  void endRelay() {
    rule_.flowEnded(relay_, callFacts("whatsapp", Confidence::kHigh), relay_.lastSeen);
  }
  // Refines an unattributed flow; the service id it was given, or "".
  std::string associate(const flow::Flow& flow) {
    FlowFacts facts;
    bool changed = rule_.refine("d", flow, facts, flow.firstSeen);
    EXPECT_EQ(changed, facts.verdict.has_value());
    if (!facts.verdict) return "";
    last_ = *facts.verdict;
    return facts.verdict->service->id;
  }

  SocketAssociation rule_;
  flow::Flow relay_;
  Verdict last_;
};

TEST_F(SocketAssociationTest, ThePeerLegOfTheSocketIsTheCallsService) {
  ASSERT_GT(windowOf("whatsapp"), 0);
  EXPECT_EQ(associate(udpFlow("192.168.10.23", 40012, "203.0.113.77", 51820, 102, 150)),
            "whatsapp");
  EXPECT_EQ(last_.kind, UseKind::kCall);
  EXPECT_EQ(last_.confidence, Confidence::kMedium);
  ASSERT_EQ(last_.evidence.size(), 1u);
  const Evidence& evidence = last_.evidence[0];
  EXPECT_EQ(evidence.ruleId, "context.socket-association");
  EXPECT_EQ(evidence.field, EvidenceField::kBehaviour);
  EXPECT_NE(evidence.value.find("192.168.10.23:40012"), std::string::npos) << evidence.value;
  EXPECT_NE(evidence.value.find("157.240.229.60:3478"), std::string::npos) << evidence.value;
  EXPECT_FALSE(evidence.reason.empty());
  EXPECT_FALSE(evidence.caveat.empty());
}

TEST_F(SocketAssociationTest, ALegBetweenTwoClinicDevicesMatchesOnEitherEnd) {
  // The other phone spoke first, so the seeded socket is this flow's server.
  EXPECT_EQ(associate(udpFlow("192.168.10.41", 61000, "192.168.10.23", 40012, 103, 140)),
            "whatsapp");
}

TEST_F(SocketAssociationTest, OtherSocketsAndTcpGetNothing) {
  EXPECT_EQ(associate(udpFlow("192.168.10.23", 40013, "203.0.113.77", 51820, 102, 150)), "");
  EXPECT_EQ(associate(udpFlow("192.168.10.24", 40012, "203.0.113.77", 51820, 102, 150)), "");
  flow::Flow tcp = udpFlow("192.168.10.23", 40012, "203.0.113.77", 443, 102, 150);
  tcp.protocol = 6;
  EXPECT_EQ(associate(tcp), "");
}

TEST_F(SocketAssociationTest, AFlowWithAVerdictKeepsIt) {
  flow::Flow flow = udpFlow("192.168.10.23", 40012, "74.125.250.129", 19302, 102, 103);
  FlowFacts facts = callFacts("google-meet", Confidence::kMedium);
  EXPECT_FALSE(rule_.refine("d", flow, facts, flow.firstSeen));
  EXPECT_EQ(facts.verdict->service->id, "google-meet");
  // A weaker call verdict on the socket does not take it over from the stronger one.
  EXPECT_EQ(associate(udpFlow("192.168.10.23", 40012, "203.0.113.77", 51820, 104, 150)),
            "whatsapp");
}

TEST_F(SocketAssociationTest, LendsWhileTheCallIsOpenAndForTheWindowAfterItsLastPacket) {
  double window = windowOf("whatsapp");
  // Open: however long after the relay flow was judged.
  EXPECT_EQ(associate(udpFlow("192.168.10.23", 40012, "203.0.113.77", 51820, 100 + 5 * window,
                              100 + 5 * window + 1)),
            "whatsapp");
  endRelay();
  // The window counts from the relay flow's last packet (160 s).
  EXPECT_EQ(associate(udpFlow("192.168.10.23", 40012, "198.51.100.4", 3000, 160 + window - 1,
                              160 + window)),
            "whatsapp");
  EXPECT_EQ(associate(udpFlow("192.168.10.23", 40012, "198.51.100.5", 3000, 160 + window + 1,
                              160 + window + 2)),
            "");
}

TEST_F(SocketAssociationTest, AnAssociatedFlowLendsNothing) {
  ASSERT_EQ(associate(udpFlow("192.168.10.41", 61000, "192.168.10.23", 40012, 103, 140)),
            "whatsapp");
  // The associated flow's verdict comes back through refine() as any verdict does.
  flow::Flow associated = udpFlow("192.168.10.41", 61000, "192.168.10.23", 40012, 103, 140);
  FlowFacts facts;
  facts.verdict = last_;
  EXPECT_FALSE(rule_.refine("d", associated, facts, associated.firstSeen));
  EXPECT_EQ(associate(udpFlow("192.168.10.41", 61000, "203.0.113.90", 4000, 104, 140)), "");
}

TEST(SocketAssociationSeeds, OnlyCallsOfMediumOrMoreOfALendingService) {
  struct Case {
    const char* service;
    Confidence confidence;
    UseKind kind;
    bool lends;
  };
  // zoom.yaml sets no window: Zoom's direct legs are told by their own payload.
  for (const Case& c : {Case{"whatsapp", Confidence::kMedium, UseKind::kCall, true},
                        Case{"whatsapp", Confidence::kLow, UseKind::kCall, false},
                        Case{"whatsapp", Confidence::kHigh, UseKind::kMessaging, false},
                        Case{"zoom", Confidence::kHigh, UseKind::kCall, false}}) {
    SocketAssociation rule;
    flow::Flow seed = udpFlow("10.1.2.3", 5000, "203.0.113.1", 3478, 10, 20);
    FlowFacts facts = callFacts(c.service, c.confidence, c.kind);
    rule.refine("d", seed, facts, seed.firstSeen);
    FlowFacts leg;
    flow::Flow peer = udpFlow("10.1.2.3", 5000, "198.51.100.9", 6000, 11, 12);
    EXPECT_EQ(rule.refine("d", peer, leg, peer.firstSeen), c.lends)
        << c.service << " " << static_cast<int>(c.confidence);
  }
}

TEST_F(SocketAssociationTest, ForgetsEndedSeedsLongAfterTheirWindow) {
  endRelay();
  EXPECT_EQ(rule_.sockets(), 1u);
  rule_.forgetBefore(Timestamp::fromSeconds(160 + windowOf("whatsapp") + 60));
  EXPECT_EQ(rule_.sockets(), 1u);
  rule_.forgetBefore(Timestamp::fromSeconds(160 + windowOf("whatsapp") + 7201));
  EXPECT_EQ(rule_.sockets(), 0u);
}

TEST_F(SocketAssociationTest, AnOpenSeedIsNeverForgotten) {
  rule_.forgetBefore(Timestamp::fromSeconds(100000));
  EXPECT_EQ(rule_.sockets(), 1u);
}

}  // namespace
}  // namespace baawatch::classify
