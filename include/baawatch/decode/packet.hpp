#pragma once
// A decoded packet: link, network and transport facts plus views into the capture buffer.
// Lifetime: every span points into the buffer libpcap handed us and is valid only until the next
// packet is read. Anything that must outlive the packet is copied by the flow stage.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "baawatch/common/ip_address.hpp"
#include "baawatch/common/timestamp.hpp"

namespace baawatch::decode {

using MacAddress = std::array<std::uint8_t, 6>;
std::string formatMac(const MacAddress& mac);  // "aa:bb:cc:dd:ee:ff"

// libpcap DLT values we decode (numeric values are libpcap's LINKTYPE_/DLT_ numbers).
enum class LinkType : int {
  kNull = 0,          // BSD loopback: 4-byte host-order address family
  kEthernet = 1,
  kRaw = 101,         // LINKTYPE_RAW: bare IPv4/IPv6
  kRawDlt12 = 12,     // DLT_RAW on some platforms
  kRawDlt14 = 14,     // DLT_RAW on OpenBSD
  kLoop = 108,        // OpenBSD loopback: 4-byte network-order address family
  kLinuxSll = 113,
  kLinuxSll2 = 276,
  kIpv4 = 228,
  kIpv6 = 229,
};
bool isSupportedLinkType(int dlt);

enum class Transport : std::uint8_t { kOther = 0, kTcp = 6, kUdp = 17, kIcmp = 1, kIcmpv6 = 58 };

namespace tcp_flags {
inline constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
}

struct DecodedPacket {
  Timestamp time;
  std::uint32_t wireLength = 0;     // original length on the wire (pcap len)

  // Link layer (Ethernet/SLL): absent for raw IP and loopback.
  std::optional<MacAddress> sourceMac;
  std::optional<MacAddress> destinationMac;
  // Outermost and inner 802.1Q/802.1ad tags; 0 means untagged. The flow key uses `vlan`
  // (the innermost tag, the one that names the clinic's segment).
  std::uint16_t vlan = 0;
  std::uint16_t outerVlan = 0;

  // Network layer.
  std::uint8_t ipVersion = 0;       // 4 or 6
  IpAddress source;
  IpAddress destination;
  std::uint8_t ttl = 0;
  bool isFragment = false;          // a non-first fragment or a first fragment with MF set
  std::span<const std::uint8_t> ipPacket;  // from the IP header to the end of the IP datagram

  // Transport layer.
  Transport transport = Transport::kOther;
  std::uint8_t ipProtocol = 0;      // raw protocol number (after IPv6 extension headers)
  std::uint16_t sourcePort = 0;
  std::uint16_t destinationPort = 0;
  std::uint8_t tcpFlags = 0;
  std::uint32_t tcpSequence = 0;
  std::span<const std::uint8_t> payload;  // L4 payload (empty for fragments past the first)
};

// ARP is decoded apart from IP because it only feeds the inventory (IP -> MAC).
struct ArpPacket {
  std::uint16_t operation = 0;  // 1 request, 2 reply
  MacAddress senderMac{};
  IpAddress senderIp;
  IpAddress targetIp;
};

}  // namespace baawatch::decode
