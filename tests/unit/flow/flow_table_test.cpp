#include "baawatch/flow/flow_table.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace baawatch::flow {
namespace {

using decode::DecodedPacket;
namespace tcp = decode::tcp_flags;

// The flow table reads only header facts and the sizes of the two spans, so packets are
// described field by field and their spans point into one zeroed buffer.
const std::array<std::uint8_t, 2048> kBytes{};

struct PacketSpec {
  std::string source;
  std::uint16_t sourcePort = 0;
  std::string destination;
  std::uint16_t destinationPort = 0;
  std::uint8_t protocol = 17;
  double time = 0;
  std::uint8_t flags = 0;
  std::uint16_t vlan = 0;
  std::size_t ipBytes = 60;
  std::size_t payloadBytes = 20;
};

IpAddress ip(const std::string& text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

DecodedPacket packet(const PacketSpec& spec) {
  DecodedPacket p;
  p.time = Timestamp::fromSeconds(spec.time);
  p.source = ip(spec.source);
  p.destination = ip(spec.destination);
  p.ipVersion = p.source.isV4() ? 4 : 6;
  p.sourcePort = spec.sourcePort;
  p.destinationPort = spec.destinationPort;
  p.ipProtocol = spec.protocol;
  p.transport = static_cast<decode::Transport>(spec.protocol);
  p.tcpFlags = spec.flags;
  p.vlan = spec.vlan;
  p.ipPacket = std::span<const std::uint8_t>(kBytes.data(), spec.ipBytes);
  p.payload = std::span<const std::uint8_t>(kBytes.data(), spec.payloadBytes);
  p.wireLength = static_cast<std::uint32_t>(spec.ipBytes + 14);
  return p;
}

PacketSpec reversed(PacketSpec spec) {
  std::swap(spec.source, spec.destination);
  std::swap(spec.sourcePort, spec.destinationPort);
  return spec;
}

struct Ended {
  std::uint64_t id;
  FlowEndReason reason;
  Timestamp endTime;
  IpAddress client;
};

// A table whose end handler records every ended flow.
class FlowTableTest : public ::testing::Test {
 protected:
  FlowTable makeTable(FlowTableOptions options = {}) {
    options.hashSeed = options.hashSeed == 0 ? 42 : options.hashSeed;
    return FlowTable(options, [this](Flow& flow, FlowEndReason reason, Timestamp endTime) {
      ended_.push_back(Ended{flow.id, reason, endTime, flow.client});
    });
  }
  std::vector<Ended> ended_;
};

// ---- Canonical key --------------------------------------------------------------------------

struct KeyCase {
  std::string name;
  PacketSpec forward;
};

class CanonicalKeyTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(CanonicalKeyTest, SameKeyForBothDirections) {
  const PacketSpec& forward = GetParam().forward;
  const FlowKey a = FlowKey::fromPacket(packet(forward));
  const FlowKey b = FlowKey::fromPacket(packet(reversed(forward)));
  EXPECT_EQ(a, b);
  EXPECT_LE(a.lowAddress, a.highAddress);
  EXPECT_EQ(a.protocol, forward.protocol);
  FlowKeyHash hash{7};
  EXPECT_EQ(hash(a), hash(b));
}

TEST_P(CanonicalKeyTest, VlanDistinguishesKeys) {
  PacketSpec tagged = GetParam().forward;
  tagged.vlan = 10;
  PacketSpec otherVlan = tagged;
  otherVlan.vlan = 20;
  EXPECT_NE(FlowKey::fromPacket(packet(tagged)), FlowKey::fromPacket(packet(otherVlan)));
  EXPECT_EQ(FlowKey::fromPacket(packet(tagged)).vlan, 10);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, CanonicalKeyTest,
    ::testing::Values(
        KeyCase{"ipv4_udp", {"192.168.1.10", 50000, "8.8.8.8", 53, 17}},
        KeyCase{"ipv4_tcp_high_first", {"203.0.113.9", 443, "10.0.0.2", 40000, 6}},
        KeyCase{"ipv6_tcp", {"2001:db8::2", 50000, "2001:db8::1", 443, 6}},
        // Same address both ends: the ports decide the order.
        KeyCase{"same_address", {"10.0.0.1", 6000, "10.0.0.1", 5000, 17}}),
    [](const auto& info) { return info.param.name; });

TEST(FlowKeyTest, ProtocolDistinguishesKeys) {
  PacketSpec udp{"10.0.0.1", 1000, "10.0.0.2", 2000, 17};
  PacketSpec tcpSpec = udp;
  tcpSpec.protocol = 6;
  EXPECT_NE(FlowKey::fromPacket(packet(udp)), FlowKey::fromPacket(packet(tcpSpec)));
}

TEST(FlowKeyHashTest, SeedChangesTheHash) {
  const FlowKey key = FlowKey::fromPacket(packet({"192.168.1.10", 50000, "8.8.8.8", 53, 17}));
  EXPECT_EQ(FlowKeyHash{1}(key), FlowKeyHash{1}(key));
  EXPECT_NE(FlowKeyHash{1}(key), FlowKeyHash{2}(key));
  EXPECT_NE(FlowKeyHash{0x1234567890abcdefULL}(key), FlowKeyHash{0x1234567890abcdeeULL}(key));
}

TEST(FlowKeyHashTest, EveryKeyFieldFeedsTheHash) {
  const PacketSpec base{"192.168.1.10", 50000, "8.8.8.8", 53, 17};
  const FlowKeyHash hash{99};
  const std::size_t baseHash = hash(FlowKey::fromPacket(packet(base)));
  std::vector<PacketSpec> variants(5, base);
  variants[0].source = "192.168.1.11";
  variants[1].destination = "8.8.4.4";
  variants[2].sourcePort = 50001;
  variants[3].protocol = 6;
  variants[4].vlan = 5;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(hash(FlowKey::fromPacket(packet(variants[i]))), baseHash) << "variant " << i;
  }
}

TEST(FlowEndReasonTest, Names) {
  EXPECT_EQ(toString(FlowEndReason::kIdle), "idle");
  EXPECT_EQ(toString(FlowEndReason::kTcpClosed), "tcp_closed");
  EXPECT_EQ(toString(FlowEndReason::kEvicted), "evicted");
  EXPECT_EQ(toString(FlowEndReason::kShutdown), "shutdown");
}

// ---- Tracking -------------------------------------------------------------------------------

TEST_F(FlowTableTest, BothDirectionsShareOneFlowAndVlanSeparatesFlows) {
  FlowTable table = makeTable();
  const PacketSpec v4{"192.168.1.10", 50000, "8.8.8.8", 53, 17, 1.0};
  auto first = table.track(packet(v4));
  auto reply = table.track(packet(reversed(v4)));
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(reply.created);
  EXPECT_EQ(first.flow, reply.flow);

  const PacketSpec v6{"2001:db8::10", 50000, "2001:db8::1", 443, 6, 1.0, tcp::kSyn};
  auto v6First = table.track(packet(v6));
  auto v6Reply = table.track(packet(reversed(v6)));
  EXPECT_EQ(v6First.flow, v6Reply.flow);
  EXPECT_EQ(table.size(), 2u);

  PacketSpec otherVlan = v4;
  otherVlan.vlan = 30;
  auto tagged = table.track(packet(otherVlan));
  EXPECT_TRUE(tagged.created);
  EXPECT_NE(tagged.flow, first.flow);
  EXPECT_EQ(tagged.flow->vlan, 30);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.counters().get("flow.created"), 3u);
}

