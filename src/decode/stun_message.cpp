#include "baawatch/decode/stun_message.hpp"

#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {
namespace {

constexpr std::size_t kStunHeader = 20;
constexpr std::uint32_t kStunMagicCookie = 0x2112a442;  // RFC 8489 §5

// TURN channel numbers (RFC 8656 §12): 0x4000-0x4FFF are assignable, 0x5000-0x7FFF reserved but
// still framed as ChannelData; bytes 0x80 and above are RTP/RTCP/QUIC, below 0x40 STUN/DTLS.
constexpr std::uint16_t kChannelFirst = 0x4000;
constexpr std::uint16_t kChannelLast = 0x7fff;

// QUIC versions whose long header we read (RFC 9000 §15, RFC 9369, draft-ietf-quic-transport).
constexpr std::uint32_t kQuicVersionNegotiation = 0;
constexpr std::uint32_t kQuicV1 = 0x00000001;
constexpr std::uint32_t kQuicV2 = 0x6b3343cf;
constexpr std::uint32_t kQuicDraftFirst = 0xff00001d;  // draft-29, the oldest still deployed
constexpr std::uint32_t kQuicDraftLast = 0xff000022;   // draft-34
// Meta's mvfst versions (0xfaceb001, 0xfaceb002, 0xfaceb00e...): WhatsApp and Messenger use
// them; the long header follows v1.
constexpr std::uint32_t kQuicMvfstMask = 0xffffff00;
constexpr std::uint32_t kQuicMvfstPrefix = 0xfaceb000;
constexpr std::size_t kQuicMaxCidLength = 20;  // RFC 9000 §17.2 for v1
constexpr std::uint8_t kQuicVersionNegotiationType = 0xff;

constexpr std::size_t kRtpHeader = 12;
constexpr std::size_t kRtcpHeader = 8;
constexpr std::uint8_t kRtcpFirstType = 200;  // SR (RFC 3550 §6.4.1)
constexpr std::uint8_t kRtcpLastType = 204;   // APP (RFC 3550 §6.7)

bool isKnownQuicVersion(std::uint32_t version) {
  return version == kQuicV1 || version == kQuicV2 ||
         (version >= kQuicDraftFirst && version <= kQuicDraftLast) ||
         (version & kQuicMvfstMask) == kQuicMvfstPrefix;
}

}  // namespace

Expected<StunMessage, DecodeError> parseStunMessage(std::span<const std::uint8_t> payload) {
  // RFC 8489 §5: type(2, top two bits 0) length(2, excludes the header, multiple of 4)
  // cookie(4) transaction id(12).
  ByteReader reader(payload);
  StunMessage message;
  message.messageType = reader.u16();
  const std::size_t length = reader.u16();
  const std::uint32_t cookie = reader.u32();
  reader.skip(12);
  if (!reader.ok() || (message.messageType & 0xc000) != 0 || length % 4 != 0) {
    return unexpected(DecodeError::kStunMalformed);
  }
  message.hasMagicCookie = cookie == kStunMagicCookie;
  const std::size_t available = payload.size() - kStunHeader;
  // With the cookie the message is self-describing and may be followed by other bytes (TCP
  // framing); without it (RFC 3489) only an exact fit tells STUN from chance.
  if (message.hasMagicCookie ? length > available : length != available) {
    return unexpected(DecodeError::kStunMalformed);
  }

  // RFC 8489 §14: type(2) length(2) value, padded to a multiple of 4 bytes.
  ByteReader attributes(reader.bytes(length));
  while (attributes.remaining() > 0) {
    StunAttribute attribute;
    attribute.type = attributes.u16();
    attribute.length = attributes.u16();
    const std::size_t padded = (std::size_t{attribute.length} + 3) & ~std::size_t{3};
    attributes.skip(padded);
    if (!attributes.ok()) return unexpected(DecodeError::kStunMalformed);
    message.attributes.push_back(attribute);
  }
  return message;
}

