#include "baawatch/classify/wire_shape.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>

#include "baawatch/decode/stun_message.hpp"

namespace baawatch::classify {
namespace {

constexpr std::array<WireShape, kWireShapeCount> kAllShapes{
    WireShape::kDiscordIpDiscovery, WireShape::kDiscordLatencyPing,   WireShape::kDnscryptResponse,
    WireShape::kTailscaleDisco,     WireShape::kWhatsappChatPrologue, WireShape::kZoomP2pHello,
    WireShape::kWhatsappStun,       WireShape::kTelegramStunRealm,    WireShape::kViberStunRealm};

using Bytes = std::span<const std::uint8_t>;

bool startsWith(Bytes payload, std::initializer_list<std::uint8_t> prefix) {
  return payload.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), payload.begin());
}

std::uint16_t u16(Bytes payload, std::size_t at) {
  return static_cast<std::uint16_t>((payload[at] << 8) | payload[at + 1]);
}

// Discord's voice UDP IP discovery (Discord developer documentation, "Voice Connections: IP
// Discovery"): type 0x0001 (request) or 0x0002 (answer), length 70, SSRC, the address as text in
// 64 NUL-padded bytes (empty in the request, the client's public address in the answer), port.
// 74 bytes in all. A STUN message of this length would carry the magic cookie at bytes 4-7 and a
// length that counts attributes, so the two cannot be confused.
bool isDiscordIpDiscovery(Bytes payload) {
  if (payload.size() != 74) return false;
  std::uint16_t type = u16(payload, 0);
  if ((type != 0x0001 && type != 0x0002) || u16(payload, 2) != 70) return false;
  Bytes address = payload.subspan(8, 64);
  auto end = std::find(address.begin(), address.end(), std::uint8_t{0});
  bool textual = std::all_of(address.begin(), end, [](std::uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
           c == '.' || c == ':';
  });
  bool padded = std::all_of(end, address.end(), [](std::uint8_t c) { return c == 0; });
  return textual && padded;
}

// Discord's voice latency ping: an 8-byte datagram starting 13 37 CA FE (nDPI's Discord
// dissector of 2022, research notes "Discord").
bool isDiscordLatencyPing(Bytes payload) {
  return payload.size() == 8 && startsWith(payload, {0x13, 0x37, 0xCA, 0xFE});
}

// DNSCrypt v2 (dnscrypt.info protocol specification, "Responses"): every resolver answer starts
// with the resolver magic "r6fnvWj8", then the 24-byte nonce (its first half echoes the client's),
// then the encrypted answer with its 16-byte tag. Over TCP the answer follows a 2-byte length.
bool isDnscryptResponse(Bytes payload, WireTransport transport, bool fromServer) {
  if (!fromServer) return false;
  if (transport == WireTransport::kTcp) {
    if (payload.size() < 2 || u16(payload, 0) + 2u != payload.size()) return false;
    payload = payload.subspan(2);
  }
  constexpr std::size_t kMagicNonceTag = 8 + 24 + 16;
  return payload.size() >= kMagicNonceTag &&
         std::memcmp(payload.data(), "r6fnvWj8", 8) == 0;
}

// Tailscale's disco protocol (tailscale disco/disco.go): magic "TS" + U+1F4AC in UTF-8
// (54 53 F0 9F 92 AC), the sender's 32-byte key, a 24-byte nonce, then the sealed message.
bool isTailscaleDisco(Bytes payload) {
  return payload.size() >= 6 + 32 + 24 &&
         startsWith(payload, {0x54, 0x53, 0xF0, 0x9F, 0x92, 0xAC});
}

// WhatsApp's chat connection (research notes "WhatsApp"): the client's first bytes are "ED" 00 01
// then 00 00 and 04 08 (current clients) or 02 08, or "WA" 01 05 in the older form. nDPI 4.2
// demanded a longer prefix with 02, so current clients' chat connections are unknown to it.
bool isWhatsappChatPrologue(Bytes payload, bool fromServer, bool firstOfDirection) {
  if (fromServer || !firstOfDirection) return false;
  if (startsWith(payload, {'W', 'A', 0x01, 0x05})) return true;
  return startsWith(payload, {'E', 'D', 0x00, 0x01, 0x00, 0x00}) && payload.size() >= 8 &&
         (payload[6] == 0x04 || payload[6] == 0x02) && payload[7] == 0x08;
}

// Zoom's direct media leg (nDPI's Zoom dissector of 2024, after Michel et al., IMC 2022): the
// first packet starts 1F 02 01, is longer than 36 bytes (length-prefixed address text and UUID
// fields) and ends in four zero bytes.
bool isZoomP2pHello(Bytes payload, bool firstOfDirection) {
  return firstOfDirection && payload.size() > 36 && startsWith(payload, {0x1F, 0x02, 0x01}) &&
         std::all_of(payload.end() - 4, payload.end(), [](std::uint8_t c) { return c == 0; });
}

