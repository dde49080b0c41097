// The dispatcher's memory of who opened a flow: kept for the flow's life, bounded, forgotten.
#include "engine/initiator_table.hpp"

#include <gtest/gtest.h>

namespace baawatch::engine {
namespace {

IpAddress ip(std::uint32_t value) { return IpAddress::fromV4(value); }

flow::FlowKey keyOf(std::uint32_t a, std::uint32_t b, std::uint8_t protocol = 17) {
  flow::FlowKey key;
  key.lowAddress = ip(std::min(a, b));
  key.highAddress = ip(std::max(a, b));
  key.lowPort = 1000;
  key.highPort = 2000;
  key.protocol = protocol;
  return key;
}

Timestamp at(double seconds) { return Timestamp{static_cast<Microseconds>(seconds * 1e6)}; }

FlowSettings timeouts() {
  FlowSettings flows;
  flows.udpTimeout = 10;
  flows.tcpSynTimeout = 5;
  flows.tcpEstablishedTimeout = 100;
  flows.tcpClosedTimeout = 5;
  flows.otherTimeout = 10;
  return flows;
}

TEST(InitiatorTableTest, TheFirstSourceSeenStaysTheInitiator) {
  InitiatorTable table(100, timeouts(), {});
  auto key = keyOf(0x0a000001, 0x0a000002);
  EXPECT_EQ(*table.initiatorOf(key, ip(0x0a000002), at(0)), ip(0x0a000002));
  EXPECT_EQ(*table.initiatorOf(key, ip(0x0a000001), at(1)), ip(0x0a000002));
  EXPECT_EQ(table.size(), 1u);
}

// A flow that keeps talking keeps its entry through any number of rotations; one idle for
// longer than its timeout (plus slack) loses it, and the next packet starts afresh.
TEST(InitiatorTableTest, AnEntryOutlivesItsFlowAndThenGoes) {
  InitiatorTable table(100, timeouts(), {});
  auto busy = keyOf(0x0a000001, 0x0a000002);
  auto quiet = keyOf(0x0a000003, 0x0a000004);
  table.initiatorOf(busy, ip(0x0a000001), at(0));
  table.initiatorOf(quiet, ip(0x0a000003), at(0));
  for (int second = 1; second <= 60; ++second) {
    // Within the UDP timeout of its last packet the quiet flow may still be alive: still known.
    if (second <= 10) {
      EXPECT_EQ(*table.initiatorOf(quiet, ip(0x0a000004), at(second)), ip(0x0a000003)) << second;
    }
    table.initiatorOf(busy, ip(0x0a000002), at(second));
    table.advance(at(second));
  }
  EXPECT_EQ(*table.initiatorOf(busy, ip(0x0a000002), at(61)), ip(0x0a000001));
  // Idle for 50 s, five times its timeout: forgotten, so the packet's own source counts now.
  EXPECT_EQ(*table.initiatorOf(quiet, ip(0x0a000004), at(61)), ip(0x0a000004));
}

TEST(InitiatorTableTest, ProtocolsAgeByTheirOwnTimeouts) {
  InitiatorTable table(100, timeouts(), {});
  auto tcp = keyOf(0x0a000001, 0x0a000002, 6);
  auto udp = keyOf(0x0a000001, 0x0a000002, 17);
  table.initiatorOf(tcp, ip(0x0a000001), at(0));
  table.initiatorOf(udp, ip(0x0a000001), at(0));
  for (int second = 1; second <= 40; ++second) table.advance(at(second));
  // 40 s idle: past UDP's 10 s, well inside TCP's 100 s established timeout.
  EXPECT_EQ(*table.initiatorOf(tcp, ip(0x0a000002), at(40)), ip(0x0a000001));
  EXPECT_EQ(*table.initiatorOf(udp, ip(0x0a000002), at(40)), ip(0x0a000002));
}

TEST(InitiatorTableTest, NeverHoldsMoreThanItsCapacity) {
  InitiatorTable table(50, timeouts(), {});
  std::size_t refused = 0;
  for (std::uint32_t host = 1; host <= 200; ++host) {
    if (table.initiatorOf(keyOf(0x0a000000 + host, 0x0b000000), ip(0x0a000000 + host), at(0)) == nullptr) {
      ++refused;
    }
  }
  EXPECT_EQ(table.size(), 50u);
  EXPECT_EQ(refused, 150u);
  // Known flows are still answered when full.
  EXPECT_EQ(*table.initiatorOf(keyOf(0x0a000001, 0x0b000000), ip(0x0b000000), at(1)), ip(0x0a000001));
  // Once they age out there is room again.
  for (int second = 1; second <= 40; ++second) table.advance(at(second));
  EXPECT_NE(table.initiatorOf(keyOf(0x0c000001, 0x0b000000), ip(0x0c000001), at(40)), nullptr);
}

TEST(InitiatorTableTest, ALongerTimeoutAfterAReloadKeepsEntriesLonger) {
  InitiatorTable table(100, timeouts(), {});
  FlowSettings longer = timeouts();
  longer.udpTimeout = 1000;
  table.setTimeouts(longer);
  auto key = keyOf(0x0a000001, 0x0a000002);
  table.initiatorOf(key, ip(0x0a000001), at(0));
  for (int second = 1; second <= 300; ++second) table.advance(at(second));
  EXPECT_EQ(*table.initiatorOf(key, ip(0x0a000002), at(300)), ip(0x0a000001));
}

}  // namespace
}  // namespace baawatch::engine
