#include "baawatch/classify/wire_shape.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "unit/fixtures/frames.hpp"

namespace baawatch::classify {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint32_t bit(WireShape shape) { return 1u << static_cast<unsigned>(shape); }

std::uint32_t udp(const Bytes& payload, bool fromServer = false, bool first = true) {
  return recogniseWireShapes(payload, WireTransport::kUdp, fromServer, first);
}
std::uint32_t tcp(const Bytes& payload, bool fromServer = false, bool first = true) {
  return recogniseWireShapes(payload, WireTransport::kTcp, fromServer, first);
}

Bytes discordDiscovery(std::uint16_t type, const std::string& address) {
  return baawatch::testing::frames::discordIpDiscovery(type, address);
}

TEST(WireShape, NamesRoundTrip) {
  for (WireShape shape : allWireShapes()) {
    EXPECT_EQ(wireShapeNamed(toString(shape)), shape) << toString(shape);
  }
  EXPECT_EQ(allWireShapes().size(), kWireShapeCount);
  EXPECT_FALSE(wireShapeNamed("stun").has_value());
}

TEST(WireShape, DiscordIpDiscoveryRequestAndAnswer) {
  EXPECT_EQ(udp(discordDiscovery(0x0001, "")), bit(WireShape::kDiscordIpDiscovery));
  EXPECT_EQ(udp(discordDiscovery(0x0002, "203.0.113.7"), true),
            bit(WireShape::kDiscordIpDiscovery));
  EXPECT_EQ(udp(discordDiscovery(0x0002, "2001:db8::7"), true),
            bit(WireShape::kDiscordIpDiscovery));
}

TEST(WireShape, DiscordIpDiscoveryLookAlikesAreRefused) {
  Bytes wrongLength = discordDiscovery(0x0001, "");
  wrongLength.push_back(0);
  EXPECT_EQ(udp(wrongLength), 0u) << "75 bytes";
  EXPECT_EQ(udp(discordDiscovery(0x0003, "")), 0u) << "type 3";
  Bytes text = discordDiscovery(0x0002, "203.0.113.7");
  text[8 + 20] = 'x';  // text after the NUL padding
  EXPECT_EQ(udp(text, true), 0u);
  Bytes binary = discordDiscovery(0x0002, "");
  binary[8] = 0xfe;  // not address text
  EXPECT_EQ(udp(binary, true), 0u);
  // A STUN Binding request of the same first bytes carries the magic cookie and other lengths.
  Bytes stun = {0x00, 0x01, 0x00, 0x46, 0x21, 0x12, 0xa4, 0x42};
  stun.resize(90, 0x11);
  EXPECT_EQ(udp(stun), 0u);
  EXPECT_EQ(tcp(discordDiscovery(0x0001, "")), 0u) << "UDP only";
}

TEST(WireShape, DiscordLatencyPingIsEightBytes) {
  EXPECT_EQ(udp({0x13, 0x37, 0xca, 0xfe, 0x00, 0x00, 0x00, 0x2a}),
            bit(WireShape::kDiscordLatencyPing));
  EXPECT_EQ(udp({0x13, 0x37, 0xca, 0xfe, 0x00, 0x00, 0x00, 0x2a, 0x00}), 0u);
  EXPECT_EQ(udp({0x13, 0x37, 0xca, 0xff, 0x00, 0x00, 0x00, 0x2a}), 0u);
}

Bytes dnscryptAnswer(std::size_t encrypted) {
  Bytes answer = {'r', '6', 'f', 'n', 'v', 'W', 'j', '8'};
  answer.resize(8 + 24 + encrypted, 0x5a);
  return answer;
}

TEST(WireShape, DnscryptAnswerByItsResolverMagic) {
  EXPECT_EQ(udp(dnscryptAnswer(64), true), bit(WireShape::kDnscryptResponse));
  EXPECT_EQ(udp(dnscryptAnswer(64), false), 0u) << "the magic starts answers, not queries";
  EXPECT_EQ(udp(dnscryptAnswer(8), true), 0u) << "too short for nonce and tag";
  Bytes framed = {0x00, 0x00};
  Bytes answer = dnscryptAnswer(64);
  framed[1] = static_cast<std::uint8_t>(answer.size());
  framed.insert(framed.end(), answer.begin(), answer.end());
  EXPECT_EQ(tcp(framed, true, false), bit(WireShape::kDnscryptResponse));
  framed[1] += 1;  // a length that does not fit
  EXPECT_EQ(tcp(framed, true, false), 0u);
}

TEST(WireShape, TailscaleDiscoMagic) {
  Bytes disco = {0x54, 0x53, 0xf0, 0x9f, 0x92, 0xac};
  disco.resize(6 + 32 + 24 + 16, 0x33);
  EXPECT_EQ(udp(disco), bit(WireShape::kTailscaleDisco));
  disco.resize(40);
  EXPECT_EQ(udp(disco), 0u) << "no room for key and nonce";
}

TEST(WireShape, WhatsappChatPrologueFirstClientBytesOnly) {
  Bytes current = {'E', 'D', 0x00, 0x01, 0x00, 0x00, 0x04, 0x08, 0x00, 0x12};
  Bytes older = {'E', 'D', 0x00, 0x01, 0x00, 0x00, 0x02, 0x08, 0x00, 0x12};
  Bytes legacy = {'W', 'A', 0x01, 0x05, 0x00, 0x00};
  EXPECT_EQ(tcp(current), bit(WireShape::kWhatsappChatPrologue));
  EXPECT_EQ(tcp(older), bit(WireShape::kWhatsappChatPrologue));
  EXPECT_EQ(tcp(legacy), bit(WireShape::kWhatsappChatPrologue));
  EXPECT_EQ(tcp(current, true), 0u) << "the server does not send the prologue";
  EXPECT_EQ(tcp(current, false, false), 0u) << "only the first bytes of the connection";
  Bytes other = current;
  other[6] = 0x03;
  EXPECT_EQ(tcp(other), 0u);
  EXPECT_EQ(udp(current), 0u);
}

TEST(WireShape, ZoomDirectLegHello) {
  Bytes hello = {0x1f, 0x02, 0x01};
  hello.resize(60, 0x41);
  std::fill(hello.end() - 4, hello.end(), 0);
  EXPECT_EQ(udp(hello), bit(WireShape::kZoomP2pHello));
  EXPECT_EQ(udp(hello, false, false), 0u) << "the first packet of the leg only";
  Bytes shortHello(hello.begin(), hello.begin() + 36);
  std::fill(shortHello.end() - 4, shortHello.end(), 0);
  EXPECT_EQ(udp(shortHello), 0u) << "36 bytes or fewer";
  hello.back() = 1;
  EXPECT_EQ(udp(hello), 0u) << "must end in four zero bytes";
}

// A STUN message: type, length, magic cookie, transaction id, then each attribute (type,
// length, value padded to 4 bytes).
Bytes stun(std::uint16_t type, std::vector<std::pair<std::uint16_t, std::size_t>> attributes,
           bool cookie = true) {
  Bytes body;
  for (auto [attribute, length] : attributes) {
    body.push_back(static_cast<std::uint8_t>(attribute >> 8));
    body.push_back(static_cast<std::uint8_t>(attribute));
    body.push_back(static_cast<std::uint8_t>(length >> 8));
    body.push_back(static_cast<std::uint8_t>(length));
    body.insert(body.end(), (length + 3) / 4 * 4, 0x5A);
  }
  Bytes message = {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type),
                   static_cast<std::uint8_t>(body.size() >> 8),
                   static_cast<std::uint8_t>(body.size())};
  Bytes magic = cookie ? Bytes{0x21, 0x12, 0xA4, 0x42} : Bytes{0x01, 0x02, 0x03, 0x04};
  message.insert(message.end(), magic.begin(), magic.end());
  message.insert(message.end(), 12, 0x07);
  message.insert(message.end(), body.begin(), body.end());
  return message;
}