// WhatsApp's call STUN (research notes "WhatsApp", after nDPI 2024's stun.c and the WhatsApp call
// captures): its private message types 0x0800-0x0802 and 0x0804-0x0805 (call set-up and the
// relay keep-alive, request and answer), or its attributes 0x4000-0x4004 and 0x4007 on any
// message (the relay's Allocate answer carries 0x4002). Either direction shows it, so a capture
// that holds only the relay's answers still does.
bool isWhatsappStun(Bytes payload) {
  // STUN's top two bits are 00; WhatsApp's 0x08xx types lie outside RFC 7983's 0-3 first bytes.
  if (payload.empty() || payload[0] > 0x3F) return false;
  auto stun = decode::parseStunMessage(payload);
  if (!stun || !stun->hasMagicCookie) return false;
  std::uint16_t type = stun->messageType;
  if ((type >= 0x0800 && type <= 0x0802) || type == 0x0804 || type == 0x0805) return true;
  return std::any_of(
      stun->attributes.begin(), stun->attributes.end(), [](const decode::StunAttribute& attribute) {
        return (attribute.type >= 0x4000 && attribute.type <= 0x4004) || attribute.type == 0x4007;
      });
}

// The REALM attribute (0x0014, RFC 8489 section 14.9) of a STUN message, lower-cased; empty when
// there is none. A TURN server names its realm in its 401 answer and the client repeats it in its
// authenticated requests: a domain of the service's own (research notes, "STUN attributes").
std::string stunRealm(Bytes payload) {
  constexpr std::size_t kHeader = 20;
  constexpr std::uint16_t kRealm = 0x0014;
  if (payload.size() < kHeader || payload[0] > 0x3F) return {};
  auto stun = decode::parseStunMessage(payload);
  if (!stun || !stun->hasMagicCookie) return {};
  std::size_t at = kHeader;
  for (const decode::StunAttribute& attribute : stun->attributes) {
    if (at + 4 + attribute.length > payload.size()) return {};
    if (attribute.type == kRealm) {
      std::string realm(reinterpret_cast<const char*>(payload.data() + at + 4), attribute.length);
      std::transform(realm.begin(), realm.end(), realm.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return realm;
    }
    at += 4 + (attribute.length + 3u) / 4 * 4;
  }
  return {};
}

// Whether one of the dot-separated labels of `realm` is `label` ("telegram" in "telegram.org").
// nDPI 2024 matches the bare substring; a whole label keeps "notviber.example" out.
bool realmHasLabel(std::string_view realm, std::string_view label) {
  for (std::size_t start = 0; start <= realm.size();) {
    std::size_t end = realm.find('.', start);
    if (end == std::string_view::npos) end = realm.size();
    if (realm.substr(start, end - start) == label) return true;
    start = end + 1;
  }
  return false;
}

std::uint32_t bit(WireShape shape) { return 1u << static_cast<unsigned>(shape); }

}  // namespace

std::string_view toString(WireShape shape) {
  switch (shape) {
    case WireShape::kDiscordIpDiscovery:
      return "discord-ip-discovery";
    case WireShape::kDiscordLatencyPing:
      return "discord-latency-ping";
    case WireShape::kDnscryptResponse:
      return "dnscrypt-response";
    case WireShape::kTailscaleDisco:
      return "tailscale-disco";
    case WireShape::kWhatsappChatPrologue:
      return "whatsapp-chat-prologue";
    case WireShape::kZoomP2pHello:
      return "zoom-p2p-hello";
    case WireShape::kWhatsappStun:
      return "whatsapp-stun";
    case WireShape::kTelegramStunRealm:
      return "telegram-stun-realm";
    case WireShape::kViberStunRealm:
      return "viber-stun-realm";
  }
  return "unknown";
}

std::optional<WireShape> wireShapeNamed(std::string_view name) {
  for (WireShape shape : kAllShapes)
    if (toString(shape) == name) return shape;
  return std::nullopt;
}

std::span<const WireShape> allWireShapes() { return kAllShapes; }

std::uint32_t recogniseWireShapes(Bytes payload, WireTransport transport, bool fromServer,
                                  bool firstOfDirection) {
  std::uint32_t shapes = 0;
  if (payload.empty()) return shapes;
  if (transport == WireTransport::kUdp) {
    if (isDiscordIpDiscovery(payload)) shapes |= bit(WireShape::kDiscordIpDiscovery);
    if (isDiscordLatencyPing(payload)) shapes |= bit(WireShape::kDiscordLatencyPing);
    if (isTailscaleDisco(payload)) shapes |= bit(WireShape::kTailscaleDisco);
    if (isZoomP2pHello(payload, firstOfDirection)) shapes |= bit(WireShape::kZoomP2pHello);
    if (isWhatsappStun(payload)) shapes |= bit(WireShape::kWhatsappStun);
  } else if (isWhatsappChatPrologue(payload, fromServer, firstOfDirection)) {
    shapes |= bit(WireShape::kWhatsappChatPrologue);
  }
  if (isDnscryptResponse(payload, transport, fromServer)) shapes |= bit(WireShape::kDnscryptResponse);
  // TURN runs over UDP and TCP alike (RFC 8656 section 3.1).
  if (std::string realm = stunRealm(payload); !realm.empty()) {
    // Telegram's TURN servers answer with the realm telegram.org (nDPI's Telegram call capture),
    // Viber's with one naming viber (nDPI 2024 stun.c).
    if (realmHasLabel(realm, "telegram")) shapes |= bit(WireShape::kTelegramStunRealm);
    if (realmHasLabel(realm, "viber")) shapes |= bit(WireShape::kViberStunRealm);
  }
  return shapes;
}

}  // namespace baawatch::classify