// A connection reset, then a new one on the same addresses and ports within the closed timeout
// (a client retrying from the same port): the SYN starts a flow of its own, so its handshake and
// ClientHello are read; anything else after the reset stays with the closed flow.
TEST_F(FlowTableTest, ASynOnAClosedFlowStartsANewOne) {
  FlowTable table = makeTable();
  const PacketSpec syn{"192.168.1.10", 50000, "17.57.146.20", 443, 6, 10.0, tcp::kSyn};
  std::uint64_t firstId = table.track(packet(syn)).flow->id;
  PacketSpec reset = reversed(syn);
  reset.time = 10.03;
  reset.flags = tcp::kRst | tcp::kAck;
  table.track(packet(reset));
  PacketSpec lateAck = syn;
  lateAck.time = 10.5;
  lateAck.flags = tcp::kAck;
  EXPECT_EQ(table.track(packet(lateAck)).flow->id, firstId) << "only a SYN opens a new flow";
  EXPECT_TRUE(ended_.empty());

  PacketSpec retry = syn;
  retry.time = 12.0;  // within the 10 s closed timeout
  auto second = table.track(packet(retry));
  EXPECT_TRUE(second.created);
  EXPECT_NE(second.flow->id, firstId);
  EXPECT_EQ(second.flow->client, ip("192.168.1.10"));
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].id, firstId);
  EXPECT_EQ(ended_[0].reason, FlowEndReason::kTcpClosed);
  EXPECT_EQ(ended_[0].endTime, Timestamp::fromSeconds(12.0));
}

