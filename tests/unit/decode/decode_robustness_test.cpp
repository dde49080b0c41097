// Mutated fixtures through every decoder: whatever the bytes, the views a decoder returns stay
// inside its input and the names it copies stay within their limits. Run under the sanitizer
// build (BAAWATCH_SANITIZE) this also proves no read leaves the buffer.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "baawatch/decode/dhcp_message.hpp"
#include "baawatch/decode/dns_message.hpp"
#include "baawatch/decode/packet_decoder.hpp"
#include "baawatch/decode/stun_message.hpp"
#include "baawatch/decode/tls_client_hello.hpp"
#include "unit/decode/hex_fixture.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

bool within(std::span<const std::uint8_t> inner, std::span<const std::uint8_t> outer) {
  return inner.empty() || (inner.data() >= outer.data() &&
                           inner.data() + inner.size() <= outer.data() + outer.size());
}

// Seeded so a failure reproduces: flips a few bytes and sometimes cuts the tail.
class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : random_(seed) {}
  std::vector<std::uint8_t> mutate(const std::vector<std::uint8_t>& original) {
    auto bytes = original;
    const int flips = static_cast<int>(random_() % 4) + 1;
    for (int i = 0; i < flips && !bytes.empty(); ++i) {
      bytes[random_() % bytes.size()] = static_cast<std::uint8_t>(random_());
    }
    if (random_() % 3 == 0 && !bytes.empty()) bytes.resize(random_() % bytes.size());
    return bytes;
  }

 private:
  std::mt19937 random_;
};

constexpr int kRounds = 3000;

TEST(DecodeRobustnessTest, PacketViewsStayInsideTheFrame) {
  // QinQ + IPv6 hop-by-hop + UDP, and Ethernet + IPv4 with options + TCP with payload.
  const std::vector<std::vector<std::uint8_t>> seeds = {
      hexBytes("00 11 22 33 44 55 66 77 88 99 aa bb 88 a8 00 0a 81 00 00 64 86 dd "
               "60 00 00 00 00 14 00 40 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 "
               "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02 11 00 01 04 00 00 00 00 "
               "d4 31 00 35 00 0c 00 00 de ad be ef"),
      hexBytes("00 11 22 33 44 55 66 77 88 99 aa bb 08 00 "
               "46 00 00 2e 12 34 40 00 40 06 00 00 c0 a8 01 0a 08 08 08 08 01 01 01 00 "
               "c3 50 01 bb 01 02 03 04 00 00 00 00 50 18 ff ff 00 00 00 00 68 69"),
  };
  Mutator mutator(20240131);
  const PacketDecoder decoder(1);
  int decoded = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto frame = mutator.mutate(seeds[static_cast<std::size_t>(round) % seeds.size()]);
    const auto result = decoder.decode(frame, static_cast<std::uint32_t>(frame.size()), {});
    if (!result) continue;
    const auto* packet = std::get_if<DecodedPacket>(&*result);
    if (packet == nullptr) continue;
    ++decoded;
    ASSERT_TRUE(within(packet->ipPacket, frame)) << round;
    ASSERT_TRUE(within(packet->payload, packet->ipPacket)) << round;
  }
  EXPECT_GT(decoded, 0);  // the mutations leave some frames decodable, so the checks above ran
}

TEST(DecodeRobustnessTest, ApplicationParsersStayWithinLimits) {
  const auto dns = hexBytes(
      "1a 2b 81 80 00 01 00 02 00 00 00 00 03 77 77 77 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 "
      "00 01 00 01 c0 0c 00 05 00 01 00 00 01 2c 00 06 03 63 64 6e c0 10 "
      "c0 2d 00 01 00 01 00 00 00 3c 00 04 5d b8 d8 22");
  const auto tls = hexBytes(
      "16 03 01 00 4a 01 00 00 46 03 03 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 "
      "13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 00 00 02 13 01 01 00 00 1b 00 00 00 0e 00 0c 00 00 "
      "09 61 2e 65 78 61 6d 70 6c 65 00 10 00 05 00 03 02 68 32");
  const auto stun = hexBytes(
      "00 01 00 10 21 12 a4 42 01 02 03 04 05 06 07 08 09 0a 0b 0c 80 07 00 04 00 00 00 01 "
      "80 22 00 03 61 62 63 00");
  auto dhcp = hexBytes("01 01 06 00 a1 b2 c3 d4");
  dhcp.resize(236, 0);
  for (std::uint8_t b : hexBytes("63 82 53 63 35 01 03 0c 03 70 63 31 32 04 0a 00 00 01 ff")) {
    dhcp.push_back(b);
  }

  Mutator mutator(7);
  int parsed = 0;
  for (int round = 0; round < kRounds; ++round) {
    if (const auto m = parseDnsMessage(mutator.mutate(dns))) {
      ++parsed;
      for (const auto& q : m->questions) ASSERT_LE(q.name.size(), 253u);
      for (const auto& r : m->answers) ASSERT_LE(r.target.size(), 253u);
      ASSERT_LE(m->answers.size(), 256u);
    }
    const auto tlsBytes = mutator.mutate(tls);
    if (const auto hello = parseTlsClientHello(tlsBytes)) {
      ++parsed;
      ASSERT_LT(hello->serverName.size(), tlsBytes.size());
    }
    const auto stunBytes = mutator.mutate(stun);
    if (const auto message = parseStunMessage(stunBytes)) {
      ++parsed;
      ASSERT_LE(message->attributes.size() * 4, stunBytes.size());
    }
    if (const auto message = parseDhcpMessage(mutator.mutate(dhcp))) {
      ++parsed;
      for (char c : message->hostName) ASSERT_TRUE(c >= 0x20 && c <= 0x7e);
    }
    const auto other = mutator.mutate(stun);
    if (parseRtpHeader(other)) {
      ASSERT_GE(other.size(), 8u);
    }
    if (parseQuicLongHeader(other)) {
      ASSERT_GE(other.size(), 7u);
    }
    if (looksLikeTurnChannelData(other)) {
      ASSERT_GE(other.size(), 4u);
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace baawatch::decode
