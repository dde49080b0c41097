// FaceTimeBehaviour judged case by case with the shipped facetime.yaml: a flow's endpoints and
// rates, the packets its MediaObservation saw (hex fixtures), and what the behaviour must answer,
// with which confidence, which media and which evidence. The look-alikes the detector must let
// pass (Teams' 0x8008, non-Apple TURN, WebRTC elsewhere, NTP to 17/8) are cases too.
#include "baawatch/classify/facetime_behaviour.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"
#include "unit/decode/hex_fixture.hpp"

namespace baawatch::classify {
namespace {

using decode::testing::hexBytes;

const std::string kCookie = "21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b 0c";
const std::string kStun = "00 01 00 00 " + kCookie;
const std::string kAppleLinkStun = "00 01 00 1c " + kCookie +
                                   " 80 08 00 10 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff"
                                   " 80 07 00 04 00 00 00 01";
const std::string kTeamsStun = "00 01 00 08 " + kCookie + " 80 08 00 04 00 00 00 06";
const std::string kChannelData = "40 01 00 04 de ad be ef";
const std::string kQuic = "c3 00 00 00 01 08 01 02 03 04 05 06 07 08 00 00 40 00";
const std::string kDtls = "16 fe fd 00 00 00 00 00 00 00 00 00 10";
const std::string kRtpHevc = "80 64 00 01 00 00 00 10 11 22 33 44";  // PT 100
const std::string kRtpOpus = "80 6f 00 01 00 00 00 10 11 22 33 44";  // PT 111
const std::string kNtp = "23 00 06 20 00 00 00 00 00 00 00 00";

struct Shown {
  std::string hex;
  int times = 1;
};

struct FlowShape {
  std::string client = "192.168.1.20";
  std::uint16_t clientPort = 50000;
  std::string server = "17.252.4.10";
  std::uint16_t serverPort = 3478;
  std::uint8_t protocol = 17;
  double seconds = 30;
  double pps = 50;    // each way
  double kbps = 100;  // each way
};

struct FaceTimeCase {
  std::string name;
  FlowShape shape;
  std::vector<Shown> packets;
  bool final = false;
  Judgement judgement = Judgement::kNoMatch;
  Confidence confidence = Confidence::kLow;  // when matched
  std::string media;                         // when matched
  std::vector<std::string> evidence;         // rule ids, in order, when matched
};

flow::Flow makeFlow(const FlowShape& shape) {
  flow::Flow flow;
  flow.client = *IpAddress::parse(shape.client);
  flow.server = *IpAddress::parse(shape.server);
  flow.clientPort = shape.clientPort;
  flow.serverPort = shape.serverPort;
  flow.protocol = shape.protocol;
  flow.firstSeen = Timestamp::fromSeconds(1000);
  flow.lastSeen = Timestamp::fromSeconds(1000 + shape.seconds);
  auto packets = static_cast<std::uint64_t>(shape.pps * shape.seconds);
  auto bytes = static_cast<std::uint64_t>(shape.kbps * 1000 / 8 * shape.seconds);
  flow.toServer = {packets, bytes, bytes};
  flow.toClient = {packets, bytes, bytes};
  return flow;
}

std::shared_ptr<const SignatureCatalog> shippedCatalog() {
  static const auto catalog = std::make_shared<const SignatureCatalog>(
      loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures"));
  return catalog;
}

class FaceTimeBehaviourTest : public ::testing::TestWithParam<FaceTimeCase> {};

TEST_P(FaceTimeBehaviourTest, Judges) {
  const FaceTimeCase& c = GetParam();
  FaceTimeBehaviour behaviour(shippedCatalog());
  ASSERT_TRUE(behaviour.enabled());
  flow::Flow flow = makeFlow(c.shape);
  MediaObservation media;
  for (const Shown& shown : c.packets) {
    for (int i = 0; i < shown.times; ++i) media.observe(hexBytes(shown.hex));
  }
  FlowFacts facts;
  Assessment assessment = behaviour.assess(flow, media, facts, flow.lastSeen, c.final);
  ASSERT_EQ(assessment.judgement, c.judgement);
  ASSERT_EQ(assessment.verdict.has_value(), c.judgement == Judgement::kMatch);
  if (!assessment.verdict) return;
  const Verdict& verdict = *assessment.verdict;
  EXPECT_EQ(verdict.service->id, "facetime");
  EXPECT_EQ(verdict.kind, UseKind::kCall);
  EXPECT_EQ(verdict.confidence, c.confidence);
  EXPECT_EQ(verdict.media, c.media);
  std::vector<std::string> ids;
  for (const Evidence& evidence : verdict.evidence) {
    ids.push_back(evidence.ruleId);
    EXPECT_FALSE(evidence.reason.empty()) << evidence.ruleId << " has no reason";
  }
  EXPECT_EQ(ids, c.evidence);
}

const FlowShape kRelay{};
FlowShape with(FlowShape shape, auto change) {
  change(shape);
  return shape;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FaceTimeBehaviourTest,
    ::testing::Values(
        FaceTimeCase{"RelayCallAudio", kRelay, {{kStun, 5}, {kChannelData, 20}, {kQuic, 10}},
                     false, Judgement::kMatch, Confidence::kHigh, "audio",
                     {"facetime.relay-space", "facetime.relay-multiplex", "facetime.media-rate"}},
        FaceTimeCase{"RelayCallVideo", with(kRelay, [](FlowShape& s) { s.kbps = 600; }),
                     {{kStun, 5}, {kQuic, 10}}, false, Judgement::kMatch, Confidence::kHigh,
                     "video",
                     {"facetime.relay-space", "facetime.relay-multiplex", "facetime.media-rate"}},
        FaceTimeCase{"RelayCallOverIpv6",
                     with(kRelay, [](FlowShape& s) {
                       s.client = "2001:db8::20";
                       s.server = "2620:149:a44::10";
                     }),
                     {{kStun, 5}, {kQuic, 10}}, false, Judgement::kMatch, Confidence::kHigh,
                     "audio",
                     {"facetime.relay-space", "facetime.relay-multiplex", "facetime.media-rate"}},
        // Too short for a call yet: keep watching, and at the end it is no call.
        FaceTimeCase{"RelayTooShortIsWatched", with(kRelay, [](FlowShape& s) { s.seconds = 2; }),
                     {{kStun, 5}, {kQuic, 10}}, false, Judgement::kWatching},
        FaceTimeCase{"RelayTooShortAtTheEnd", with(kRelay, [](FlowShape& s) { s.seconds = 2; }),
                     {{kStun, 5}, {kQuic, 10}}, true, Judgement::kNoMatch},
        // Keepalive rates are no media.
        FaceTimeCase{"RelayAtKeepaliveRate", with(kRelay, [](FlowShape& s) {
                       s.pps = 1;
                       s.kbps = 1;
                     }),
                     {{kStun, 5}, {kQuic, 10}}, true, Judgement::kNoMatch},
        // Watched for observe_max_seconds without meeting the criteria: decided, not a call.
        FaceTimeCase{"WatchedLongEnough", with(kRelay, [](FlowShape& s) {
                       s.seconds = 130;
                       s.pps = 1;
                     }),
                     {{kStun, 5}}, false, Judgement::kNoMatch},
        // Browser join: WebRTC (STUN, DTLS, RTP) to Apple without QUIC.
        FaceTimeCase{"WebJoinMedia", kRelay, {{kStun, 5}, {kDtls, 4}, {kRtpOpus, 100}}, false,
                     Judgement::kMatch, Confidence::kMedium, "audio",
                     {"facetime.relay-space", "facetime.webrtc-media", "facetime.media-rate"}},
        // The same WebRTC to a host outside Apple's space is someone else's call.
        FaceTimeCase{"WebRtcToAnotherHost",
                     with(kRelay, [](FlowShape& s) { s.server = "198.51.100.7"; }),
                     {{kStun, 5}, {kDtls, 4}, {kRtpOpus, 100}}, true, Judgement::kNoMatch},
        // TURN relaying (STUN + ChannelData) with QUIC, but not to Apple.
        FaceTimeCase{"NonAppleTurn", with(kRelay, [](FlowShape& s) { s.server = "203.0.113.9"; }),
                     {{kStun, 5}, {kChannelData, 50}, {kQuic, 10}}, true, Judgement::kNoMatch},
        // Peer-to-peer leg: Apple's link STUN, then FaceTime's payload types.
        FaceTimeCase{"PeerToPeerWithFaceTimeTypes",
                     with(kRelay, [](FlowShape& s) {
                       s.server = "198.51.100.30";
                       s.serverPort = 16393;
                       s.clientPort = 16402;
                     }),
                     {{kAppleLinkStun, 2}, {kRtpHevc, 40}}, false, Judgement::kMatch,
                     Confidence::kHigh, "audio",
                     {"facetime.p2p-stun", "facetime.rtp-payload-types", "facetime.p2p-ports",
                      "facetime.media-rate"}},
        // Too few RTP packets of FaceTime's types to count them: the link STUN alone, medium.
        FaceTimeCase{"PeerToPeerFewRtpPackets",
                     with(kRelay, [](FlowShape& s) {
                       s.server = "198.51.100.30";
                       s.serverPort = 61000;
                     }),
                     {{kAppleLinkStun, 2}, {kRtpHevc, 3}}, false, Judgement::kMatch,
                     Confidence::kMedium, "audio", {"facetime.p2p-stun", "facetime.media-rate"}},
        // Teams' 0x8008 has 4 bytes: no Apple link STUN, and not to Apple.
        FaceTimeCase{"TeamsStunLookalike",
                     with(kRelay, [](FlowShape& s) { s.server = "52.112.1.1"; }),
                     {{kTeamsStun, 5}, {kRtpHevc, 100}}, false, Judgement::kNoMatch},
        // Legacy FaceTime: RTP on the same port of its block at both ends.
        FaceTimeCase{"LegacyMediaWithFaceTimeType",
                     with(kRelay, [](FlowShape& s) {
                       s.server = "198.51.100.40";
                       s.serverPort = 16402;
                       s.clientPort = 16402;
                     }),
                     {{kRtpHevc, 50}}, false, Judgement::kMatch, Confidence::kHigh, "audio",
                     {"facetime.legacy-ports", "facetime.rtp-payload-types"}},
        // Seen too briefly to tell audio from video: no media named.
        FaceTimeCase{"LegacyMediaShortAtTheEnd",
                     with(kRelay, [](FlowShape& s) {
                       s.server = "198.51.100.40";
                       s.serverPort = 16384;
                       s.clientPort = 16384;
                       s.seconds = 1;
                     }),
                     {{kRtpOpus, 1}}, true, Judgement::kMatch, Confidence::kMedium, "",
                     {"facetime.legacy-ports"}},
        FaceTimeCase{"LegacyPortsNotSymmetric",
                     with(kRelay, [](FlowShape& s) {
                       s.server = "198.51.100.40";
                       s.serverPort = 16403;
                       s.clientPort = 40000;
                     }),
                     {{kRtpHevc, 50}}, true, Judgement::kNoMatch},
        // NTP to Apple's time servers in 17/8: watched (Apple space), never a call.
        FaceTimeCase{"NtpToApple",
                     with(kRelay, [](FlowShape& s) {
                       s.server = "17.253.4.125";
                       s.serverPort = 123;
                       s.clientPort = 123;
                     }),
                     {{kNtp, 100}}, true, Judgement::kNoMatch},
        FaceTimeCase{"TcpIsNeverWatched", with(kRelay, [](FlowShape& s) { s.protocol = 6; }),
                     {{kStun, 5}, {kQuic, 10}}, false, Judgement::kNoMatch}),
    [](const ::testing::TestParamInfo<FaceTimeCase>& info) { return info.param.name; });

TEST(FaceTimeBehaviourTest, WorthWatchingOnlyWhatCouldBeFaceTime) {
  FaceTimeBehaviour behaviour(shippedCatalog());
  MediaObservation nothing;
  EXPECT_TRUE(behaviour.worthWatching(makeFlow(kRelay), nothing));
  EXPECT_FALSE(behaviour.worthWatching(
      makeFlow(with(kRelay, [](FlowShape& s) { s.server = "198.51.100.1"; })), nothing));
  MediaObservation appleLink;
  appleLink.observe(hexBytes(kAppleLinkStun));
  EXPECT_TRUE(behaviour.worthWatching(
      makeFlow(with(kRelay, [](FlowShape& s) { s.server = "198.51.100.1"; })), appleLink));
}

TEST(FaceTimeBehaviourTest, DisabledWithoutTheFaceTimeService) {
  FaceTimeBehaviour behaviour(std::make_shared<const SignatureCatalog>());
  EXPECT_FALSE(behaviour.enabled());
  MediaObservation media;
  media.observe(hexBytes(kQuic));
  EXPECT_FALSE(behaviour.worthWatching(makeFlow(kRelay), media));
}

}  // namespace
}  // namespace baawatch::classify
