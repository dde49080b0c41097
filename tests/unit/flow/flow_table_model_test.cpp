// FlowTable against a plain model of its contract: one list in activity order, a linear search
// per packet, one walk from the least recently active flow per expire(). The table keeps flows
// in slots of its own with an intrusive order, a hash index and a due-time heap; whatever it
// does inside, the sequence of ended flows (id, reason, end time) must be the model's, packet
// for packet, under random traffic with evictions, timeouts, port reuse and time going back.
#include <gtest/gtest.h>

#include <list>
#include <random>
#include <vector>

#include "baawatch/flow/flow_table.hpp"

namespace baawatch::flow {
namespace {

namespace tcp = decode::tcp_flags;

const std::array<std::uint8_t, 256> kBytes{};

struct Event {
  std::uint64_t id;
  FlowEndReason reason;
  Microseconds endTime;
  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Event& e) {
  return out << "{id " << e.id << ", " << toString(e.reason) << ", " << e.endTime << "}";
}

Microseconds toMicros(double seconds) { return static_cast<Microseconds>(seconds * 1e6); }

class Model {
 public:
  explicit Model(FlowTableOptions options) : options_(options) {
    shortest_ = std::min({options.tcpSynTimeout, options.tcpEstablishedTimeout,
                          options.tcpClosedTimeout, options.udpTimeout, options.otherTimeout});
  }

  void track(const decode::DecodedPacket& packet) {
    FlowKey key = FlowKey::fromPacket(packet);
    auto it = std::find_if(order_.begin(), order_.end(), [&](const Entry& e) { return e.key == key; });
    if (it != order_.end() && idleSeconds(*it, packet.time) > timeout(*it)) {
      end(it, it->state == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle,
          it->lastSeen.micros + toMicros(timeout(*it)));
      it = order_.end();
    } else if (it != order_.end() && it->protocol == 6 && it->state == TcpState::kClosed &&
               (packet.tcpFlags & (tcp::kSyn | tcp::kAck)) == tcp::kSyn) {
      // A new connection on a closed one's 4-tuple.
      end(it, FlowEndReason::kTcpClosed, packet.time.micros);
      it = order_.end();
    }
    if (it == order_.end()) {
      if (order_.size() >= options_.maxFlows) end(order_.begin(), FlowEndReason::kEvicted, packet.time.micros);
      Entry fresh;
      fresh.key = key;
      fresh.id = nextId_++;
      fresh.protocol = packet.ipProtocol;
      bool synAck = packet.ipProtocol == 6 && (packet.tcpFlags & (tcp::kSyn | tcp::kAck)) == (tcp::kSyn | tcp::kAck);
      fresh.client = synAck ? packet.destination : packet.source;
      fresh.clientPort = synAck ? packet.destinationPort : packet.sourcePort;
      fresh.lastSeen = packet.time;
      order_.push_back(fresh);
    } else {
      order_.splice(order_.end(), order_, it);
    }
    Entry& flow = order_.back();
    bool toServer = packet.source == flow.client && packet.sourcePort == flow.clientPort;
    if (packet.time > flow.lastSeen) flow.lastSeen = packet.time;
    if (flow.protocol != 6) return;
    std::uint8_t flags = packet.tcpFlags;
    if (flags & tcp::kRst) {
      flow.state = TcpState::kClosed;
      return;
    }
    if ((flags & tcp::kSyn) && flow.state == TcpState::kNone) flow.state = TcpState::kSynSeen;
    if ((flags & tcp::kAck) && !(flags & tcp::kSyn) &&
        (flow.state == TcpState::kNone || flow.state == TcpState::kSynSeen))
      flow.state = TcpState::kEstablished;
    if (flags & tcp::kFin) {
      (toServer ? flow.finToServer : flow.finToClient) = true;
      flow.state = flow.finToServer && flow.finToClient ? TcpState::kClosed : TcpState::kClosing;
    }
  }

  void expire(Timestamp now) {
    for (auto it = order_.begin(); it != order_.end();) {
      double idle = idleSeconds(*it, now);
      if (idle <= shortest_) break;
      auto next = std::next(it);
      if (idle > timeout(*it))
        end(it, it->state == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle,
            it->lastSeen.micros + toMicros(timeout(*it)));
      it = next;
    }
  }