TEST_F(FlowTableTest, ClientIsTheSenderOfTheFirstPacket) {
  FlowTable table = makeTable();
  auto tracked = table.track(packet({"192.168.1.10", 50000, "8.8.8.8", 53, 17, 1.0}));
  const Flow& flow = *tracked.flow;
  EXPECT_EQ(tracked.direction, Direction::kToServer);
  EXPECT_EQ(flow.client, ip("192.168.1.10"));
  EXPECT_EQ(flow.clientPort, 50000);
  EXPECT_EQ(flow.server, ip("8.8.8.8"));
  EXPECT_EQ(flow.serverPort, 53);
  EXPECT_EQ(flow.protocol, 17);
  EXPECT_EQ(flow.firstSeen, Timestamp::fromSeconds(1.0));
}

TEST_F(FlowTableTest, SynAckSeenFirstMakesItsReceiverTheClient) {
  FlowTable table = makeTable();
  // The SYN was missed: the server's SYN-ACK is the first packet.
  DecodedPacket synAck =
      packet({"157.240.1.53", 443, "192.168.1.10", 51000, 6, 1.0, tcp::kSyn | tcp::kAck});
  synAck.sourceMac = decode::MacAddress{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  synAck.destinationMac = decode::MacAddress{0x3c, 0x22, 0xfb, 0x12, 0x34, 0x56};
  auto tracked = table.track(synAck);
  const Flow& flow = *tracked.flow;
  EXPECT_EQ(tracked.direction, Direction::kToClient);
  EXPECT_EQ(flow.client, ip("192.168.1.10"));
  EXPECT_EQ(flow.clientPort, 51000);
  EXPECT_EQ(flow.server, ip("157.240.1.53"));
  EXPECT_EQ(flow.serverPort, 443);
  ASSERT_TRUE(flow.clientMac.has_value());
  EXPECT_EQ(decode::formatMac(*flow.clientMac), "3c:22:fb:12:34:56");
  ASSERT_TRUE(flow.serverMac.has_value());
  EXPECT_EQ(decode::formatMac(*flow.serverMac), "00:11:22:33:44:55");
  EXPECT_EQ(flow.toClient.packets, 1u);
  EXPECT_EQ(flow.toServer.packets, 0u);

  auto ack = table.track(packet({"192.168.1.10", 51000, "157.240.1.53", 443, 6, 1.1, tcp::kAck}));
  EXPECT_EQ(ack.direction, Direction::kToServer);
  EXPECT_EQ(ack.flow->tcpState, TcpState::kEstablished);
}

// Without an opening to go by, the endpoint inside the clinic's networks is the client.
struct SidesCase {
  std::string name;
  PacketSpec first;
  std::string client;  // expected
};

class ClientNetworksTest : public FlowTableTest, public ::testing::WithParamInterface<SidesCase> {};

TEST_P(ClientNetworksTest, ClientIsTheClinicEndpointWhenOnlyOneIs) {
  FlowTableOptions options;
  options.clientNetworks = {*IpRange::parse("192.168.0.0/16"), *IpRange::parse("fd00::/8")};
  FlowTable table = makeTable(options);
  const SidesCase& c = GetParam();
  auto tracked = table.track(packet(c.first));
  EXPECT_EQ(tracked.flow->client, ip(c.client));
  bool firstSenderIsClient = c.first.source == c.client;
  EXPECT_EQ(tracked.direction, firstSenderIsClient ? Direction::kToServer : Direction::kToClient);
  EXPECT_EQ(firstSenderIsClient ? tracked.flow->toServer.packets : tracked.flow->toClient.packets,
            1u);
  // The reply goes the other way.
  auto reply = table.track(packet(reversed(c.first)));
  EXPECT_EQ(reply.flow, tracked.flow);
  EXPECT_NE(reply.direction, tracked.direction);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ClientNetworksTest,
    ::testing::Values(
        // A relay's media reaches the device first (or alone, in a one-way capture).
        SidesCase{"UdpFromOutsideFirst",
                  {"17.252.8.10", 3478, "192.168.1.23", 16403, 17, 1.0},
                  "192.168.1.23"},
        SidesCase{"UdpFromOutsideFirstIpv6",
                  {"2620:149:a44::10", 3480, "fd00::23", 16403, 17, 1.0},
                  "fd00::23"},
        SidesCase{"UdpFromInsideFirst",
                  {"192.168.1.23", 16403, "17.252.8.10", 3478, 17, 1.0},
                  "192.168.1.23"},
        // Both inside, or both outside: the first sender, as without the networks.
        SidesCase{"UdpBetweenTwoClinicDevices",
                  {"192.168.1.41", 61000, "192.168.1.23", 40012, 17, 1.0},
                  "192.168.1.41"},
        SidesCase{"UdpBetweenTwoOutsiders",
                  {"203.0.113.7", 4000, "198.51.100.9", 5000, 17, 1.0},
                  "203.0.113.7"},
        // TCP caught mid-connection: the server's segment seen first.
        SidesCase{"TcpWithoutItsSyn",
                  {"17.57.146.20", 5223, "192.168.1.23", 50123, 6, 1.0, tcp::kAck | tcp::kPsh},
                  "192.168.1.23"},
        // A SYN says who opened the connection, wherever it comes from.
        SidesCase{"InboundSyn",
                  {"203.0.113.7", 50123, "192.168.1.23", 22, 6, 1.0, tcp::kSyn},
                  "203.0.113.7"}),
    [](const ::testing::TestParamInfo<SidesCase>& info) { return info.param.name; });

TEST_F(FlowTableTest, DirectionCountersAddPacketsIpBytesAndPayload) {
  FlowTable table = makeTable();
  PacketSpec up{"192.168.1.10", 40000, "192.0.2.7", 3478, 17, 1.0};
  up.ipBytes = 100;
  up.payloadBytes = 72;
  PacketSpec down = reversed(up);
  down.ipBytes = 1200;
  down.payloadBytes = 1172;
  table.track(packet(up));
  up.time = 1.5;
  table.track(packet(up));
  down.time = 2.0;
  auto tracked = table.track(packet(down));
  const Flow& flow = *tracked.flow;
  EXPECT_EQ(flow.toServer.packets, 2u);
  EXPECT_EQ(flow.toServer.bytes, 200u);
  EXPECT_EQ(flow.toServer.payloadBytes, 144u);
  EXPECT_EQ(flow.toClient.packets, 1u);
  EXPECT_EQ(flow.toClient.bytes, 1200u);
  EXPECT_EQ(flow.toClient.payloadBytes, 1172u);
  EXPECT_EQ(flow.firstSeen, Timestamp::fromSeconds(1.0));
  EXPECT_EQ(flow.lastSeen, Timestamp::fromSeconds(2.0));
}

TEST_F(FlowTableTest, OutOfOrderPacketDoesNotMoveLastSeenBack) {
  FlowTable table = makeTable();
  PacketSpec spec{"192.168.1.10", 40000, "192.0.2.7", 3478, 17, 5.0};
  table.track(packet(spec));
  spec.time = 4.0;
  auto tracked = table.track(packet(spec));
  EXPECT_EQ(tracked.flow->lastSeen, Timestamp::fromSeconds(5.0));
}

// ---- TCP state machine ----------------------------------------------------------------------

struct Step {
  bool fromClient;
  std::uint8_t flags;
};

struct TcpCase {
  std::string name;
  std::vector<Step> steps;
  TcpState state;
  bool finToServer;
  bool finToClient;
};

class TcpStateTest : public FlowTableTest, public ::testing::WithParamInterface<TcpCase> {};

TEST_P(TcpStateTest, StateAfterSequence) {
  FlowTable table = makeTable();
  const PacketSpec clientToServer{"192.168.1.10", 51000, "157.240.1.53", 443, 6};
  Flow* flow = nullptr;
  double time = 1.0;
  for (const Step& step : GetParam().steps) {
    PacketSpec spec = step.fromClient ? clientToServer : reversed(clientToServer);
    spec.time = time;
    spec.flags = step.flags;
    time += 0.01;
    flow = table.track(packet(spec)).flow;
  }
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(flow->tcpState, GetParam().state);
  EXPECT_EQ(flow->finToServer, GetParam().finToServer);
  EXPECT_EQ(flow->finToClient, GetParam().finToClient);
  EXPECT_EQ(table.size(), 1u);
}

constexpr std::uint8_t kSynAck = tcp::kSyn | tcp::kAck;
constexpr std::uint8_t kFinAck = tcp::kFin | tcp::kAck;
constexpr std::uint8_t kPshAck = tcp::kPsh | tcp::kAck;
const std::vector<Step> kHandshake = {{true, tcp::kSyn}, {false, kSynAck}, {true, tcp::kAck}};

std::vector<Step> handshakeThen(std::vector<Step> more) {
  std::vector<Step> steps = kHandshake;
  steps.insert(steps.end(), more.begin(), more.end());
  return steps;
}

INSTANTIATE_TEST_SUITE_P(
    Sequences, TcpStateTest,
    ::testing::Values(
        TcpCase{"syn", {{true, tcp::kSyn}}, TcpState::kSynSeen, false, false},
        TcpCase{"syn_synack", {{true, tcp::kSyn}, {false, kSynAck}}, TcpState::kSynSeen, false,
                false},
        TcpCase{"handshake", kHandshake, TcpState::kEstablished, false, false},
        // A capture that starts mid-connection: the first ACK establishes it.
        TcpCase{"midstream_ack", {{true, kPshAck}}, TcpState::kEstablished, false, false},
        TcpCase{"fin_from_client", handshakeThen({{true, kFinAck}}), TcpState::kClosing, true,
                false},
        TcpCase{"fin_from_server", handshakeThen({{false, kFinAck}}), TcpState::kClosing, false,
                true},
        TcpCase{"fin_both_ways", handshakeThen({{true, kFinAck}, {false, kFinAck}}),
                TcpState::kClosed, true, true},
        TcpCase{"fin_twice_same_side", handshakeThen({{true, kFinAck}, {true, kFinAck}}),
                TcpState::kClosing, true, false},
        TcpCase{"rst_after_handshake", handshakeThen({{false, tcp::kRst}}), TcpState::kClosed,
                false, false},
        TcpCase{"rst_answering_syn", {{true, tcp::kSyn}, {false, tcp::kRst | tcp::kAck}},
                TcpState::kClosed, false, false}),
    [](const auto& info) { return info.param.name; });

// ---- Timeouts -------------------------------------------------------------------------------

struct TimeoutCase {
  std::string name;
  std::uint8_t protocol;
  std::vector<Step> steps;  // every step at time 100 (the last one sets lastSeen)
  double timeout;           // the timeout that applies to the final state
  FlowEndReason reason;
};

class TimeoutTest : public FlowTableTest, public ::testing::WithParamInterface<TimeoutCase> {
 protected:
  static FlowTableOptions options() {
    FlowTableOptions options;  // distinct values so a wrong pick shows
    options.tcpSynTimeout = 30;
    options.tcpEstablishedTimeout = 3600;
    options.tcpClosedTimeout = 10;
    options.udpTimeout = 120;
    options.otherTimeout = 60;
    return options;
  }
  void feed(FlowTable& table) {
    const TimeoutCase& c = GetParam();
    const PacketSpec clientToServer{"192.168.1.10", 51000, "157.240.1.53", 443, c.protocol,
                                    100.0};
    if (c.steps.empty()) table.track(packet(clientToServer));
    for (const Step& step : c.steps) {
      PacketSpec spec = step.fromClient ? clientToServer : reversed(clientToServer);
      spec.flags = step.flags;
      table.track(packet(spec));
    }
  }
};

TEST_P(TimeoutTest, ExpireEndsTheFlowOnlyAfterItsStateTimeout) {
  const TimeoutCase& c = GetParam();
  FlowTable table = makeTable(options());
  feed(table);
  ASSERT_EQ(table.size(), 1u);

  table.expire(Timestamp::fromSeconds(100 + c.timeout - 0.5));
  EXPECT_EQ(table.size(), 1u) << "ended before its timeout";
  EXPECT_TRUE(ended_.empty());

  table.expire(Timestamp::fromSeconds(100 + c.timeout + 0.5));
  EXPECT_EQ(table.size(), 0u) << "still there after its timeout";
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].reason, c.reason);
  // The flow ended when its timeout ran out, not when expire() happened to run.
  EXPECT_EQ(ended_[0].endTime, Timestamp::fromSeconds(100 + c.timeout));
  const std::string counter = "flow.ended." + std::string(toString(c.reason));
  EXPECT_EQ(table.counters().get(counter), 1u) << counter;
}

