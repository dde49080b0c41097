#include "baawatch/decode/packet.hpp"

#include <string>

namespace baawatch::decode {

std::string formatMac(const MacAddress& mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(17);
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i != 0) text.push_back(':');
    text.push_back(kHex[mac[i] >> 4]);
    text.push_back(kHex[mac[i] & 0x0f]);
  }
  return text;
}

// The switch names every LinkType and nothing else, and PacketDecoder::decode() switches over the
// same enum without a default, so -Wswitch flags a value added to one but not the other.
bool isSupportedLinkType(int dlt) {
  switch (static_cast<LinkType>(dlt)) {
    case LinkType::kNull:
    case LinkType::kEthernet:
    case LinkType::kRaw:
    case LinkType::kRawDlt12:
    case LinkType::kRawDlt14:
    case LinkType::kLoop:
    case LinkType::kLinuxSll:
    case LinkType::kLinuxSll2:
    case LinkType::kIpv4:
    case LinkType::kIpv6:
      return true;
  }
  return false;
}

}  // namespace baawatch::decode