  void drain(Timestamp now) {
    while (!order_.empty())
      end(order_.begin(), FlowEndReason::kShutdown, std::max(now, order_.front().lastSeen).micros);
  }

  std::vector<Event> events;
  std::size_t size() const { return order_.size(); }

 private:
  struct Entry {
    FlowKey key;
    std::uint64_t id = 0;
    std::uint8_t protocol = 0;
    IpAddress client;
    std::uint16_t clientPort = 0;
    Timestamp lastSeen;
    TcpState state = TcpState::kNone;
    bool finToServer = false;
    bool finToClient = false;
  };
  static double idleSeconds(const Entry& e, Timestamp now) {
    return static_cast<double>(now.micros - e.lastSeen.micros) / 1e6;
  }
  double timeout(const Entry& e) const {
    if (e.protocol == 17) return options_.udpTimeout;
    if (e.protocol != 6) return options_.otherTimeout;
    switch (e.state) {
      case TcpState::kClosed: return options_.tcpClosedTimeout;
      case TcpState::kEstablished:
      case TcpState::kClosing: return options_.tcpEstablishedTimeout;
      default: return options_.tcpSynTimeout;
    }
  }
  void end(std::list<Entry>::iterator it, FlowEndReason reason, Microseconds endTime) {
    events.push_back(Event{it->id, reason, endTime});
    order_.erase(it);
  }

