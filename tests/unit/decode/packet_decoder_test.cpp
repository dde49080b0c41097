#include "baawatch/decode/packet_decoder.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

// Building blocks of the fixtures below (hex text, concatenated per case).
const std::string kEthernetMacs = "00 11 22 33 44 55  66 77 88 99 aa bb ";  // dst, src
const std::string kV4Addresses = "c0 a8 01 0a  08 08 08 08 ";  // 192.168.1.10 -> 8.8.8.8
const std::string kV6Addresses =
    "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 "                // 2001:db8::1
    "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02 ";               // 2001:db8::2
const std::string kUdpDns = "d4 31 00 35 00 0c 00 00  de ad be ef ";  // 54321 -> 53, len 12, 4 data
const std::string kTcpSyn =  // 50000 -> 443, seq 1, data offset 5, SYN
    "c3 50 01 bb 00 00 00 01 00 00 00 00 50 02 ff ff 00 00 00 00 ";
// IPv4, IHL 5, total 32, id 0x1234, no fragment, TTL 64, UDP; then kUdpDns.
const std::string kIpv4Udp = "45 00 00 20 12 34 00 00 40 11 00 00 " + kV4Addresses + kUdpDns;
// IPv6, payload 20, next header TCP, hop limit 64; then kTcpSyn.
const std::string kIpv6Tcp = "60 00 00 00 00 14 06 40 " + kV6Addresses + kTcpSyn;

struct DecodeCase {
  std::string name;
  int linkType;
  std::string hex;
  std::uint32_t snapCut;  // bytes of the packet the snap length cut off (wire = frame + this)
  std::uint8_t ipVersion;
  std::string source;
  std::string destination;
  Transport transport;
  std::uint8_t ipProtocol;
  std::uint16_t sourcePort;
  std::uint16_t destinationPort;
  std::size_t payloadSize;
  std::size_t ipPacketSize;
  std::uint16_t vlan;
  std::uint16_t outerVlan;
  bool isFragment;
  bool hasSourceMac;
};

