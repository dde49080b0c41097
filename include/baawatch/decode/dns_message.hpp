#pragma once
// DNS (RFC 1035) and mDNS (RFC 6762) message parsing: questions and the answer records that
// matter to attribution (A, AAAA, CNAME) and to device naming (A/AAAA/PTR/SRV in mDNS).
// Names are lower-cased, without the trailing dot. Compression pointers are followed with a
// hop limit (loops fail with kDnsCompressionLoop).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baawatch/common/expected.hpp"
#include "baawatch/common/ip_address.hpp"
#include "baawatch/decode/decode_error.hpp"

namespace baawatch::decode {

namespace dns_type {
inline constexpr std::uint16_t kA = 1, kCname = 5, kPtr = 12, kAaaa = 28, kSrv = 33, kHttps = 65;
}

struct DnsQuestion {
  std::string name;
  std::uint16_t type = 0;
};

struct DnsRecord {
  std::string name;
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  IpAddress address;        // A / AAAA
  std::string target;       // CNAME / PTR / SRV target name
};

struct DnsMessage {
  std::uint16_t id = 0;
  bool isResponse = false;
  std::uint8_t responseCode = 0;
  std::vector<DnsQuestion> questions;
  std::vector<DnsRecord> answers;     // answer + authority + additional sections, in order
  bool recordsTruncated = false;      // stopped early (record cap or bad record after good ones)
};

// Parses a DNS message from a UDP payload (or a TCP payload after its 2-byte length prefix has
// been removed by the caller). Caps: 64 questions, 256 records, names of 255 bytes.
Expected<DnsMessage, DecodeError> parseDnsMessage(std::span<const std::uint8_t> message);

}  // namespace baawatch::decode