INSTANTIATE_TEST_SUITE_P(
    States, TimeoutTest,
    ::testing::Values(
        TimeoutCase{"udp", 17, {}, 120, FlowEndReason::kIdle},
        TimeoutCase{"other_protocol", 47, {}, 60, FlowEndReason::kIdle},
        TimeoutCase{"tcp_syn_only", 6, {{true, tcp::kSyn}}, 30, FlowEndReason::kIdle},
        TimeoutCase{"tcp_established", 6, kHandshake, 3600, FlowEndReason::kIdle},
        TimeoutCase{"tcp_half_closed", 6, handshakeThen({{true, kFinAck}}), 3600,
                    FlowEndReason::kIdle},
        TimeoutCase{"tcp_fin_both_ways", 6, handshakeThen({{true, kFinAck}, {false, kFinAck}}),
                    10, FlowEndReason::kTcpClosed},
        TimeoutCase{"tcp_rst", 6, handshakeThen({{true, tcp::kRst}}), 10,
                    FlowEndReason::kTcpClosed}),
    [](const auto& info) { return info.param.name; });

TEST_F(FlowTableTest, ExpireLooksPastALongLivedFlowAtTheFront) {
  FlowTable table = makeTable();
  // An established TCP flow (1 h timeout) is least recently active; a UDP flow behind it is due.
  for (const Step& step : kHandshake) {
    PacketSpec spec{"192.168.1.10", 51000, "157.240.1.53", 443, 6, 0.0, step.flags};
    table.track(packet(step.fromClient ? spec : reversed(spec)));
  }
  table.track(packet({"192.168.1.10", 40000, "192.0.2.7", 3478, 17, 1.0}));
  table.expire(Timestamp::fromSeconds(200));
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].id, 2u);
  EXPECT_EQ(ended_[0].reason, FlowEndReason::kIdle);
  EXPECT_EQ(table.size(), 1u);
}