std::vector<DecodeCase> decodeCases() {
  const auto udpV4 = [](std::string name, int linkType, std::string hex, bool mac) {
    return DecodeCase{std::move(name),
                      linkType,
                      std::move(hex),
                      0,
                      4,
                      "192.168.1.10",
                      "8.8.8.8",
                      Transport::kUdp,
                      17,
                      54321,
                      53,
                      4,
                      32,
                      0,
                      0,
                      false,
                      mac};
  };
  const auto tcpV6 = [](std::string name, int linkType, std::string hex, bool mac) {
    return DecodeCase{std::move(name),
                      linkType,
                      std::move(hex),
                      0,
                      6,
                      "2001:db8::1",
                      "2001:db8::2",
                      Transport::kTcp,
                      6,
                      50000,
                      443,
                      0,
                      60,
                      0,
                      0,
                      false,
                      mac};
  };
  std::vector<DecodeCase> cases = {
      udpV4("ethernet_ipv4_udp", 1, kEthernetMacs + "08 00 " + kIpv4Udp, true),
      tcpV6("ethernet_ipv6_tcp", 1, kEthernetMacs + "86 dd " + kIpv6Tcp, true),
      // Linux cooked v1: outgoing(4), ARPHRD_ETHER, address length 6, address, IPv4.
      udpV4("linux_sll", 113, "00 04 00 01 00 06 66 77 88 99 aa bb 00 00 08 00 " + kIpv4Udp, true),
      // Linux cooked v2: IPv4, reserved, ifindex 2, ARPHRD_ETHER, host(0), length 6, address.
      udpV4("linux_sll2", 276,
            "08 00 00 00 00 00 00 02 00 01 00 06 66 77 88 99 aa bb 00 00 " + kIpv4Udp, true),
      udpV4("raw_101_ipv4", 101, kIpv4Udp, false),
      tcpV6("raw_12_ipv6", 12, kIpv6Tcp, false),
      udpV4("raw_14_ipv4", 14, kIpv4Udp, false),
      udpV4("ipv4_228", 228, kIpv4Udp, false),
      tcpV6("ipv6_229", 229, kIpv6Tcp, false),
      udpV4("null_little_endian_af_inet", 0, "02 00 00 00 " + kIpv4Udp, false),
      udpV4("null_big_endian_af_inet", 0, "00 00 00 02 " + kIpv4Udp, false),
      tcpV6("null_darwin_af_inet6", 0, "1e 00 00 00 " + kIpv6Tcp, false),
      tcpV6("null_freebsd_af_inet6", 0, "1c 00 00 00 " + kIpv6Tcp, false),
      udpV4("loop_af_inet", 108, "00 00 00 02 " + kIpv4Udp, false),
      tcpV6("loop_openbsd_af_inet6", 108, "00 00 00 18 " + kIpv6Tcp, false),
      // PPPoE session 1, length 34 (PPP protocol + 32-byte datagram), PPP IPv4.
      udpV4("pppoe_ipv4", 1, kEthernetMacs + "88 64 11 00 00 01 00 22 00 21 " + kIpv4Udp, true),
  };

  auto vlan = udpV4("ethernet_vlan_100", 1, kEthernetMacs + "81 00 00 64 08 00 " + kIpv4Udp, true);
  vlan.vlan = 100;
  cases.push_back(vlan);
  // 802.1ad S-tag 10, then C-tag with PCP 1 and VID 100: the inner tag is the flow's VLAN.
  auto qinq = udpV4("ethernet_qinq_10_100", 1,
                    kEthernetMacs + "88 a8 00 0a 81 00 20 64 08 00 " + kIpv4Udp, true);
  qinq.vlan = 100;
  qinq.outerVlan = 10;
  cases.push_back(qinq);

  // IHL 6: one 4-byte option word (NOP NOP NOP EOL), total 36.
  auto options = udpV4(
      "ipv4_options", 101,
      "46 00 00 24 12 34 00 00 40 11 00 00 " + kV4Addresses + "01 01 01 00 " + kUdpDns, false);
  options.ipPacketSize = 36;
  cases.push_back(options);

  // First fragment (MF set, offset 0): still carries the UDP header.
  auto firstFragment =
      udpV4("ipv4_first_fragment", 101,
            "45 00 00 20 12 34 20 00 40 11 00 00 " + kV4Addresses + kUdpDns, false);
  firstFragment.isFragment = true;
  cases.push_back(firstFragment);

  // Fragment at offset 16 * 8: no L4 header, so no ports and no payload.
  auto laterFragment =
      udpV4("ipv4_later_fragment", 101,
            "45 00 00 20 12 34 00 10 40 11 00 00 " + kV4Addresses + kUdpDns, false);
  laterFragment.isFragment = true;
  laterFragment.transport = Transport::kOther;
  laterFragment.sourcePort = laterFragment.destinationPort = 0;
  laterFragment.payloadSize = 0;
  cases.push_back(laterFragment);

  // IPv6 -> hop-by-hop (PadN 4) -> destination options (PadN 4) -> UDP; payload length 28.
  cases.push_back(DecodeCase{"ipv6_hop_by_hop_destination_options", 229,
                             "60 00 00 00 00 1c 00 40 " + kV6Addresses +
                                 "3c 00 01 04 00 00 00 00 "  // hop-by-hop, next: dst options
                                 "11 00 01 04 00 00 00 00 "  // destination options, next: UDP
                                 + kUdpDns,
                             0, 6, "2001:db8::1", "2001:db8::2", Transport::kUdp, 17, 54321, 53, 4,
                             68, 0, 0, false, false});

  // IPv6 fragment header, offset 1 (x8 bytes), M clear: a later fragment of a UDP datagram.
  cases.push_back(DecodeCase{"ipv6_later_fragment", 229,
                             "60 00 00 00 00 10 2c 40 " + kV6Addresses +
                                 "11 00 00 08 00 00 00 01 de ad be ef de ad be ef ",
                             0, 6, "2001:db8::1", "2001:db8::2", Transport::kOther, 17, 0, 0, 0, 56,
                             0, 0, true, false});

  // Total length 30 in a 60-byte Ethernet frame: the 16 zero bytes are padding, not payload.
  auto padded = udpV4("ethernet_padding", 1,
                      kEthernetMacs + "08 00 45 00 00 1e 12 34 00 00 40 11 00 00 " + kV4Addresses +
                          "d4 31 00 35 00 0a 00 00 ca fe "  // UDP, 2 data bytes
                          "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                      true);
  padded.payloadSize = 2;
  padded.ipPacketSize = 30;
  cases.push_back(padded);

  // Total length 256, UDP length 236, but the snap length kept only 32 bytes of the datagram.
  auto cut = udpV4("snap_length_cut_udp", 1,
                   kEthernetMacs + "08 00 45 00 01 00 12 34 00 00 40 11 00 00 " + kV4Addresses +
                       "d4 31 00 35 00 ec 00 00 de ad be ef",
                   true);
  cut.snapCut = 224;
  cases.push_back(cut);

  // SYN with 12 bytes of TCP options (data offset 8) whose options the snap length cut off.
  cases.push_back(DecodeCase{"snap_length_cut_tcp_options", 101,
                             "45 00 00 34 12 34 40 00 40 06 00 00 " + kV4Addresses +
                                 "c3 50 01 bb 00 00 00 01 00 00 00 00 80 02 ff ff 00 00 00 00",
                             12, 4, "192.168.1.10", "8.8.8.8", Transport::kTcp, 6, 50000, 443, 0,
                             40, 0, 0, false, false});

  // ICMP echo request: no ports, the payload is the ICMP message.
  cases.push_back(DecodeCase{
      "ipv4_icmp_echo", 101,
      "45 00 00 1c 00 01 00 00 40 01 00 00 " + kV4Addresses + "08 00 f7 ff 00 00 00 00", 0, 4,
      "192.168.1.10", "8.8.8.8", Transport::kIcmp, 1, 0, 0, 8, 28, 0, 0, false, false});
  return cases;
}

class DecodeCaseTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeCaseTest, DecodesFields) {
  const DecodeCase& c = GetParam();
  const auto frame = hexBytes(c.hex);
  const auto wireLength = static_cast<std::uint32_t>(frame.size()) + c.snapCut;
  const PacketDecoder decoder(c.linkType);
  const auto result = decoder.decode(frame, wireLength, Timestamp{1234});
  ASSERT_TRUE(result.has_value()) << counterName(result.error());
  const auto* packet = std::get_if<DecodedPacket>(&*result);
  ASSERT_NE(packet, nullptr);
  EXPECT_EQ(packet->time.micros, 1234);
  EXPECT_EQ(packet->wireLength, wireLength);
  EXPECT_EQ(packet->ipVersion, c.ipVersion);
  EXPECT_EQ(packet->source.toString(), c.source);
  EXPECT_EQ(packet->destination.toString(), c.destination);
  EXPECT_EQ(packet->transport, c.transport);
  EXPECT_EQ(packet->ipProtocol, c.ipProtocol);
  EXPECT_EQ(packet->sourcePort, c.sourcePort);
  EXPECT_EQ(packet->destinationPort, c.destinationPort);
  EXPECT_EQ(packet->payload.size(), c.payloadSize);
  EXPECT_EQ(packet->ipPacket.size(), c.ipPacketSize);
  EXPECT_EQ(packet->vlan, c.vlan);
  EXPECT_EQ(packet->outerVlan, c.outerVlan);
  EXPECT_EQ(packet->isFragment, c.isFragment);
  EXPECT_EQ(packet->sourceMac.has_value(), c.hasSourceMac);
  if (c.hasSourceMac) {
    EXPECT_EQ(formatMac(*packet->sourceMac), "66:77:88:99:aa:bb");
  }
  // The IP view must start at the IP header (version nibble) inside the frame.
  ASSERT_FALSE(packet->ipPacket.empty());
  EXPECT_EQ(packet->ipPacket[0] >> 4, c.ipVersion);
  EXPECT_GE(packet->ipPacket.data(), frame.data());
  EXPECT_LE(packet->ipPacket.data() + packet->ipPacket.size(), frame.data() + frame.size());
}

