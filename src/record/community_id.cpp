#include "baawatch/record/community_id.hpp"

#include <openssl/evp.h>

#include <array>
#include <optional>
#include <utility>
#include <vector>

namespace baawatch::record {
namespace {

constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIcmpv6 = 58;
constexpr std::uint8_t kSctp = 132;

// The spec's table of ICMP message types that come in request/reply pairs.
std::optional<std::uint8_t> icmpCounterpart(std::uint8_t type) {
  switch (type) {
    case 0: return 8;     // echo reply / echo
    case 8: return 0;
    case 9: return 10;    // router advertisement / solicitation
    case 10: return 9;
    case 13: return 14;   // timestamp / timestamp reply
    case 14: return 13;
    case 15: return 16;   // information request / reply
    case 16: return 15;
    case 17: return 18;   // address mask request / reply
    case 18: return 17;
    default: return std::nullopt;
  }
}

std::optional<std::uint8_t> icmpv6Counterpart(std::uint8_t type) {
  switch (type) {
    case 128: return 129;  // echo request / reply
    case 129: return 128;
    case 130: return 131;  // multicast listener query / report
    case 131: return 130;
    case 133: return 134;  // router solicitation / advertisement
    case 134: return 133;
    case 135: return 136;  // neighbour solicitation / advertisement
    case 136: return 135;
    case 139: return 140;  // node information query / reply
    case 140: return 139;
    case 144: return 145;  // home agent address discovery request / reply
    case 145: return 144;
    default: return std::nullopt;
  }
}

void appendAddress(std::vector<std::uint8_t>& out, const IpAddress& address) {
  const auto& bytes = address.bytes();
  if (address.isV4()) {
    out.insert(out.end(), bytes.begin() + 12, bytes.end());
  } else {
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
}

void appendBigEndian16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

std::string base64(const unsigned char* data, int length) {
  std::string out(static_cast<std::size_t>(4 * ((length + 2) / 3)), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, length);
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace

std::string communityId(const CommunityIdTuple& tuple, std::uint16_t seed) {
  IpAddress source = tuple.source;
  IpAddress destination = tuple.destination;
  std::uint16_t sourcePort = tuple.sourcePort;
  std::uint16_t destinationPort = tuple.destinationPort;
  const bool hasPorts = tuple.protocol == kTcp || tuple.protocol == kUdp ||
                        tuple.protocol == kSctp || tuple.protocol == kIcmp ||
                        tuple.protocol == kIcmpv6;
  bool oneWay = false;
  if (tuple.protocol == kIcmp || tuple.protocol == kIcmpv6) {
    const auto type = static_cast<std::uint8_t>(sourcePort);
    auto counterpart = tuple.protocol == kIcmp ? icmpCounterpart(type) : icmpv6Counterpart(type);
    if (counterpart) {
      destinationPort = *counterpart;
    } else {
      oneWay = true;
    }
  }
  const bool ordered = oneWay || source < destination ||
                       (source == destination && hasPorts && sourcePort < destinationPort);
  if (!ordered) {
    std::swap(source, destination);
    std::swap(sourcePort, destinationPort);
  }

  std::vector<std::uint8_t> input;
  input.reserve(2 + 32 + 2 + 4);
  appendBigEndian16(input, seed);
  appendAddress(input, source);
  appendAddress(input, destination);
  input.push_back(tuple.protocol);
  input.push_back(0);  // pad
  if (hasPorts) {
    appendBigEndian16(input, sourcePort);
    appendBigEndian16(input, destinationPort);
  }

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digestLength = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &digestLength, EVP_sha1(), nullptr);
  return "1:" + base64(digest.data(), static_cast<int>(digestLength));
}

std::string communityId(const flow::Flow& flow, std::uint16_t seed) {
  CommunityIdTuple tuple{flow.client, flow.server, flow.protocol, flow.clientPort,
                         flow.serverPort};
  if (flow.protocol == kIcmp || flow.protocol == kIcmpv6) {
    tuple.sourcePort = flow.icmpType;
    tuple.destinationPort = flow.icmpCode;
  }
  return communityId(tuple, seed);
}

}  // namespace baawatch::record
