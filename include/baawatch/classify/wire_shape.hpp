#pragma once
// Payload shapes that name a protocol by its documented first bytes: the `wire:` family of the
// signature files (docs/signatures.md, "Wire shapes"). A shape is recognised from one datagram or
// the first bytes of one TCP direction; which service a shape means, how sure and on which
// ports is the signature file's decision, not this module's.
// Nothing of the payload leaves the recogniser: only the shape's name reaches the evidence.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace baawatch::classify {

enum class WireShape : std::uint8_t {
  kDiscordIpDiscovery,    // Discord voice IP discovery request or answer
  kDiscordLatencyPing,    // Discord voice latency ping
  kDnscryptResponse,      // a DNSCrypt v2 resolver answer (resolver magic)
  kTailscaleDisco,        // Tailscale's peer discovery message
  kWhatsappChatPrologue,  // WhatsApp's chat (chatd) connection prologue
  kZoomP2pHello,          // Zoom's first packet of a direct (peer-to-peer) media leg
  kWhatsappStun,          // STUN with WhatsApp's private message types or attributes
  kTelegramStunRealm,     // STUN/TURN whose REALM is Telegram's
  kViberStunRealm,        // STUN/TURN whose REALM is Viber's
};
inline constexpr std::size_t kWireShapeCount = 9;

std::string_view toString(WireShape shape);        // the name signature files use
std::optional<WireShape> wireShapeNamed(std::string_view name);
std::span<const WireShape> allWireShapes();

enum class WireTransport : std::uint8_t { kUdp, kTcp };

// The shapes one payload shows. `fromServer`: the payload was sent by the flow's server side
// (some shapes are answers). `firstOfDirection`: it is the first payload of its direction
// (prologues are only looked for there). Returns a bit per shape (1 << WireShape).
std::uint32_t recogniseWireShapes(std::span<const std::uint8_t> payload, WireTransport transport,
                                  bool fromServer, bool firstOfDirection);

}  // namespace baawatch::classify