INSTANTIATE_TEST_SUITE_P(Frames, DecodeCaseTest, ::testing::ValuesIn(decodeCases()),
                         [](const auto& testInfo) { return testInfo.param.name; });

TEST(PacketDecoderTest, TcpFieldsAndPayload) {
  // IPv4 TCP 50000 -> 443, seq 0x01020304, PSH|ACK, data "hi".
  const auto frame = hexBytes("45 00 00 2a 12 34 40 00 40 06 00 00 " + kV4Addresses +
                              "c3 50 01 bb 01 02 03 04 00 00 00 00 50 18 ff ff 00 00 00 00 68 69");
  const auto result =
      PacketDecoder(101).decode(frame, static_cast<std::uint32_t>(frame.size()), {});
  ASSERT_TRUE(result.has_value());
  const auto& packet = std::get<DecodedPacket>(*result);
  EXPECT_EQ(packet.tcpSequence, 0x01020304u);
  EXPECT_EQ(packet.tcpFlags, tcp_flags::kPsh | tcp_flags::kAck);
  EXPECT_EQ(packet.ttl, 64);
  ASSERT_EQ(packet.payload.size(), 2u);
  EXPECT_EQ(packet.payload[0], 'h');
  EXPECT_EQ(packet.payload[1], 'i');
}