TEST(WireShape, WhatsappStunByItsPrivateTypesOrAttributesEitherWay) {
  const std::uint32_t whatsapp = bit(WireShape::kWhatsappStun);
  // Call set-up and keep-alive types, request and answer.
  for (std::uint16_t type : {0x0800, 0x0801, 0x0802, 0x0804, 0x0805}) {
    EXPECT_EQ(udp(stun(type, {{0x4000, 16}})), whatsapp) << type;
    EXPECT_EQ(udp(stun(type, {}), true), whatsapp) << type;
  }
  // Its attributes on ordinary messages: the relay's Allocate answer carries 0x4002.
  EXPECT_EQ(udp(stun(0x0103, {{0x0020, 8}, {0x4002, 8}, {0x0008, 20}}), true), whatsapp);
  EXPECT_EQ(udp(stun(0x0003, {{0x4000, 80}, {0x0016, 8}})), whatsapp);
  EXPECT_EQ(udp(stun(0x0001, {{0x4007, 4}})), whatsapp);
  // Not WhatsApp's: plain ICE checks, Teams' 0x8070, Apple's 0x8007, other types, no cookie.
  EXPECT_EQ(udp(stun(0x0001, {{0x0008, 20}})), 0u);
  EXPECT_EQ(udp(stun(0x0001, {{0x8070, 4}})), 0u);
  EXPECT_EQ(udp(stun(0x0101, {{0x4005, 4}, {0x8007, 16}}), true), 0u);
  EXPECT_EQ(udp(stun(0x0803, {})), 0u);
  EXPECT_EQ(udp(stun(0x0800, {}, false)), 0u);
  // Only over UDP.
  EXPECT_EQ(tcp(stun(0x0800, {})), 0u);
}

