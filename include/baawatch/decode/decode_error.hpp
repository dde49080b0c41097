#pragma once
// Why a packet (or an application message) could not be decoded. Each value has a stable dotted
// name used as its counter ("decode.ipv4.bad_header_length").
#include <cstdint>
#include <string_view>

namespace baawatch::decode {

enum class DecodeError : std::uint8_t {
  kLinkTruncated,          // decode.link.truncated
  kLinkUnsupported,        // decode.link.unsupported (unknown ethertype / address family)
  kVlanTooDeep,            // decode.vlan.too_deep (more than two tags)
  kIpv4Truncated,          // decode.ipv4.truncated
  kIpv4BadHeaderLength,    // decode.ipv4.bad_header_length (IHL < 5 or beyond the packet)
  kIpv4BadTotalLength,     // decode.ipv4.bad_total_length
  kIpv4BadVersion,         // decode.ipv4.bad_version
  kIpv6Truncated,          // decode.ipv6.truncated
  kIpv6ExtensionChain,     // decode.ipv6.extension_chain (too long or truncated)
  kTcpTruncated,           // decode.tcp.truncated
  kTcpBadDataOffset,       // decode.tcp.bad_data_offset
  kUdpTruncated,           // decode.udp.truncated
  kUdpBadLength,           // decode.udp.bad_length
  kArpMalformed,           // decode.arp.malformed
  kNotIp,                  // decode.not_ip (well-formed but not IP/ARP: LLDP, STP...; not an error)
  kDnsTruncated,           // decode.dns.truncated
  kDnsCompressionLoop,     // decode.dns.compression_loop
  kDnsBadName,             // decode.dns.bad_name
  kTlsNotClientHello,      // decode.tls.not_client_hello (not an error: other records)
  kTlsTruncated,           // decode.tls.truncated (record continues in later segments)
  kTlsBadLength,           // decode.tls.bad_length (a length field that lies)
  kDhcpMalformed,          // decode.dhcp.malformed
  kStunMalformed,          // decode.stun.malformed
  kQuicMalformed,          // decode.quic.malformed
  kRtpMalformed,           // decode.rtp.malformed (not RTP)
  kQuicNotInitial,         // decode.quic.not_initial (not an error: other packets, other versions)
  kQuicDecryptFailed,      // decode.quic.decrypt_failed (an Initial whose AEAD tag does not verify)
  kQuicBadFrame,           // decode.quic.bad_frame (a frame cut short inside a decrypted Initial)
  kHelloTooLarge,          // decode.hello.too_large (a ClientHello past the reassembly byte bound)
  kHelloTooManyPackets,    // decode.hello.too_many_packets (past the reassembly packet bound)
  kHelloTooFragmented,     // decode.hello.too_fragmented (too many disjoint pieces held)
};

std::string_view counterName(DecodeError error);

}  // namespace baawatch::decode
