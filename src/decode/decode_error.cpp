#include "baawatch/decode/decode_error.hpp"

namespace baawatch::decode {

// The names are part of the stats output schema: change them only with a schema note.
std::string_view counterName(DecodeError error) {
  switch (error) {
    case DecodeError::kLinkTruncated:
      return "decode.link.truncated";
    case DecodeError::kLinkUnsupported:
      return "decode.link.unsupported";
    case DecodeError::kVlanTooDeep:
      return "decode.vlan.too_deep";
    case DecodeError::kIpv4Truncated:
      return "decode.ipv4.truncated";
    case DecodeError::kIpv4BadHeaderLength:
      return "decode.ipv4.bad_header_length";
    case DecodeError::kIpv4BadTotalLength:
      return "decode.ipv4.bad_total_length";
    case DecodeError::kIpv4BadVersion:
      return "decode.ipv4.bad_version";
    case DecodeError::kIpv6Truncated:
      return "decode.ipv6.truncated";
    case DecodeError::kIpv6ExtensionChain:
      return "decode.ipv6.extension_chain";
    case DecodeError::kTcpTruncated:
      return "decode.tcp.truncated";
    case DecodeError::kTcpBadDataOffset:
      return "decode.tcp.bad_data_offset";
    case DecodeError::kUdpTruncated:
      return "decode.udp.truncated";
    case DecodeError::kUdpBadLength:
      return "decode.udp.bad_length";
    case DecodeError::kArpMalformed:
      return "decode.arp.malformed";
    case DecodeError::kNotIp:
      return "decode.not_ip";
    case DecodeError::kDnsTruncated:
      return "decode.dns.truncated";
    case DecodeError::kDnsCompressionLoop:
      return "decode.dns.compression_loop";
    case DecodeError::kDnsBadName:
      return "decode.dns.bad_name";
    case DecodeError::kTlsNotClientHello:
      return "decode.tls.not_client_hello";
    case DecodeError::kTlsTruncated:
      return "decode.tls.truncated";
    case DecodeError::kTlsBadLength:
      return "decode.tls.bad_length";
    case DecodeError::kDhcpMalformed:
      return "decode.dhcp.malformed";
    case DecodeError::kStunMalformed:
      return "decode.stun.malformed";
    case DecodeError::kQuicMalformed:
      return "decode.quic.malformed";
    case DecodeError::kRtpMalformed:
      return "decode.rtp.malformed";
    case DecodeError::kQuicNotInitial:
      return "decode.quic.not_initial";
    case DecodeError::kQuicDecryptFailed:
      return "decode.quic.decrypt_failed";
    case DecodeError::kQuicBadFrame:
      return "decode.quic.bad_frame";
    case DecodeError::kHelloTooLarge:
      return "decode.hello.too_large";
    case DecodeError::kHelloTooManyPackets:
      return "decode.hello.too_many_packets";
    case DecodeError::kHelloTooFragmented:
      return "decode.hello.too_fragmented";
  }
  // Only reachable with a value cast from outside the enum's range.
  return "decode.unknown";
}

}  // namespace baawatch::decode
