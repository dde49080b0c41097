// Micro-benchmarks of FlowTable::track: packets of already-tracked flows spread over N flows
// (lookup, LRU move, counters, TCP state), and a stream of new flows against a full table
// (create + evict). Packets are built field by field; the table reads only header facts and
// the sizes of the two spans.
#include <benchmark/benchmark.h>

#include <array>
#include <random>
#include <vector>

#include "baawatch/flow/flow_table.hpp"

namespace {

using namespace baawatch;

const std::array<std::uint8_t, 1500> kBytes{};

decode::DecodedPacket makePacket(std::uint32_t flowIndex, std::uint8_t protocol) {
  decode::DecodedPacket packet;
  packet.ipVersion = 4;
  packet.source = IpAddress::fromV4(0xC0A80000u | (flowIndex & 0xFFFFu));   // 192.168.x.y
  packet.destination = IpAddress::fromV4(0x9DF00000u | (flowIndex >> 16));  // 157.240.x.y
  packet.sourcePort = static_cast<std::uint16_t>(49152 + (flowIndex % 16000));
  packet.destinationPort = 443;
  packet.ipProtocol = protocol;
  packet.transport = static_cast<decode::Transport>(protocol);
  packet.tcpFlags = protocol == 6 ? decode::tcp_flags::kAck : 0;
  packet.ipPacket = std::span<const std::uint8_t>(kBytes.data(), 600);
  packet.payload = std::span<const std::uint8_t>(kBytes.data(), 560);
  packet.wireLength = 614;
  return packet;
}

flow::FlowTableOptions options(std::uint32_t maxFlows) {
  flow::FlowTableOptions result;
  result.maxFlows = maxFlows;
  result.hashSeed = 0x5eed;
  return result;
}

// Packets of `flows` established flows in random order, the table warmed with all of them.
void BM_TrackExisting(benchmark::State& state) {
  auto flows = static_cast<std::uint32_t>(state.range(0));
  flow::FlowTable table(options(flows * 2), nullptr);
  std::vector<decode::DecodedPacket> packets;
  for (std::uint32_t i = 0; i < flows; ++i) packets.push_back(makePacket(i, i % 3 == 0 ? 17 : 6));
  for (auto& packet : packets) table.track(packet);
  std::mt19937 random(7);
  std::vector<std::uint32_t> order(1 << 16);
  for (auto& index : order) index = random() % flows;
  Microseconds now = 1000;
  std::size_t next = 0;
  for (auto _ : state) {
    decode::DecodedPacket& packet = packets[order[next++ & 0xFFFF]];
    packet.time.micros = ++now;
    benchmark::DoNotOptimize(table.track(packet));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TrackExisting)->Arg(64)->Arg(4096)->Arg(65536)->Arg(262144);

// Every packet a new flow against a table of `cap` flows: create, and once full evict the
// least recently active (the flood / scan case).
void BM_TrackNewFlowsAtCap(benchmark::State& state) {
  auto cap = static_cast<std::uint32_t>(state.range(0));
  std::uint64_t ended = 0;
  flow::FlowTable table(options(cap), [&ended](flow::Flow&, flow::FlowEndReason, Timestamp) { ++ended; });
  std::uint32_t index = 0;
  Microseconds now = 1000;
  for (auto _ : state) {
    decode::DecodedPacket packet = makePacket(index++, 6);
    packet.tcpFlags = decode::tcp_flags::kSyn;
    packet.time.micros = ++now;
    benchmark::DoNotOptimize(table.track(packet));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["evicted"] = static_cast<double>(ended);
}
BENCHMARK(BM_TrackNewFlowsAtCap)->Arg(4096)->Arg(262144);

// Housekeeping once a packet-second over established TCP flows idle for 20 s: longer than the
// shortest timeout (TCP closed, 10 s), far from their own (1 h), so nothing is due.
void BM_ExpireNothingDue(benchmark::State& state) {
  auto flows = static_cast<std::uint32_t>(state.range(0));
  flow::FlowTable table(options(flows * 2), nullptr);
  for (std::uint32_t i = 0; i < flows; ++i) {
    auto packet = makePacket(i, 6);
    packet.time.micros = 1000 + i;
    table.track(packet);
  }
  Microseconds now = 20000000;
  for (auto _ : state) table.expire(Timestamp{now++});
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExpireNothingDue)->Arg(65536);

}  // namespace

BENCHMARK_MAIN();