bool looksLikeTurnChannelData(std::span<const std::uint8_t> payload) {
  ByteReader reader(payload);
  const std::uint16_t channel = reader.u16();
  const std::size_t length = reader.u16();
  if (!reader.ok() || channel < kChannelFirst || channel > kChannelLast) return false;
  // RFC 8656 §12.5: over UDP the padding to 4 bytes may be absent, so allow 0-3 extra bytes.
  const std::size_t data = reader.remaining();
  return data >= length && data - length <= 3;
}

Expected<QuicLongHeader, DecodeError> parseQuicLongHeader(std::span<const std::uint8_t> payload) {
  // RFC 9000 §17.2: first byte (form 1, fixed 1, type 2 bits, 4 type-specific bits), version(4),
  // DCID length(1) DCID, SCID length(1) SCID.
  ByteReader reader(payload);
  const std::uint8_t first = reader.u8();
  QuicLongHeader header;
  header.version = reader.u32();
  header.destinationCidLength = reader.u8();
  reader.skip(header.destinationCidLength);
  const std::size_t sourceCidLength = reader.u8();
  reader.skip(sourceCidLength);
  if (!reader.ok() || (first & 0x80) == 0) return unexpected(DecodeError::kQuicMalformed);

  if (header.version == kQuicVersionNegotiation) {
    // RFC 9000 §17.2.1: the other seven bits of a Version Negotiation packet are arbitrary, so
    // the fixed bit is not checked; the body is a list of 4-byte versions.
    if (reader.remaining() == 0 || reader.remaining() % 4 != 0) {
      return unexpected(DecodeError::kQuicMalformed);
    }
    header.packetType = kQuicVersionNegotiationType;
    return header;
  }
  if ((first & 0x40) == 0 || !isKnownQuicVersion(header.version) ||
      header.destinationCidLength > kQuicMaxCidLength || sourceCidLength > kQuicMaxCidLength) {
    return unexpected(DecodeError::kQuicMalformed);
  }
  const auto type = static_cast<std::uint8_t>((first >> 4) & 0x03);
  // RFC 9369 §3.2: QUIC v2 rotates the types (Initial 1, 0-RTT 2, Handshake 3, Retry 0); report
  // them in v1 numbering so callers need one table.
  header.packetType =
      header.version == kQuicV2 ? static_cast<std::uint8_t>((type + 3) & 0x03) : type;
  return header;
}

Expected<RtpHeader, DecodeError> parseRtpHeader(std::span<const std::uint8_t> payload) {
  ByteReader reader(payload);
  const std::uint8_t first = reader.u8();
  const std::uint8_t second = reader.u8();
  if (!reader.ok() || (first >> 6) != 2) return unexpected(DecodeError::kRtpMalformed);

  RtpHeader header;
  if (second >= kRtcpFirstType && second <= kRtcpLastType) {
    // RFC 3550 §6.4: V P RC PT length(2, in 32-bit words minus one) SSRC of the sender. RFC 5761
    // §4 is why this byte decides: RTP payload types 72-76 are avoided when muxing.
    header.isRtcp = true;
    header.payloadType = second;
    const std::size_t length = (std::size_t{reader.u16()} + 1) * 4;
    header.ssrc = reader.u32();
    if (!reader.ok() || payload.size() < kRtcpHeader || length > payload.size()) {
      return unexpected(DecodeError::kRtpMalformed);
    }
    return header;
  }

  // RFC 3550 §5.1: V P X CC | M PT | sequence | timestamp | SSRC | CSRC list | extension.
  header.marker = (second & 0x80) != 0;
  header.payloadType = second & 0x7f;
  header.sequence = reader.u16();
  reader.skip(4);  // timestamp
  header.ssrc = reader.u32();
  reader.skip(std::size_t{first & 0x0fu} * 4);
  if ((first & 0x10) != 0) {
    reader.skip(2);  // profile-defined
    reader.skip(std::size_t{reader.u16()} * 4);
  }
  if (!reader.ok() || payload.size() < kRtpHeader) return unexpected(DecodeError::kRtpMalformed);
  if ((first & 0x20) != 0) {
    // Padding: the last byte counts the padding bytes, itself included, after the header.
    const std::size_t padding = payload.back();
    if (padding == 0 || padding > reader.remaining()) {
      return unexpected(DecodeError::kRtpMalformed);
    }
  }
  return header;
}

}  // namespace baawatch::decode
