#include "baawatch/decode/packet_decoder.hpp"

#include <algorithm>
#include <utility>

#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {
namespace {

using FrameResult = Expected<DecodedFrame, DecodeError>;
using Status = Expected<void, DecodeError>;

// IEEE 802 ethertypes (IEEE Registration Authority) we act on.
constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeArp = 0x0806;
constexpr std::uint16_t kEthertypeVlan = 0x8100;        // 802.1Q C-tag
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;        // 802.1ad S-tag
constexpr std::uint16_t kEthertypeQinQLegacy = 0x9100;  // pre-802.1ad S-tag still in the field
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
constexpr std::uint16_t kEthertypePppoeSession = 0x8864;

// PPP protocol numbers (RFC 1332 §2, RFC 5072 §2) inside a PPPoE session (RFC 2516 §4).
constexpr std::uint16_t kPppIpv4 = 0x0021;
constexpr std::uint16_t kPppIpv6 = 0x0057;

// ARPHRD_NETLINK: SLL/SLL2 frames from nlmon carry netlink messages, and their protocol field is
// a netlink family, not an ethertype.
constexpr std::uint16_t kArphrdNetlink = 824;
constexpr std::uint16_t kArphrdEther = 1;

// BSD loopback address families: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD),
// 28 (FreeBSD, DragonFly) or 30 (macOS) depending on the capturing host.
constexpr std::uint32_t kBsdAfInet = 2;
constexpr std::uint32_t kBsdAfInet6NetBsd = 24;
constexpr std::uint32_t kBsdAfInet6FreeBsd = 28;
constexpr std::uint32_t kBsdAfInet6Darwin = 30;

constexpr std::size_t kIpv4MinimumHeader = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kTcpMinimumHeader = 20;
constexpr std::size_t kUdpHeader = 8;
// More extension headers than this is an evasion attempt or garbage, never real traffic.
constexpr int kMaxIpv6ExtensionHeaders = 8;

// IP protocol numbers (IANA) of the IPv6 extension headers we walk (RFC 8200 §4, RFC 4302).
constexpr std::uint8_t kIpv6HopByHop = 0;
constexpr std::uint8_t kIpv6Routing = 43;
constexpr std::uint8_t kIpv6Fragment = 44;
constexpr std::uint8_t kIpv6DestinationOptions = 60;
constexpr std::uint8_t kIpv6AuthenticationHeader = 51;

enum class IpVersionHint { kFromNibble, kIpv4, kIpv6 };
// Byte order of the 4-byte address family that precedes a loopback frame.
enum class FamilyOrder { kCapturingHost, kNetwork };

// Facts about the frame that the inner layers need to tell a snap-length cut (decode as far as
// captured) from a length field that lies (an error).
struct FrameContext {
  bool cutBySnapLength = false;
};

MacAddress readMac(ByteReader& reader) {
  MacAddress mac{};
  const auto bytes = reader.bytes(mac.size());
  std::copy(bytes.begin(), bytes.end(), mac.begin());
  return mac;
}

Transport transportFor(std::uint8_t protocol) {
  switch (protocol) {
    case 6:
      return Transport::kTcp;
    case 17:
      return Transport::kUdp;
    case 1:
      return Transport::kIcmp;
    case 58:
      return Transport::kIcmpv6;
    default:
      return Transport::kOther;
  }
}

// The L4 segment as far as it was captured, plus the length the IP header declares for it.
struct Segment {
  std::span<const std::uint8_t> captured;
  std::size_t declaredLength = 0;
  bool moreFragments = false;  // a first fragment: the L4 length fields describe the whole datagram
};

Status decodeTcp(const Segment& segment, const FrameContext& context, DecodedPacket& packet) {
  if (segment.captured.size() < kTcpMinimumHeader) return unexpected(DecodeError::kTcpTruncated);
  ByteReader reader(segment.captured);
  packet.sourcePort = reader.u16();
  packet.destinationPort = reader.u16();
  packet.tcpSequence = reader.u32();
  reader.skip(4);  // acknowledgement number
  // RFC 9293 §3.1: data offset in 32-bit words, the upper 4 bits of byte 12.
  const std::size_t headerLength = static_cast<std::size_t>(reader.u8() >> 4) * 4;
  packet.tcpFlags = reader.u8();
  if (headerLength < kTcpMinimumHeader) return unexpected(DecodeError::kTcpBadDataOffset);
  if (headerLength > segment.captured.size()) {
    // Options cut by the snap length: ports and flags are still good, there is no payload.
    const bool fitsDeclared = segment.declaredLength >= headerLength;
    if (context.cutBySnapLength && fitsDeclared) return {};
    return unexpected(DecodeError::kTcpBadDataOffset);
  }
  packet.payload = segment.captured.subspan(headerLength);
  return {};
}

Status decodeUdp(const Segment& segment, DecodedPacket& packet) {
  if (segment.captured.size() < kUdpHeader) return unexpected(DecodeError::kUdpTruncated);
  ByteReader reader(segment.captured);
  packet.sourcePort = reader.u16();
  packet.destinationPort = reader.u16();
  const std::size_t length = reader.u16();  // RFC 768: header plus data
  if (length < kUdpHeader) return unexpected(DecodeError::kUdpBadLength);
  // A first fragment carries the length of the whole reassembled datagram; otherwise the UDP
  // length may not claim more than the IP header gave it.
  if (!segment.moreFragments && length > segment.declaredLength) {
    return unexpected(DecodeError::kUdpBadLength);
  }
  const std::size_t end = std::min(length, segment.captured.size());
  packet.payload = segment.captured.subspan(kUdpHeader, end - kUdpHeader);
  return {};
}

Status decodeTransport(std::uint8_t protocol, const Segment& segment, const FrameContext& context,
                       DecodedPacket& packet) {
  packet.ipProtocol = protocol;
  packet.transport = transportFor(protocol);
  switch (packet.transport) {
    case Transport::kTcp:
      return decodeTcp(segment, context, packet);
    case Transport::kUdp:
      return decodeUdp(segment, packet);
    case Transport::kIcmp:
    case Transport::kIcmpv6:
    case Transport::kOther:
      // No ports: the payload is the whole L4 message (ICMP header included) for whoever wants it.
      packet.payload = segment.captured;
      return {};
  }
  return {};
}

Status decodeIpv4(std::span<const std::uint8_t> ip, const FrameContext& context,
                  DecodedPacket& packet) {
  if (ip.empty()) return unexpected(DecodeError::kIpv4Truncated);
  if ((ip[0] >> 4) != 4) return unexpected(DecodeError::kIpv4BadVersion);
  if (ip.size() < kIpv4MinimumHeader) return unexpected(DecodeError::kIpv4Truncated);

  ByteReader reader(ip);
  const std::size_t headerLength = static_cast<std::size_t>(reader.u8() & 0x0f) * 4;
  reader.skip(1);  // DSCP/ECN
  const std::size_t totalLength = reader.u16();
  reader.skip(2);  // identification
  const std::uint16_t fragmentField = reader.u16();
  packet.ttl = reader.u8();
  const std::uint8_t protocol = reader.u8();
  reader.skip(2);  // header checksum: not verified, NICs offload it and captures show garbage
  const auto source = reader.bytes(4);
  const auto destination = reader.bytes(4);

  // RFC 791 §3.1: IHL counts 32-bit words and is at least 5; total length covers header + data.
  if (headerLength < kIpv4MinimumHeader) return unexpected(DecodeError::kIpv4BadHeaderLength);
  if (totalLength < headerLength) return unexpected(DecodeError::kIpv4BadTotalLength);
  if (totalLength > ip.size() && !context.cutBySnapLength) {
    // The whole frame was captured and still holds less than the header claims.
    return unexpected(headerLength > ip.size() ? DecodeError::kIpv4BadHeaderLength
                                               : DecodeError::kIpv4Truncated);
  }

  packet.ipVersion = 4;
  packet.source = IpAddress::fromV4(source.first<4>());
  packet.destination = IpAddress::fromV4(destination.first<4>());
  // Bytes past the total length are Ethernet padding (frames under 60 bytes), never payload.
  const std::size_t end = std::min(totalLength, ip.size());
  packet.ipPacket = ip.first(end);

  // RFC 791 §3.1: flags are the top 3 bits (MF = 0x2000), the offset the low 13 bits in 8-octet
  // units.
  const bool moreFragments = (fragmentField & 0x2000) != 0;
  const std::uint16_t fragmentOffset = fragmentField & 0x1fff;
  packet.isFragment = moreFragments || fragmentOffset != 0;
  packet.ipProtocol = protocol;
  if (fragmentOffset != 0 || headerLength > end) {
    // A later fragment has no L4 header; a header cut by the snap length leaves none to read.
    return {};
  }
  Segment segment{ip.subspan(headerLength, end - headerLength), totalLength - headerLength,
                  moreFragments};
  return decodeTransport(protocol, segment, context, packet);
}

Status decodeIpv6(std::span<const std::uint8_t> ip, const FrameContext& context,
                  DecodedPacket& packet) {
  if (ip.empty()) return unexpected(DecodeError::kIpv6Truncated);
  // The only version counter there is: an IPv6 frame whose nibble is not 6 lands here too.
  if ((ip[0] >> 4) != 6) return unexpected(DecodeError::kIpv4BadVersion);
  if (ip.size() < kIpv6Header) return unexpected(DecodeError::kIpv6Truncated);

  ByteReader reader(ip);
  reader.skip(4);  // version, traffic class, flow label
  const std::size_t payloadLength = reader.u16();
  std::uint8_t nextHeader = reader.u8();
  packet.ttl = reader.u8();  // hop limit
  const auto source = reader.bytes(16);
  const auto destination = reader.bytes(16);

  // RFC 2675: a zero payload length with a hop-by-hop header is a jumbogram whose real length is
  // in an option; we then take what was captured.
  const bool jumbogram = payloadLength == 0 && nextHeader == kIpv6HopByHop;
  const std::size_t declaredEnd = jumbogram ? ip.size() : kIpv6Header + payloadLength;
  if (declaredEnd > ip.size() && !context.cutBySnapLength) {
    return unexpected(DecodeError::kIpv6Truncated);
  }

  packet.ipVersion = 6;
  packet.source = IpAddress::fromV6(source.first<16>());
  packet.destination = IpAddress::fromV6(destination.first<16>());
  const std::size_t end = std::min(declaredEnd, ip.size());
  packet.ipPacket = ip.first(end);

  // RFC 8200 §4: walk the extension headers to the upper-layer protocol. Each is bounded by the
  // datagram; the cap keeps a crafted chain from costing more than a handful of reads.
  ByteReader chain(packet.ipPacket);
  chain.seek(kIpv6Header);
  bool moreFragments = false;
  int headers = 0;
  while (nextHeader == kIpv6HopByHop || nextHeader == kIpv6Routing || nextHeader == kIpv6Fragment ||
         nextHeader == kIpv6DestinationOptions || nextHeader == kIpv6AuthenticationHeader) {
    if (++headers > kMaxIpv6ExtensionHeaders) return unexpected(DecodeError::kIpv6ExtensionChain);
    const std::size_t start = chain.offset();
    const std::uint8_t following = chain.u8();
    const std::size_t lengthField = chain.u8();
    std::size_t length = 0;
    if (nextHeader == kIpv6Fragment) {
      // RFC 8200 §4.5: fixed 8 bytes; offset in the top 13 bits of bytes 2-3, M flag in bit 0.
      const std::uint16_t offsetField = chain.u16();
      const std::uint16_t fragmentOffset = offsetField >> 3;
      moreFragments = (offsetField & 0x0001) != 0;
      packet.isFragment = packet.isFragment || moreFragments || fragmentOffset != 0;
      if (chain.ok() && fragmentOffset != 0) {
        // A later fragment: the upper-layer header is in the first fragment only.
        packet.ipProtocol = following;
        return {};
      }
      length = 8;
    } else if (nextHeader == kIpv6AuthenticationHeader) {
      length = (lengthField + 2) * 4;  // RFC 4302 §2.2: in 32-bit words, minus 2
    } else {
      length = (lengthField + 1) * 8;  // RFC 8200 §4.3-4.6: in 8-octet units, minus the first 8
    }
    chain.seek(start);
    chain.skip(length);
    if (!chain.ok()) return unexpected(DecodeError::kIpv6ExtensionChain);
    nextHeader = following;
  }

  const std::size_t transportStart = chain.offset();
  Segment segment{packet.ipPacket.subspan(transportStart),
                  declaredEnd > transportStart ? declaredEnd - transportStart : 0, moreFragments};
  return decodeTransport(nextHeader, segment, context, packet);
}

Status decodeIp(std::span<const std::uint8_t> ip, IpVersionHint hint, const FrameContext& context,
                DecodedPacket& packet) {
  switch (hint) {
    case IpVersionHint::kIpv4:
      return decodeIpv4(ip, context, packet);
    case IpVersionHint::kIpv6:
      return decodeIpv6(ip, context, packet);
    case IpVersionHint::kFromNibble:
      break;
  }
  if (ip.empty()) return unexpected(DecodeError::kLinkTruncated);
  switch (ip[0] >> 4) {
    case 4:
      return decodeIpv4(ip, context, packet);
    case 6:
      return decodeIpv6(ip, context, packet);
    default:
      return unexpected(DecodeError::kIpv4BadVersion);
  }
}

FrameResult finish(Status status, DecodedPacket& packet) {
  if (!status) return unexpected(status.error());
  return DecodedFrame{std::move(packet)};
}

FrameResult decodeArp(std::span<const std::uint8_t> body) {
  // RFC 826: only Ethernet hardware (1) with IPv4 protocol addresses (0x0800, 6 + 4 bytes) names
  // a device for the inventory; anything else is malformed for our purposes.
  ByteReader reader(body);
  const std::uint16_t hardwareType = reader.u16();
  const std::uint16_t protocolType = reader.u16();
  const std::uint8_t hardwareLength = reader.u8();
  const std::uint8_t protocolLength = reader.u8();
  ArpPacket arp;
  arp.operation = reader.u16();
  arp.senderMac = readMac(reader);
  const auto senderIp = reader.bytes(4);
  reader.skip(6);  // target hardware address: zero in requests
  const auto targetIp = reader.bytes(4);
  if (!reader.ok() || hardwareType != 1 || protocolType != kEthertypeIpv4 || hardwareLength != 6 ||
      protocolLength != 4) {
    return unexpected(DecodeError::kArpMalformed);
  }
  arp.senderIp = IpAddress::fromV4(senderIp.first<4>());
  arp.targetIp = IpAddress::fromV4(targetIp.first<4>());
  return DecodedFrame{arp};
}

// `reader` stands just after an ethertype field. VLAN tags are peeled (at most two: 802.1ad QinQ
// is S-tag then C-tag) before dispatching on the inner ethertype.
FrameResult decodeEthertype(std::uint16_t ethertype, ByteReader& reader,
                            const FrameContext& context, DecodedPacket& packet) {
  std::array<std::uint16_t, 2> tags{};
  std::size_t tagCount = 0;
  while (ethertype == kEthertypeVlan || ethertype == kEthertypeQinQ ||
         ethertype == kEthertypeQinQLegacy) {
    if (tagCount == tags.size()) return unexpected(DecodeError::kVlanTooDeep);
    tags[tagCount++] = reader.u16() & 0x0fff;  // IEEE 802.1Q TCI: PCP(3) DEI(1) VID(12)
    ethertype = reader.u16();
    if (!reader.ok()) return unexpected(DecodeError::kLinkTruncated);
  }
  if (tagCount == 1) packet.vlan = tags[0];
  if (tagCount == 2) {
    packet.outerVlan = tags[0];
    packet.vlan = tags[1];
  }

  switch (ethertype) {
    case kEthertypeIpv4:
      return finish(decodeIp(reader.rest(), IpVersionHint::kIpv4, context, packet), packet);
    case kEthertypeIpv6:
      return finish(decodeIp(reader.rest(), IpVersionHint::kIpv6, context, packet), packet);
    case kEthertypeArp:
      return decodeArp(reader.rest());
    case kEthertypePppoeSession: {
      // RFC 2516 §4: ver/type 0x11, code 0, session id, length (of the PPP frame), then the PPP
      // protocol field (RFC 1661 §2).
      const std::uint8_t versionType = reader.u8();
      const std::uint8_t code = reader.u8();
      reader.skip(2);
      const std::size_t length = reader.u16();
      const std::uint16_t pppProtocol = reader.u16();
      if (!reader.ok() || length < 2) return unexpected(DecodeError::kLinkTruncated);
      if (versionType != 0x11 || code != 0) return unexpected(DecodeError::kNotIp);
      const auto rest = reader.rest();
      const auto ip = rest.first(std::min(length - 2, rest.size()));
      if (pppProtocol == kPppIpv4)
        return finish(decodeIp(ip, IpVersionHint::kIpv4, context, packet), packet);
      if (pppProtocol == kPppIpv6)
        return finish(decodeIp(ip, IpVersionHint::kIpv6, context, packet), packet);
      return unexpected(DecodeError::kNotIp);  // LCP, IPCP, CHAP...
    }
    default:
      // LLDP, STP (802.3 length field + LLC), EAPOL...: well-formed, just not ours.
      return unexpected(DecodeError::kNotIp);
  }
}

FrameResult decodeEthernet(std::span<const std::uint8_t> frame, const FrameContext& context,
                           DecodedPacket& packet) {
  ByteReader reader(frame);
  packet.destinationMac = readMac(reader);
  packet.sourceMac = readMac(reader);
  const std::uint16_t ethertype = reader.u16();
  if (!reader.ok()) return unexpected(DecodeError::kLinkTruncated);
  return decodeEthertype(ethertype, reader, context, packet);
}

// Linux cooked capture v1 (LINKTYPE_LINUX_SLL): packet type(2) ARPHRD type(2) address length(2)
// address(8) protocol(2).
FrameResult decodeSll(std::span<const std::uint8_t> frame, const FrameContext& context,
                      DecodedPacket& packet) {
  ByteReader reader(frame);
  reader.skip(2);
  const std::uint16_t arphrd = reader.u16();
  const std::uint16_t addressLength = reader.u16();
  const MacAddress address = readMac(reader);
  reader.skip(2);
  const std::uint16_t protocol = reader.u16();
  if (!reader.ok()) return unexpected(DecodeError::kLinkTruncated);
  if (arphrd == kArphrdNetlink) return unexpected(DecodeError::kNotIp);
  // The one address SLL keeps is the sender's link-layer address.
  if (arphrd == kArphrdEther && addressLength == 6) packet.sourceMac = address;
  return decodeEthertype(protocol, reader, context, packet);
}

// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2): protocol(2) reserved(2) interface index(4)
// ARPHRD type(2) packet type(1) address length(1) address(8).
FrameResult decodeSll2(std::span<const std::uint8_t> frame, const FrameContext& context,
                       DecodedPacket& packet) {
  ByteReader reader(frame);
  const std::uint16_t protocol = reader.u16();
  reader.skip(6);
  const std::uint16_t arphrd = reader.u16();
  reader.skip(1);
  const std::uint8_t addressLength = reader.u8();
  const MacAddress address = readMac(reader);
  reader.skip(2);
  if (!reader.ok()) return unexpected(DecodeError::kLinkTruncated);
  if (arphrd == kArphrdNetlink) return unexpected(DecodeError::kNotIp);
  if (arphrd == kArphrdEther && addressLength == 6) packet.sourceMac = address;
  return decodeEthertype(protocol, reader, context, packet);
}

FrameResult decodeLoopback(std::span<const std::uint8_t> frame, FamilyOrder order,
                           const FrameContext& context, DecodedPacket& packet) {
  if (frame.size() < 4) return unexpected(DecodeError::kLinkTruncated);
  std::uint32_t family = 0;
  if (order == FamilyOrder::kNetwork) {
    family = ByteReader(frame).u32();
  } else {
    // DLT_NULL stores the family in the capturing host's byte order, which need not be ours.
    // Families are small, so a value with high bits set was written big-endian.
    family = std::uint32_t{frame[0]} | (std::uint32_t{frame[1]} << 8) |
             (std::uint32_t{frame[2]} << 16) | (std::uint32_t{frame[3]} << 24);
    if ((family & 0xffff0000u) != 0) family = ByteReader(frame).u32();
  }
  const auto ip = frame.subspan(4);
  switch (family) {
    case kBsdAfInet:
      return finish(decodeIp(ip, IpVersionHint::kIpv4, context, packet), packet);
    case kBsdAfInet6NetBsd:
    case kBsdAfInet6FreeBsd:
    case kBsdAfInet6Darwin:
      return finish(decodeIp(ip, IpVersionHint::kIpv6, context, packet), packet);
    default:
      return unexpected(DecodeError::kLinkUnsupported);
  }
}

}  // namespace

