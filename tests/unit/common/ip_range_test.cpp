// CIDR ranges: which addresses they hold, at every prefix boundary, for both families.
#include "baawatch/common/ip_address.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>

namespace baawatch {
namespace {

IpRange range(std::string_view text) {
  auto parsed = IpRange::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpRange{});
}

IpAddress address(std::string_view text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress{});
}

TEST(IpRangeTest, HoldsTheAddressesOfItsPrefixOnly) {
  EXPECT_TRUE(range("10.0.0.0/8").contains(address("10.255.1.2")));
  EXPECT_FALSE(range("10.0.0.0/8").contains(address("11.0.0.0")));
  EXPECT_TRUE(range("172.16.0.0/12").contains(address("172.31.255.255")));
  EXPECT_FALSE(range("172.16.0.0/12").contains(address("172.32.0.0")));
  EXPECT_FALSE(range("172.16.0.0/12").contains(address("172.15.255.255")));
  EXPECT_TRUE(range("192.168.1.7").contains(address("192.168.1.7")));  // a bare address is a /32
  EXPECT_FALSE(range("192.168.1.7").contains(address("192.168.1.6")));
  EXPECT_TRUE(range("fc00::/7").contains(address("fd12:3456::1")));
  EXPECT_FALSE(range("fc00::/7").contains(address("fe80::1")));
  EXPECT_TRUE(range("2620:149:a44::/48").contains(address("2620:149:a44:ffff::1")));
  EXPECT_FALSE(range("2620:149:a44::/48").contains(address("2620:149:a45::1")));
  // A prefix that ends in the low half of the 128-bit space.
  EXPECT_TRUE(range("2001:db8::1:0/112").contains(address("2001:db8::1:ffff")));
  EXPECT_FALSE(range("2001:db8::1:0/112").contains(address("2001:db8::2:0")));
}

TEST(IpRangeTest, HostBitsInTheTextAreIgnored) {
  IpRange sloppy = range("10.1.2.3/8");
  EXPECT_EQ(sloppy.toString(), "10.0.0.0/8");
  EXPECT_TRUE(sloppy.contains(address("10.200.0.1")));
}

TEST(IpRangeTest, FamiliesNeverMix) {
  EXPECT_TRUE(range("0.0.0.0/0").contains(address("8.8.8.8")));
  EXPECT_FALSE(range("0.0.0.0/0").contains(address("2001:db8::1")));
  EXPECT_TRUE(range("::/0").contains(address("2001:db8::1")));
  EXPECT_FALSE(range("::/0").contains(address("8.8.8.8")));
  EXPECT_FALSE(range("10.0.0.0/8").contains(IpAddress{}));
  EXPECT_FALSE(IpRange{}.contains(address("10.0.0.1")));
}

// Every prefix length against a bit-by-bit reference, with addresses that differ from the
// network in exactly one bit on either side of the boundary.
TEST(IpRangeTest, AgreesWithABitByBitReferenceAtEveryPrefixLength) {
  std::mt19937 random(7);
  for (int length = 0; length <= 128; ++length) {
    std::array<std::uint8_t, 16> network{};
    for (auto& byte : network) byte = static_cast<std::uint8_t>(random());
    network[0] = 0x20;  // global unicast: never the IPv4-mapped prefix
    for (int bit = length; bit < 128; ++bit) network[bit / 8] &= ~(0x80 >> (bit % 8));
    IpAddress networkAddress = IpAddress::fromV6(network);
    IpRange cidr = range(networkAddress.toString() + "/" + std::to_string(length));
    for (int flip = 0; flip < 128; ++flip) {
      std::array<std::uint8_t, 16> probe = network;
      probe[flip / 8] ^= static_cast<std::uint8_t>(0x80 >> (flip % 8));
      IpAddress probeAddress = IpAddress::fromV6(probe);
      if (probeAddress.isV4()) continue;
      bool expected = flip >= length;  // a flipped host bit stays inside
      EXPECT_EQ(cidr.contains(probeAddress), expected) << cidr.toString() << " flip " << flip;
    }
    EXPECT_TRUE(cidr.contains(networkAddress)) << cidr.toString();
  }
}

// Addresses order by their bytes (then unset before set) and are equal only when every byte is:
// the comparisons work on the two 64-bit halves, checked here against the bytes themselves.
TEST(IpAddressTest, OrderAndEqualityFollowTheBytes) {
  std::mt19937 random(11);
  auto randomAddress = [&] {
    std::array<std::uint8_t, 16> bytes{};
    // Few distinct values per byte, so pairs often share long prefixes and differ late.
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random() % 3 == 0 ? random() : 0);
    return IpAddress::fromV6(bytes);
  };
  for (int round = 0; round < 20000; ++round) {
    IpAddress a = randomAddress();
    IpAddress b = round % 5 == 0 ? a : randomAddress();
    if (round % 7 == 0) {  // differ in one bit of the low half only
      std::array<std::uint8_t, 16> bytes = a.bytes();
      bytes[8 + round % 8] ^= static_cast<std::uint8_t>(1u << (round % 8));
      b = IpAddress::fromV6(bytes);
    }
    int byteOrder = std::memcmp(a.bytes().data(), b.bytes().data(), 16);
    EXPECT_EQ(a == b, byteOrder == 0) << a.toString() << " " << b.toString();
    EXPECT_EQ(a < b, byteOrder < 0) << a.toString() << " " << b.toString();
    EXPECT_EQ(a > b, byteOrder > 0) << a.toString() << " " << b.toString();
  }
  IpAddress zero = address("::");
  EXPECT_NE(IpAddress{}, zero);  // same bytes, one of them unset
  EXPECT_LT(IpAddress{}, zero);
  EXPECT_LT(address("9.255.255.255"), address("10.0.0.0"));
  EXPECT_LT(address("10.0.0.0"), address("2001:db8::1"));  // IPv4-mapped ::ffff:a.b.c.d sorts low
  EXPECT_LT(address("2001:db8::1"), address("2001:db8::1:0"));
}

// The address hash feeds tables an attacker on the LAN can fill (senders, DNS answers): addresses
// that differ in one bit of either half, or are one IPv4 apart, must not collide.
TEST(IpAddressHashTest, NeighbouringAddressesDoNotCollide) {
  const IpAddressHash hash;
  std::set<std::size_t> seen;
  std::array<std::uint8_t, 16> base = address("2001:db8:85a3::8a2e:370:7334").bytes();
  for (int bit = 0; bit < 128; ++bit) {
    std::array<std::uint8_t, 16> bytes = base;
    bytes[bit / 8] ^= static_cast<std::uint8_t>(0x80 >> (bit % 8));
    seen.insert(hash(IpAddress::fromV6(bytes)));
  }
  for (std::uint32_t host = 0; host < 4096; ++host) {
    seen.insert(hash(IpAddress::fromV4(0x0a000000u + host)));
  }
  EXPECT_EQ(seen.size(), 128u + 4096u);
  EXPECT_EQ(hash(address("192.168.1.7")), hash(address("::ffff:192.168.1.7")));  // one address
}

}  // namespace
}  // namespace baawatch