TEST_F(FlowTableTest, PortReuseAfterIdleEndsTheOldFlow) {
  FlowTable table = makeTable();
  PacketSpec spec{"192.168.1.10", 40000, "192.0.2.7", 3478, 17, 10.0};
  auto first = table.track(packet(spec));
  const std::uint64_t firstId = first.flow->id;

  spec.time = 100.0;  // within the UDP timeout (120 s): the same flow
  auto again = table.track(packet(spec));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.flow->id, firstId);
  EXPECT_TRUE(ended_.empty());

  spec.time = 400.0;  // 300 s after its last packet: a new conversation on the same ports
  auto reused = table.track(packet(spec));
  EXPECT_TRUE(reused.created);
  EXPECT_NE(reused.flow->id, firstId);
  EXPECT_EQ(reused.flow->toServer.packets, 1u);
  EXPECT_EQ(reused.flow->firstSeen, Timestamp::fromSeconds(400.0));
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].id, firstId);
  EXPECT_EQ(ended_[0].reason, FlowEndReason::kIdle);
  EXPECT_EQ(ended_[0].endTime, Timestamp::fromSeconds(220.0));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.counters().get("flow.created"), 2u);
  EXPECT_EQ(table.counters().get("flow.ended.idle"), 1u);
}

TEST_F(FlowTableTest, NewSynAfterClosedTimeoutStartsANewFlow) {
  FlowTable table = makeTable();
  const PacketSpec client{"192.168.1.10", 51000, "157.240.1.53", 443, 6};
  for (const Step& step : handshakeThen({{true, kFinAck}, {false, kFinAck}})) {
    PacketSpec spec = step.fromClient ? client : reversed(client);
    spec.time = 5.0;
    spec.flags = step.flags;
    table.track(packet(spec));
  }
  PacketSpec syn = client;
  syn.time = 30.0;
  syn.flags = tcp::kSyn;
  auto tracked = table.track(packet(syn));
  EXPECT_TRUE(tracked.created);
  EXPECT_EQ(tracked.flow->tcpState, TcpState::kSynSeen);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].reason, FlowEndReason::kTcpClosed);
  EXPECT_EQ(ended_[0].endTime, Timestamp::fromSeconds(15.0));
}

