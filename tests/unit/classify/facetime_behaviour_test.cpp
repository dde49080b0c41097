// FaceTimeBehaviour judged case by case with the shipped facetime.yaml: a flow's endpoints and
// rates, the packets its MediaObservation saw (hex fixtures), and what the behaviour must answer,
// with which confidence, which media and which evidence (one entry per signal that counted, then
// the combination). Each signal is shown to add its weight on its own (SignalWeights), and the
// combination rule to need an Apple signal, framing and media. The look-alikes the detector must
// let pass (Teams' 0x8008, non-Apple TURN, WebRTC elsewhere, NTP to 17/8, QUIC with SNI to Apple,
// a Game Center probe on FaceTime's ports, RTP between two hosts in 17/8) are cases too.
#include "baawatch/classify/facetime_behaviour.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"
#include "unit/decode/hex_fixture.hpp"
#include "unit/fixtures/shipped_catalog.hpp"

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
const std::string kRtpAac = "80 68 00 01 00 00 00 10 11 22 33 44";   // PT 104
const std::string kRtpG711 = "80 00 00 01 00 00 00 10 11 22 33 44";  // PT 0
// TURN ChannelData (channel 0x4001, 12 bytes) relaying an SRTP packet with PT 123 (H.264).
const std::string kChannelDataRtpH264 = "40 01 00 0c 80 7b 00 01 00 00 00 10 11 22 33 44";
const std::string kOpaque = "55 aa 55 aa 55 aa 55 aa 55 aa 55 aa";
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
  std::string quicSni;                       // what the QUIC Initial named, if anything
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

using baawatch::testing::shippedCatalog;

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
  facts.quicServerName = c.quicSni;
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
    if (evidence.ruleId != "facetime.combination") {
      EXPECT_NE(evidence.value.find("(weight "), std::string::npos) << evidence.value;
    }
  }
  EXPECT_EQ(ids, c.evidence);
}

const FlowShape kRelay{};
FlowShape with(FlowShape shape, auto change) {
  change(shape);
  return shape;
}

const std::string kRelaySpace = "facetime.relay-space";
const std::string kRelayPorts = "facetime.relay-ports";
const std::string kPeerPorts = "facetime.p2p-ports";
const std::string kLegacyPorts = "facetime.legacy-ports";
const std::string kAppleStunAttributes = "facetime.apple-stun-attributes";
const std::string kStunTurn = "facetime.stun-turn";
const std::string kQuicWithoutSni = "facetime.quic-without-sni";
const std::string kRtp = "facetime.rtp";
const std::string kRtpTypes = "facetime.rtp-payload-types";
const std::string kMediaRate = "facetime.media-rate";
const std::string kCombination = "facetime.combination";