TEST(PacketDecoderTest, ArpRequest) {
  const auto frame = hexBytes(kEthernetMacs +
                              "08 06 "
                              "00 01 08 00 06 04 00 01 "         // Ethernet/IPv4, 6/4, request
                              "66 77 88 99 aa bb c0 a8 01 0a "   // sender MAC, 192.168.1.10
                              "00 00 00 00 00 00 c0 a8 01 01");  // target MAC, 192.168.1.1
  const auto result = PacketDecoder(1).decode(frame, static_cast<std::uint32_t>(frame.size()), {});
  ASSERT_TRUE(result.has_value()) << counterName(result.error());
  const auto* arp = std::get_if<ArpPacket>(&*result);
  ASSERT_NE(arp, nullptr);
  EXPECT_EQ(arp->operation, 1);
  EXPECT_EQ(formatMac(arp->senderMac), "66:77:88:99:aa:bb");
  EXPECT_EQ(arp->senderIp.toString(), "192.168.1.10");
  EXPECT_EQ(arp->targetIp.toString(), "192.168.1.1");
}

struct ErrorCase {
  std::string name;
  int linkType;
  std::string hex;
  std::uint32_t snapCut;
  DecodeError expected;
};

std::vector<ErrorCase> errorCases() {
  const std::string ipv4Header = "12 34 00 00 40 ";  // id, no fragment, TTL 64 (then protocol)
  return {
      {"ethernet_too_short", 1, "00 11 22 33 44 55 66 77 88 99", 0, DecodeError::kLinkTruncated},
      {"vlan_tag_cut", 1, kEthernetMacs + "81 00 00", 0, DecodeError::kLinkTruncated},
      {"sll_too_short", 113, "00 00 00 01 00 06 66 77 88 99", 0, DecodeError::kLinkTruncated},
      {"sll2_too_short", 276, "08 00 00 00 00 00", 0, DecodeError::kLinkTruncated},
      {"null_too_short", 0, "02 00", 0, DecodeError::kLinkTruncated},
      {"raw_empty", 101, "", 0, DecodeError::kLinkTruncated},
      {"null_unknown_family", 0, "07 00 00 00 " + kIpv4Udp, 0, DecodeError::kLinkUnsupported},
      {"loop_unknown_family", 108, "00 00 00 07 " + kIpv4Udp, 0, DecodeError::kLinkUnsupported},
      {"unsupported_dlt_ieee802_11", 105, kIpv4Udp, 0, DecodeError::kLinkUnsupported},
      {"three_vlan_tags", 1,
       kEthernetMacs + "88 a8 00 0a 81 00 00 14 81 00 00 64 08 00 " + kIpv4Udp, 0,
       DecodeError::kVlanTooDeep},
      {"ipv4_header_cut", 1, kEthernetMacs + "08 00 45 00 00 20 12 34 00 00 40 11", 0,
       DecodeError::kIpv4Truncated},
      // Total length 256 in a frame captured whole: the datagram is shorter than it claims.
      {"ipv4_total_beyond_whole_frame", 101,
       "45 00 01 00 " + ipv4Header + "11 00 00 " + kV4Addresses + kUdpDns, 0,
       DecodeError::kIpv4Truncated},
      {"ipv4_ethertype_version_6", 1, kEthernetMacs + "08 00 " + kIpv6Tcp, 0,
       DecodeError::kIpv4BadVersion},
      {"raw_version_5", 101, "55 00 00 20 " + ipv4Header + "11 00 00 " + kV4Addresses + kUdpDns, 0,
       DecodeError::kIpv4BadVersion},
      {"ipv4_ihl_4", 101, "44 00 00 20 " + ipv4Header + "11 00 00 " + kV4Addresses + kUdpDns, 0,
       DecodeError::kIpv4BadHeaderLength},
      // IHL 15 (60 bytes) and total 60, but the whole frame holds 32 bytes.
      {"ipv4_ihl_beyond_packet", 101,
       "4f 00 00 3c " + ipv4Header + "11 00 00 " + kV4Addresses + kUdpDns, 0,
       DecodeError::kIpv4BadHeaderLength},
      {"ipv4_total_below_header", 101,
       "45 00 00 10 " + ipv4Header + "11 00 00 " + kV4Addresses + kUdpDns, 0,
       DecodeError::kIpv4BadTotalLength},
      {"ipv6_header_cut", 229, "60 00 00 00 00 14 06 40 20 01 0d b8", 0,
       DecodeError::kIpv6Truncated},
      // Nine destination-options headers, each naming another: past the cap of eight.
      {"ipv6_endless_extension_chain", 229,
       "60 00 00 00 00 48 3c 40 " + kV6Addresses +
           "3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 "
           "3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 "
           "3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00",
       0, DecodeError::kIpv6ExtensionChain},
      // Destination options claiming 48 bytes in a 16-byte payload.
      {"ipv6_extension_beyond_datagram", 229,
       "60 00 00 00 00 10 3c 40 " + kV6Addresses + "11 05 01 04 00 00 00 00 " +
           kUdpDns.substr(0, 24),
       0, DecodeError::kIpv6ExtensionChain},
      // Total 30: only 10 bytes of TCP header.
      {"tcp_header_cut", 101,
       "45 00 00 1e " + ipv4Header + "06 00 00 " + kV4Addresses + "c3 50 01 bb 00 00 00 01 00 00",
       0, DecodeError::kTcpTruncated},
      {"tcp_data_offset_4", 101,
       "45 00 00 28 " + ipv4Header + "06 00 00 " + kV4Addresses +
           "c3 50 01 bb 00 00 00 01 00 00 00 00 40 02 ff ff 00 00 00 00",
       0, DecodeError::kTcpBadDataOffset},
      {"tcp_data_offset_beyond_segment", 101,
       "45 00 00 28 " + ipv4Header + "06 00 00 " + kV4Addresses +
           "c3 50 01 bb 00 00 00 01 00 00 00 00 f0 02 ff ff 00 00 00 00",
       0, DecodeError::kTcpBadDataOffset},
      {"udp_header_cut", 101,
       "45 00 00 18 " + ipv4Header + "11 00 00 " + kV4Addresses + "d4 31 00 35", 0,
       DecodeError::kUdpTruncated},
      {"udp_length_4", 101,
       "45 00 00 20 " + ipv4Header + "11 00 00 " + kV4Addresses +
           "d4 31 00 35 00 04 00 00 de ad be ef",
       0, DecodeError::kUdpBadLength},
      {"udp_length_beyond_datagram", 101,
       "45 00 00 20 " + ipv4Header + "11 00 00 " + kV4Addresses +
           "d4 31 00 35 00 40 00 00 de ad be ef",
       0, DecodeError::kUdpBadLength},
      {"arp_hardware_length_8", 1,
       kEthernetMacs + "08 06 00 01 08 00 08 04 00 01 66 77 88 99 aa bb c0 a8 01 0a", 0,
       DecodeError::kArpMalformed},
      {"arp_cut", 1, kEthernetMacs + "08 06 00 01 08 00 06 04 00 01 66 77", 0,
       DecodeError::kArpMalformed},
      {"lldp", 1, kEthernetMacs + "88 cc 02 07 04 00 11 22 33 44 55", 0, DecodeError::kNotIp},
      // 802.3 length field (STP over LLC): not an ethertype at all.
      {"stp_llc", 1, kEthernetMacs + "00 26 42 42 03 00 00 00 00 00", 0, DecodeError::kNotIp},
      {"pppoe_lcp", 1, kEthernetMacs + "88 64 11 00 00 01 00 06 c0 21 01 01 00 04", 0,
       DecodeError::kNotIp},
  };
}

class DecodeErrorCaseTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DecodeErrorCaseTest, FailsWithNamedError) {
  const ErrorCase& c = GetParam();
  const auto frame = hexBytes(c.hex);
  const auto result = PacketDecoder(c.linkType)
                          .decode(frame, static_cast<std::uint32_t>(frame.size()) + c.snapCut, {});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(counterName(result.error()), counterName(c.expected));
}

INSTANTIATE_TEST_SUITE_P(Frames, DecodeErrorCaseTest, ::testing::ValuesIn(errorCases()),
                         [](const auto& testInfo) { return testInfo.param.name; });

TEST(PacketDecoderTest, EveryL2ToL4ErrorHasACase) {
  std::set<DecodeError> covered;
  for (const auto& c : errorCases()) covered.insert(c.expected);
  for (auto error :
       {DecodeError::kLinkTruncated, DecodeError::kLinkUnsupported, DecodeError::kVlanTooDeep,
        DecodeError::kIpv4Truncated, DecodeError::kIpv4BadHeaderLength,
        DecodeError::kIpv4BadTotalLength, DecodeError::kIpv4BadVersion, DecodeError::kIpv6Truncated,
        DecodeError::kIpv6ExtensionChain, DecodeError::kTcpTruncated,
        DecodeError::kTcpBadDataOffset, DecodeError::kUdpTruncated, DecodeError::kUdpBadLength,
        DecodeError::kArpMalformed, DecodeError::kNotIp}) {
    EXPECT_TRUE(covered.count(error)) << counterName(error);
  }
}

