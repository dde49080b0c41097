#pragma once
// STUN (RFC 5389/8489) and TURN ChannelData (RFC 8656 §12) recognition. STUN is recognised by the
// top two bits 00, a length that is a multiple of 4 and fits, and the magic cookie 0x2112A442
// (classic RFC 3489 STUN without the cookie is accepted when the length matches exactly).
// Attributes are listed by type and length only: their values never leave the parser, except the
// few classification needs (software / realm strings are not kept).
#include <cstdint>
#include <span>
#include <vector>

#include "baawatch/common/expected.hpp"
#include "baawatch/decode/decode_error.hpp"

namespace baawatch::decode {

struct StunAttribute {
  std::uint16_t type = 0;
  std::uint16_t length = 0;
};

struct StunMessage {
  std::uint16_t messageType = 0;       // e.g. 0x0001 Binding Request, 0x0101 Binding Success
  bool hasMagicCookie = false;
  std::vector<StunAttribute> attributes;
};

Expected<StunMessage, DecodeError> parseStunMessage(std::span<const std::uint8_t> payload);

// TURN ChannelData: first two bytes are a channel number in 0x4000-0x7FFF (RFC 8656) and the next
// two a length that fits the datagram (with up to 3 padding bytes).
bool looksLikeTurnChannelData(std::span<const std::uint8_t> payload);

// QUIC long header (RFC 9000 §17.2): first bit 1, fixed bit 1, a known version or a version
// negotiation; reports the packet type. Short-header packets cannot be recognised alone.
struct QuicLongHeader {
  std::uint32_t version = 0;
  std::uint8_t packetType = 0;         // 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry (v1 numbering)
  std::uint8_t destinationCidLength = 0;
};
Expected<QuicLongHeader, DecodeError> parseQuicLongHeader(std::span<const std::uint8_t> payload);

// RTP (RFC 3550): version 2, payload type, SSRC. RTCP (payload types 200-204 in the second byte)
// is reported with isRtcp.
struct RtpHeader {
  std::uint8_t payloadType = 0;
  bool marker = false;
  bool isRtcp = false;
  std::uint16_t sequence = 0;
  std::uint32_t ssrc = 0;
};
Expected<RtpHeader, DecodeError> parseRtpHeader(std::span<const std::uint8_t> payload);

}  // namespace baawatch::decode