// ---- Capacity and shutdown ------------------------------------------------------------------

TEST_F(FlowTableTest, FullTableEvictsTheLeastRecentlyActiveFlow) {
  FlowTableOptions options;
  options.maxFlows = 2;
  FlowTable table = makeTable(options);
  const PacketSpec a{"192.168.1.10", 1000, "192.0.2.1", 443, 17, 1.0};
  const PacketSpec b{"192.168.1.10", 1001, "192.0.2.1", 443, 17, 2.0};
  PacketSpec c{"192.168.1.10", 1002, "192.0.2.1", 443, 17, 4.0};
  const std::uint64_t idA = table.track(packet(a)).flow->id;
  const std::uint64_t idB = table.track(packet(b)).flow->id;
  PacketSpec aAgain = reversed(a);  // a is active again: b is now the least recent
  aAgain.time = 3.0;
  table.track(packet(aAgain));

  auto tracked = table.track(packet(c));
  EXPECT_TRUE(tracked.created);
  EXPECT_EQ(table.size(), 2u);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].id, idB);
  EXPECT_EQ(ended_[0].reason, FlowEndReason::kEvicted);
  EXPECT_EQ(ended_[0].endTime, Timestamp::fromSeconds(4.0));
  EXPECT_EQ(table.counters().get("flow.ended.evicted"), 1u);

  PacketSpec aLater = a;
  aLater.time = 5.0;
  auto stillA = table.track(packet(aLater));
  EXPECT_FALSE(stillA.created);
  EXPECT_EQ(stillA.flow->id, idA);
  EXPECT_EQ(ended_.size(), 1u);
}

