#include "baawatch/decode/decode_error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace baawatch::decode {
namespace {

// The counter names are part of the stats schema: this table pins every one.
TEST(DecodeErrorTest, CounterNamesAreStable) {
  const std::vector<std::pair<DecodeError, std::string>> names = {
      {DecodeError::kLinkTruncated, "decode.link.truncated"},
      {DecodeError::kLinkUnsupported, "decode.link.unsupported"},
      {DecodeError::kVlanTooDeep, "decode.vlan.too_deep"},
      {DecodeError::kIpv4Truncated, "decode.ipv4.truncated"},
      {DecodeError::kIpv4BadHeaderLength, "decode.ipv4.bad_header_length"},
      {DecodeError::kIpv4BadTotalLength, "decode.ipv4.bad_total_length"},
      {DecodeError::kIpv4BadVersion, "decode.ipv4.bad_version"},
      {DecodeError::kIpv6Truncated, "decode.ipv6.truncated"},
      {DecodeError::kIpv6ExtensionChain, "decode.ipv6.extension_chain"},
      {DecodeError::kTcpTruncated, "decode.tcp.truncated"},
      {DecodeError::kTcpBadDataOffset, "decode.tcp.bad_data_offset"},
      {DecodeError::kUdpTruncated, "decode.udp.truncated"},
      {DecodeError::kUdpBadLength, "decode.udp.bad_length"},
      {DecodeError::kArpMalformed, "decode.arp.malformed"},
      {DecodeError::kNotIp, "decode.not_ip"},
      {DecodeError::kDnsTruncated, "decode.dns.truncated"},
      {DecodeError::kDnsCompressionLoop, "decode.dns.compression_loop"},
      {DecodeError::kDnsBadName, "decode.dns.bad_name"},
      {DecodeError::kTlsNotClientHello, "decode.tls.not_client_hello"},
      {DecodeError::kTlsTruncated, "decode.tls.truncated"},
      {DecodeError::kTlsBadLength, "decode.tls.bad_length"},
      {DecodeError::kDhcpMalformed, "decode.dhcp.malformed"},
      {DecodeError::kStunMalformed, "decode.stun.malformed"},
      {DecodeError::kQuicMalformed, "decode.quic.malformed"},
      {DecodeError::kRtpMalformed, "decode.rtp.malformed"},
      {DecodeError::kQuicNotInitial, "decode.quic.not_initial"},
      {DecodeError::kQuicDecryptFailed, "decode.quic.decrypt_failed"},
      {DecodeError::kQuicBadFrame, "decode.quic.bad_frame"},
      {DecodeError::kHelloTooLarge, "decode.hello.too_large"},
      {DecodeError::kHelloTooManyPackets, "decode.hello.too_many_packets"},
      {DecodeError::kHelloTooFragmented, "decode.hello.too_fragmented"},
  };
  // Every enumerator, in declaration order, is in the table.
  ASSERT_EQ(names.size(), static_cast<std::size_t>(DecodeError::kHelloTooFragmented) + 1);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& [error, name] = names[i];
    EXPECT_EQ(static_cast<std::size_t>(error), i);
    EXPECT_EQ(counterName(error), name);
    EXPECT_TRUE(seen.insert(name).second) << "duplicate " << name;
  }
}

}  // namespace
}  // namespace baawatch::decode