TEST(PacketDecoderTest, EveryTruncationOfAFrameFailsCleanly) {
  // Each prefix of a valid QinQ IPv6 frame either decodes or fails with an error; the sanitizer
  // build turns any out-of-bounds read here into a failure.
  const auto frame = hexBytes(kEthernetMacs + "88 a8 00 0a 81 00 00 64 86 dd " + kIpv6Tcp);
  const PacketDecoder decoder(1);
  for (std::size_t size = 0; size < frame.size(); ++size) {
    const auto prefix = std::span<const std::uint8_t>(frame).first(size);
    const auto result = decoder.decode(prefix, static_cast<std::uint32_t>(size), {});
    EXPECT_FALSE(result.has_value()) << "prefix of " << size << " bytes";
  }
  EXPECT_TRUE(decoder.decode(frame, static_cast<std::uint32_t>(frame.size()), {}).has_value());
}

TEST(LinkTypeTest, SupportedListMatchesDecoder) {
  for (int dlt : {0, 1, 12, 14, 101, 108, 113, 228, 229, 276}) {
    EXPECT_TRUE(isSupportedLinkType(dlt)) << dlt;
  }
  for (int dlt : {-1, 9, 105, 127, 147, 192, 277}) EXPECT_FALSE(isSupportedLinkType(dlt)) << dlt;
  // decode() says "unsupported" exactly for the link types isSupportedLinkType() rejects.
  const std::vector<std::uint8_t> empty;
  for (int dlt = 0; dlt <= 300; ++dlt) {
    const auto result = PacketDecoder(dlt).decode(empty, 0, {});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error() == DecodeError::kLinkUnsupported, !isSupportedLinkType(dlt)) << dlt;
  }
}

TEST(FormatMacTest, LowerCaseColonHex) {
  EXPECT_EQ(formatMac({0x00, 0x1A, 0x2b, 0xC3, 0xff, 0x09}), "00:1a:2b:c3:ff:09");
}

}  // namespace
}  // namespace baawatch::decode