  FlowTableOptions options_;
  double shortest_ = 0;
  std::list<Entry> order_;
  std::uint64_t nextId_ = 1;
};

decode::DecodedPacket randomPacket(std::mt19937_64& rng, Microseconds time, int keys) {
  decode::DecodedPacket p;
  int k = static_cast<int>(rng() % static_cast<std::uint64_t>(keys));
  bool reverse = rng() % 3 == 0;
  IpAddress device = IpAddress::fromV4(0xC0A80A00u | static_cast<std::uint32_t>(k % 7));
  IpAddress remote = IpAddress::fromV4(0xC6120000u | static_cast<std::uint32_t>(k % 5));
  auto devicePort = static_cast<std::uint16_t>(40000 + k);
  std::uint16_t remotePort = 443;
  static constexpr std::uint8_t kProtocols[] = {6, 6, 17, 1};
  p.ipProtocol = kProtocols[k % 4];
  p.source = reverse ? remote : device;
  p.destination = reverse ? device : remote;
  p.sourcePort = reverse ? remotePort : devicePort;
  p.destinationPort = reverse ? devicePort : remotePort;
  p.ipVersion = 4;
  p.transport = static_cast<decode::Transport>(p.ipProtocol);
  if (p.ipProtocol == 6) {
    static constexpr std::uint8_t kFlags[] = {tcp::kSyn, tcp::kSyn | tcp::kAck, tcp::kAck,
                                              tcp::kAck, tcp::kAck,  tcp::kFin | tcp::kAck,
                                              tcp::kRst, tcp::kAck | tcp::kPsh};
    p.tcpFlags = kFlags[rng() % 8];
  }
  p.time = Timestamp{time};
  p.ipPacket = std::span<const std::uint8_t>(kBytes.data(), 60);
  p.payload = std::span<const std::uint8_t>(kBytes.data(), 20);
  p.wireLength = 74;
  return p;
}

struct ModelCase {
  std::uint32_t maxFlows;
  int keys;
  std::uint64_t seed;
};

class FlowTableModelTest : public ::testing::TestWithParam<ModelCase> {};

TEST_P(FlowTableModelTest, EndsTheSameFlowsInTheSameOrderAsTheModel) {
  const ModelCase param = GetParam();
  FlowTableOptions options;
  options.maxFlows = param.maxFlows;
  options.tcpSynTimeout = 3;
  options.tcpEstablishedTimeout = 20;
  options.tcpClosedTimeout = 1;
  options.udpTimeout = 5;
  options.otherTimeout = 4;
  options.hashSeed = param.seed;
  std::vector<Event> actual;
  std::size_t largest = 0;
  FlowTable table(options, [&](Flow& flow, FlowEndReason reason, Timestamp endTime) {
    actual.push_back(Event{flow.id, reason, endTime.micros});
  });
  Model model(options);
  std::mt19937_64 rng(param.seed);
  Microseconds now = 1'000'000'000;
  Microseconds lastSecond = now / 1'000'000;
  for (int i = 0; i < 30000; ++i) {
    // Mostly small steps, sometimes a long silence, rarely time going back (out-of-order input).
    std::uint64_t roll = rng() % 100;
    if (roll < 90) now += static_cast<Microseconds>(rng() % 200'000);
    else if (roll < 99) now += static_cast<Microseconds>(rng() % 25'000'000);
    else now -= static_cast<Microseconds>(rng() % 3'000'000);
    decode::DecodedPacket packet = randomPacket(rng, now, param.keys);
    auto tracked = table.track(packet);
    model.track(packet);
    ASSERT_NE(tracked.flow, nullptr);
    largest = std::max(largest, table.size());
    if (now / 1'000'000 != lastSecond) {  // housekeeping once a packet-second, as the pipeline
      lastSecond = now / 1'000'000;
      table.expire(Timestamp{now});
      model.expire(Timestamp{now});
    }
    ASSERT_EQ(table.size(), model.size()) << "after packet " << i;
    ASSERT_EQ(actual.size(), model.events.size()) << "after packet " << i;
  }
  table.drain(Timestamp{now});
  model.drain(Timestamp{now});
  EXPECT_EQ(actual, model.events);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_LE(largest, param.maxFlows);
  // Every kind of end happened, so the comparison covered each path.
  for (FlowEndReason reason : {FlowEndReason::kIdle, FlowEndReason::kTcpClosed,
                               FlowEndReason::kEvicted, FlowEndReason::kShutdown}) {
    EXPECT_TRUE(std::any_of(actual.begin(), actual.end(),
                            [&](const Event& e) { return e.reason == reason; }))
        << toString(reason);
  }
}

INSTANTIATE_TEST_SUITE_P(Workloads, FlowTableModelTest,
                         ::testing::Values(ModelCase{8, 40, 1}, ModelCase{32, 60, 2},
                                           ModelCase{24, 150, 3}, ModelCase{1, 5, 4},
                                           ModelCase{64, 2000, 5}));

// A scan: every packet a new flow. The table holds exactly its cap, evicts the least recently
// active flow for each new one, counts each eviction, and reuses its slots (a second scan of the
// same size leaves the same number of live flows and counts twice the evictions).
TEST(FlowTableFloodTest, StaysAtItsCapAndCountsEveryEviction) {
  FlowTableOptions options;
  options.maxFlows = 1000;
  options.hashSeed = 7;
  std::vector<std::uint64_t> evicted;
  FlowTable table(options, [&](Flow& flow, FlowEndReason reason, Timestamp) {
    if (reason == FlowEndReason::kEvicted) evicted.push_back(flow.id);
  });
  for (std::uint32_t round = 0; round < 2; ++round) {
    for (std::uint32_t i = 0; i < 50'000; ++i) {
      decode::DecodedPacket p;
      p.ipVersion = 4;
      p.ipProtocol = 6;
      p.transport = decode::Transport::kTcp;
      p.tcpFlags = tcp::kSyn;
      p.source = IpAddress::fromV4(0xC0A80A42u);
      p.sourcePort = 40000;
      p.destination = IpAddress::fromV4(0xC6120000u + 1 + i % 4096);
      p.destinationPort = static_cast<std::uint16_t>(1 + i / 4096 + round * 100);
      p.time = Timestamp{1'000'000'000 + static_cast<Microseconds>(round * 50'000 + i) * 50};
      p.ipPacket = std::span<const std::uint8_t>(kBytes.data(), 40);
      auto tracked = table.track(p);
      ASSERT_TRUE(tracked.created);
      ASSERT_LE(table.size(), 1000u);
    }
  }
  EXPECT_EQ(table.size(), 1000u);
  EXPECT_EQ(table.counters().get("flow.created"), 100'000u);
  EXPECT_EQ(table.counters().get("flow.ended.evicted"), 99'000u);
  ASSERT_EQ(evicted.size(), 99'000u);
  // Least recently active first: the flows leave in the order they came.
  for (std::size_t i = 0; i < evicted.size(); ++i) ASSERT_EQ(evicted[i], i + 1);
}

}  // namespace
}  // namespace baawatch::flow