FlowShape peer(std::uint16_t serverPort, std::uint16_t clientPort = 50000) {
  return with(kRelay, [&](FlowShape& s) {
    s.server = "198.51.100.30";
    s.serverPort = serverPort;
    s.clientPort = clientPort;
  });
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FaceTimeBehaviourTest,
    ::testing::Values(
        // Relay call: address 3 + port 1 + STUN 1 + QUIC without SNI 2 + rate 2 = 9, high.
        FaceTimeCase{"RelayCallAudio", kRelay, {{kStun, 5}, {kChannelData, 20}, {kQuic, 10}},
                     false, Judgement::kMatch, Confidence::kHigh, "audio",
                     {kRelaySpace, kRelayPorts, kStunTurn, kQuicWithoutSni, kMediaRate,
                      kCombination}},
        FaceTimeCase{"RelayCallVideo", with(kRelay, [](FlowShape& s) { s.kbps = 600; }),
                     {{kStun, 5}, {kQuic, 10}}, false, Judgement::kMatch, Confidence::kHigh,
                     "video",
                     {kRelaySpace, kRelayPorts, kStunTurn, kQuicWithoutSni, kMediaRate,
                      kCombination}},
        FaceTimeCase{"RelayCallOverIpv6",
                     with(kRelay, [](FlowShape& s) {
                       s.client = "2001:db8::20";
                       s.server = "2620:149:a44::10";
                     }),
                     {{kStun, 5}, {kQuic, 10}}, false, Judgement::kMatch, Confidence::kHigh,
                     "audio",
                     {kRelaySpace, kRelayPorts, kStunTurn, kQuicWithoutSni, kMediaRate,
                      kCombination}},
        // Apple's AS-originated IPv6 block added from the network facts.
        FaceTimeCase{"RelayCallOverIpv6SecondBlock",
                     with(kRelay, [](FlowShape& s) {
                       s.client = "2001:db8::20";
                       s.server = "2a01:b747:3001::5";
                       s.serverPort = 3490;
                     }),
                     {{kStun, 4}, {kChannelDataRtpH264, 60}}, false, Judgement::kMatch,
                     Confidence::kHigh, "audio",
                     {kRelaySpace, kRelayPorts, kStunTurn, kRtpTypes, kMediaRate, kCombination}},
        // Relay without QUIC: STUN/TURN with SRTP of FaceTime's types inside ChannelData.
        FaceTimeCase{"RelayWithoutQuic",
                     with(kRelay, [](FlowShape& s) { s.serverPort = 3483; }),
                     {{kStun, 4}, {kChannelDataRtpH264, 60}}, false, Judgement::kMatch,
                     Confidence::kHigh, "audio",
                     {kRelaySpace, kRelayPorts, kStunTurn, kRtpTypes, kMediaRate, kCombination}},
        // Audio-only relay call: 40 kbit/s each way is far below video, still a call.
        FaceTimeCase{"RelayAudioOnlyLowRate",
                     with(kRelay, [](FlowShape& s) {
                       s.serverPort = 3497;
                       s.pps = 25;
                       s.kbps = 40;
                     }),
                     {{kStun, 4}, {kChannelData, 3}, {kRtpAac, 200}}, false, Judgement::kMatch,
                     Confidence::kHigh, "audio",
                     {kRelaySpace, kRelayPorts, kStunTurn, kRtpTypes, kMediaRate, kCombination}},
        // Legacy media on a relay conversation: plain RTP of FaceTime's types to 17/8 on a
        // documented port, no STUN: address 3 + port 1 + payload types 3 + rate 2 = 9.
        FaceTimeCase{"LegacyRtpOnRelay", with(kRelay, [](FlowShape& s) { s.serverPort = 3485; }),
                     {{kRtpAac, 100}}, false, Judgement::kMatch, Confidence::kHigh, "audio",
                     {kRelaySpace, kRelayPorts, kRtpTypes, kMediaRate, kCombination}},
        // RTP that is not FaceTime's to Apple at a call's rate: address + RTP + rate = 6.
        FaceTimeCase{"OtherRtpToAppleIsMedium",
                     with(kRelay, [](FlowShape& s) { s.serverPort = 40000; }),
                     {{kRtpG711, 100}}, false, Judgement::kMatch, Confidence::kMedium, "audio",
                     {kRelaySpace, kRtp, kMediaRate, kCombination}},
        // Too short for a call yet: keep watching, and at the end it is no call.
        FaceTimeCase{"RelayTooShortIsWatched", with(kRelay, [](FlowShape& s) { s.seconds = 2; }),
                     {{kStun, 5}, {kQuic, 10}}, false, Judgement::kWatching},
        // Address, port, STUN and QUIC (7) but no media: the weight alone is no call.
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
        // Browser join: WebRTC (STUN, DTLS, Opus RTP) to Apple without QUIC: 8, medium (the
        // device context raises it).
        FaceTimeCase{"WebJoinMedia", kRelay, {{kStun, 5}, {kDtls, 4}, {kRtpOpus, 100}}, false,
                     Judgement::kMatch, Confidence::kMedium, "audio",
                     {kRelaySpace, kRelayPorts, kStunTurn, kRtp, kMediaRate, kCombination}},
        // The same WebRTC to a host outside Apple's space is someone else's call.
        FaceTimeCase{"WebRtcToAnotherHost",
                     with(kRelay, [](FlowShape& s) { s.server = "198.51.100.7"; }),
                     {{kStun, 5}, {kDtls, 4}, {kRtpOpus, 100}}, true, Judgement::kNoMatch},
        // TURN relaying (STUN + ChannelData) with QUIC, but not to Apple.
        FaceTimeCase{"NonAppleTurn", with(kRelay, [](FlowShape& s) { s.server = "203.0.113.9"; }),
                     {{kStun, 5}, {kChannelData, 50}, {kQuic, 10}}, true, Judgement::kNoMatch},
        // Non-Apple TURN on a peer port with FaceTime's payload types: no Apple signal.
        FaceTimeCase{"NonAppleTurnWithFaceTimeTypes", peer(16395),
                     {{kStun, 5}, {kChannelDataRtpH264, 100}}, true, Judgement::kNoMatch},
        // Peer-to-peer leg: STUN attributes 4 + port 1 + payload types 3 + rate 2 = 10.
        FaceTimeCase{"PeerToPeerWithFaceTimeTypes", peer(16393, 16402),
                     {{kAppleLinkStun, 2}, {kRtpHevc, 40}}, false, Judgement::kMatch,
                     Confidence::kHigh, "audio",
                     {kAppleStunAttributes, kPeerPorts, kRtpTypes, kMediaRate, kCombination}},
        FaceTimeCase{"PeerToPeerOnSecondRange", peer(16386, 62000),
                     {{kAppleLinkStun, 2}, {kRtpAac, 40}}, false, Judgement::kMatch,
                     Confidence::kHigh, "audio",
                     {kAppleStunAttributes, kPeerPorts, kRtpTypes, kMediaRate, kCombination}},
        // Too few RTP packets of FaceTime's types to count them: 4 + RTP 1 + rate 2 = 7, medium.
        FaceTimeCase{"PeerToPeerFewRtpPackets", peer(61000),
                     {{kAppleLinkStun, 2}, {kRtpHevc, 3}}, false, Judgement::kMatch,
                     Confidence::kMedium, "audio",
                     {kAppleStunAttributes, kRtp, kMediaRate, kCombination}},
        // Teams' 0x8008 has 4 bytes: no Apple link STUN, and not to Apple.
        FaceTimeCase{"TeamsStunLookalike",
                     with(kRelay, [](FlowShape& s) { s.server = "52.112.1.1"; }),
                     {{kTeamsStun, 5}, {kRtpHevc, 100}}, false, Judgement::kNoMatch},
        // Microsoft's STUN dialect even towards an Apple address is a guard, not a signal.
        FaceTimeCase{"TeamsStunToAppleAddress", kRelay, {{kTeamsStun, 5}, {kRtpHevc, 100}}, true,
                     Judgement::kNoMatch},
        // QUIC that names its server (iCloud, Apple's edge) stops the judgement.
        FaceTimeCase{"QuicWithSniToApple", with(kRelay, [](FlowShape& s) { s.serverPort = 443; }),
                     {{kQuic, 10}, {kOpaque, 300}}, true, Judgement::kNoMatch, Confidence::kLow,
                     "", {}, "gateway.icloud.com"},
        FaceTimeCase{"QuicWithSniBesideStun", kRelay, {{kStun, 5}, {kQuic, 10}, {kRtpAac, 100}},
                     true, Judgement::kNoMatch, Confidence::kLow, "", {}, "p45-content.icloud.com"},
        // QUIC alone (no STUN/TURN on the 5-tuple) is a QUIC session, not QuickRelay.
        FaceTimeCase{"QuicWithoutStunToApple",
                     with(kRelay, [](FlowShape& s) { s.serverPort = 443; }),
                     {{kQuic, 10}, {kOpaque, 300}}, true, Judgement::kNoMatch},
        // Apple address at a media rate with no real-time framing at all.
        FaceTimeCase{"AppleAddressAndRateWithoutFraming", kRelay, {{kOpaque, 300}}, true,
                     Judgement::kNoMatch},
        // Game Center probe: STUN on 16384 to Apple, short, no media: 3 + 1 + 1 = 5, no media.
        FaceTimeCase{"GameCenterShortExchange",
                     with(kRelay, [](FlowShape& s) {
                       s.serverPort = 16384;
                       s.clientPort = 16384;
                       s.seconds = 2;
                       s.pps = 2;
                       s.kbps = 2;
                     }),
                     {{kStun, 4}}, true, Judgement::kNoMatch},
        // Two hosts both numbered in 17/8 (a LAN that borrowed Apple's block): no Apple signal.
        FaceTimeCase{"BothEndsInAppleSpace",
                     with(kRelay, [](FlowShape& s) {
                       s.client = "17.2.0.10";
                       s.server = "17.2.0.11";
                       s.serverPort = 5004;
                       s.clientPort = 5004;
                     }),
                     {{kRtpG711, 100}}, true, Judgement::kNoMatch},
        // Legacy FaceTime: RTP on the same port of its block at both ends: 4 + 3 + 2 = 9.
        FaceTimeCase{"LegacyMediaWithFaceTimeType", peer(16402, 16402), {{kRtpHevc, 50}}, false,
                     Judgement::kMatch, Confidence::kHigh, "audio",
                     {kLegacyPorts, kRtpTypes, kMediaRate, kCombination}},
        // Seen too briefly to tell audio from video: no media named; 4 + 1 = 5, medium.
        FaceTimeCase{"LegacyMediaShortAtTheEnd",
                     with(peer(16384, 16384), [](FlowShape& s) { s.seconds = 1; }),
                     {{kRtpOpus, 1}}, true, Judgement::kMatch, Confidence::kMedium, "",
                     {kLegacyPorts, kRtp, kCombination}},
        FaceTimeCase{"LegacyPortsNotSymmetric", peer(16403, 40000), {{kRtpHevc, 50}}, true,
                     Judgement::kNoMatch},
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

// Each signal alone adds its weight from facetime.yaml: the combination's evidence names the sum.
// A base flow (Apple address on an undocumented port, plain RTP of another type at a call's rate:
// 3 + 1 + 2 = 6) plus one signal at a time.
struct SignalCase {
  std::string name;
  FlowShape shape;
  std::vector<Shown> packets;
  std::string ruleId;   // the signal's evidence
  std::string weight;   // its weight, as the evidence value shows it
  std::string sum;      // the combination's summed weight
};

class SignalWeightTest : public ::testing::TestWithParam<SignalCase> {};

TEST_P(SignalWeightTest, AddsItsWeight) {
  const SignalCase& c = GetParam();
  FaceTimeBehaviour behaviour(shippedCatalog());
  flow::Flow flow = makeFlow(c.shape);
  MediaObservation media;
  for (const Shown& shown : c.packets) {
    for (int i = 0; i < shown.times; ++i) media.observe(hexBytes(shown.hex));
  }
  FlowFacts facts;
  Assessment assessment = behaviour.assess(flow, media, facts, flow.lastSeen, true);
  ASSERT_EQ(assessment.judgement, Judgement::kMatch);
  const std::vector<Evidence>& evidence = assessment.verdict->evidence;
  auto signal = std::find_if(evidence.begin(), evidence.end(),
                             [&](const Evidence& e) { return e.ruleId == c.ruleId; });
  ASSERT_NE(signal, evidence.end()) << c.ruleId;
  EXPECT_NE(signal->value.find("(weight " + c.weight + ")"), std::string::npos) << signal->value;
  EXPECT_FALSE(signal->reason.empty());
  ASSERT_EQ(evidence.back().ruleId, kCombination);
  EXPECT_NE(evidence.back().value.find("weight " + c.sum + " "), std::string::npos)
      << evidence.back().value;
}

const FlowShape kBase = with(kRelay, [](FlowShape& s) { s.serverPort = 40000; });

INSTANTIATE_TEST_SUITE_P(
    Signals, SignalWeightTest,
    ::testing::Values(
        SignalCase{"AppleAddress", kBase, {{kRtpG711, 100}}, kRelaySpace, "3", "6"},
        SignalCase{"AppleAddressIpv6",
                   with(kBase, [](FlowShape& s) {
                     s.client = "2001:db8::20";
                     s.server = "2403:300:a08::4";
                   }),
                   {{kRtpG711, 100}}, kRelaySpace, "3", "6"},
        SignalCase{"AppleAddressAsRoutedByApple",
                   with(kBase, [](FlowShape& s) { s.server = "57.103.10.1"; }), {{kRtpG711, 100}},
                   kRelaySpace, "3", "6"},
        SignalCase{"RelayPort", with(kBase, [](FlowShape& s) { s.serverPort = 3478; }),
                   {{kRtpG711, 100}}, kRelayPorts, "1", "7"},
        SignalCase{"PeerPortAtTheDevice", with(kBase, [](FlowShape& s) { s.clientPort = 16399; }),
                   {{kRtpG711, 100}}, kPeerPorts, "1", "7"},
        SignalCase{"StunTurn", kBase, {{kStun, 3}, {kRtpG711, 100}}, kStunTurn, "1", "7"},
        SignalCase{"QuicWithoutSniBesideStun", kBase, {{kStun, 3}, {kQuic, 3}, {kRtpG711, 100}},
                   kQuicWithoutSni, "2", "9"},
        SignalCase{"AppleStunAttributes", kBase, {{kAppleLinkStun, 1}, {kRtpG711, 100}},
                   kAppleStunAttributes, "4", "10"},
        SignalCase{"FaceTimePayloadTypes", kBase, {{kRtpAac, 100}}, kRtpTypes, "3", "8"},
        // ChannelData is TURN framing as well: 3 + 1 + 3 + 2 = 9.
        SignalCase{"FaceTimePayloadTypesInChannelData", kBase, {{kChannelDataRtpH264, 100}},
                   kRtpTypes, "3", "9"},
        SignalCase{"LegacySymmetricPort",
                   with(kBase, [](FlowShape& s) {
                     s.server = "198.51.100.40";
                     s.serverPort = 16400;
                     s.clientPort = 16400;
                   }),
                   {{kRtpG711, 100}}, kLegacyPorts, "4", "7"},
        SignalCase{"MediaBothWays", kBase, {{kRtpG711, 100}}, kMediaRate, "2", "6"}),
    [](const ::testing::TestParamInfo<SignalCase>& info) { return info.param.name; });

// The combination rule: no verdict without an Apple signal, framing and media, whatever the sum.
TEST(FaceTimeBehaviourTest, CombinationNeedsAppleFramingAndMedia) {
  FaceTimeBehaviour behaviour(shippedCatalog());
  auto judge = [&](const FlowShape& shape, const std::vector<std::string>& hex) {
    flow::Flow flow = makeFlow(shape);
    MediaObservation media;
    for (const std::string& packet : hex) {
      for (int i = 0; i < 50; ++i) media.observe(hexBytes(packet));
    }
    FlowFacts facts;
    return behaviour.assess(flow, media, facts, flow.lastSeen, true).judgement;
  };
  // Apple signal + framing + media: a verdict.
  EXPECT_EQ(judge(kBase, {kRtpG711}), Judgement::kMatch);
  // Every call signal there is (port, STUN, FaceTime types, rate: 7) but no Apple signal.
  EXPECT_EQ(judge(peer(16395), {kStun, kRtpAac}), Judgement::kNoMatch);
  // Apple address, port, STUN (5) but no media (keepalive rate, no RTP).
  EXPECT_EQ(judge(with(kRelay, [](FlowShape& s) {
                    s.pps = 1;
                    s.kbps = 1;
                  }),
                  {kStun}),
            Judgement::kNoMatch);
  // Apple address and the rate but no framing.
  EXPECT_EQ(judge(kBase, {kOpaque}), Judgement::kNoMatch);
}

TEST(MediaObservationInChannelData, RelayedRtpCountsWithItsPayloadType) {
  MediaObservation media;
  media.observe(hexBytes(kChannelDataRtpH264));
  media.observe(hexBytes(kChannelData));  // relays bytes that are not RTP
  EXPECT_EQ(media.channelData, 2u);
  EXPECT_EQ(media.rtpPackets, 1u);
  EXPECT_EQ(media.channelDataRtpPackets, 1u);
  EXPECT_TRUE(media.rtpPayloadTypes.test(123));
}

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