// A STUN message whose REALM attribute holds `realm` (padded), after a NONCE.
Bytes stunWithRealm(std::uint16_t type, const std::string& realm) {
  Bytes message = stun(type, {{0x0015, 16}});
  Bytes attribute = {0x00, 0x14, 0x00, static_cast<std::uint8_t>(realm.size())};
  attribute.insert(attribute.end(), realm.begin(), realm.end());
  while (attribute.size() % 4 != 0) attribute.push_back(0);
  message.insert(message.end(), attribute.begin(), attribute.end());
  std::size_t length = message.size() - 20;
  message[2] = static_cast<std::uint8_t>(length >> 8);
  message[3] = static_cast<std::uint8_t>(length);
  return message;
}

TEST(WireShape, TurnRealmsOfTelegramAndViberOverUdpAndTcp) {
  const std::uint32_t telegram = bit(WireShape::kTelegramStunRealm);
  const std::uint32_t viber = bit(WireShape::kViberStunRealm);
  EXPECT_EQ(udp(stunWithRealm(0x0113, "telegram.org"), true), telegram) << "401 answer";
  EXPECT_EQ(udp(stunWithRealm(0x0003, "Telegram.ORG")), telegram) << "authenticated Allocate";
  EXPECT_EQ(tcp(stunWithRealm(0x0003, "turn.telegram.org")), telegram);
  EXPECT_EQ(udp(stunWithRealm(0x0113, "viber.com"), true), viber);
  EXPECT_EQ(udp(stunWithRealm(0x0113, "turn.viber.com"), true), viber);
  // Other realms, and the names only inside a longer label.
  EXPECT_EQ(udp(stunWithRealm(0x0113, "signal.org"), true), 0u);
  EXPECT_EQ(udp(stunWithRealm(0x0113, "nottelegram.org"), true), 0u);
  EXPECT_EQ(udp(stunWithRealm(0x0113, "viberate.example"), true), 0u);
  // A REALM whose length runs past the datagram is no realm.
  Bytes truncated = stunWithRealm(0x0113, "telegram.org");
  truncated.resize(truncated.size() - 4);
  truncated[3] = static_cast<std::uint8_t>(truncated[3] - 4);
  EXPECT_EQ(udp(truncated, true), 0u);
}

TEST(WireShape, EmptyAndRandomPayloadsShowNothing) {
  EXPECT_EQ(udp({}), 0u);
  Bytes random(200);
  std::uint32_t state = 12345;
  for (auto& byte : random) {
    state = state * 1103515245 + 12345;
    byte = static_cast<std::uint8_t>(state >> 16);
  }
  EXPECT_EQ(udp(random), 0u);
  EXPECT_EQ(udp(random, true), 0u);
  EXPECT_EQ(tcp(random), 0u);
}

}  // namespace
}  // namespace baawatch::classify