Expected<DecodedFrame, DecodeError> PacketDecoder::decode(std::span<const std::uint8_t> frame,
                                                          std::uint32_t wireLength,
                                                          Timestamp time) const {
  DecodedPacket packet;
  packet.time = time;
  packet.wireLength = wireLength;
  const FrameContext context{wireLength > frame.size()};

  // No default: every LinkType must be handled here (see isSupportedLinkType).
  switch (static_cast<LinkType>(linkType_)) {
    case LinkType::kEthernet:
      return decodeEthernet(frame, context, packet);
    case LinkType::kLinuxSll:
      return decodeSll(frame, context, packet);
    case LinkType::kLinuxSll2:
      return decodeSll2(frame, context, packet);
    case LinkType::kNull:
      return decodeLoopback(frame, FamilyOrder::kCapturingHost, context, packet);
    case LinkType::kLoop:
      return decodeLoopback(frame, FamilyOrder::kNetwork, context, packet);
    case LinkType::kRaw:
    case LinkType::kRawDlt12:
    case LinkType::kRawDlt14:
      return finish(decodeIp(frame, IpVersionHint::kFromNibble, context, packet), packet);
    case LinkType::kIpv4:
      return finish(decodeIp(frame, IpVersionHint::kIpv4, context, packet), packet);
    case LinkType::kIpv6:
      return finish(decodeIp(frame, IpVersionHint::kIpv6, context, packet), packet);
  }
  return unexpected(DecodeError::kLinkUnsupported);
}

}  // namespace baawatch::decode