TEST_F(FlowTableTest, DrainEndsEveryFlowAsShutdown) {
  FlowTable table = makeTable();
  table.track(packet({"192.168.1.10", 1000, "192.0.2.1", 443, 17, 1.0}));
  table.track(packet({"192.168.1.11", 1000, "192.0.2.1", 443, 6, 2.0, tcp::kSyn}));
  table.track(packet({"2001:db8::5", 1000, "2001:db8::1", 443, 17, 9.0}));
  table.drain(Timestamp::fromSeconds(5.0));
  EXPECT_EQ(table.size(), 0u);
  ASSERT_EQ(ended_.size(), 3u);
  for (const Ended& e : ended_) EXPECT_EQ(e.reason, FlowEndReason::kShutdown);
  EXPECT_EQ(ended_[0].endTime, Timestamp::fromSeconds(5.0));
  // A flow seen after `now` does not end before its last packet.
  EXPECT_EQ(ended_[2].endTime, Timestamp::fromSeconds(9.0));
  EXPECT_EQ(table.counters().get("flow.ended.shutdown"), 3u);
  EXPECT_EQ(table.counters().get("flow.created"), 3u);
  EXPECT_EQ(table.counters().get("flow.ended.idle"), 0u);
}

TEST_F(FlowTableTest, FlowIdsAreSequential) {
  FlowTable table = makeTable();
  EXPECT_EQ(table.track(packet({"10.0.0.1", 1, "10.0.0.2", 2, 17, 1.0})).flow->id, 1u);
  EXPECT_EQ(table.track(packet({"10.0.0.1", 3, "10.0.0.2", 4, 17, 1.0})).flow->id, 2u);
  EXPECT_EQ(table.track(packet({"10.0.0.2", 2, "10.0.0.1", 1, 17, 1.0})).flow->id, 1u);
}

}  // namespace
}  // namespace baawatch::flow
