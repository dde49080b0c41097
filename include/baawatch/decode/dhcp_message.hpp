#pragma once
// DHCPv4 (RFC 2131/2132) facts for the device inventory: client MAC (chaddr), host name (option
// 12), requested address (option 50), assigned address (yiaddr), message type (option 53) and
// client identifier (option 61).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "baawatch/common/expected.hpp"
#include "baawatch/common/ip_address.hpp"
#include "baawatch/decode/decode_error.hpp"
#include "baawatch/decode/packet.hpp"

namespace baawatch::decode {

struct DhcpMessage {
  std::uint8_t op = 0;                 // 1 request, 2 reply
  std::uint8_t messageType = 0;        // option 53 (1 DISCOVER ... 5 ACK), 0 if absent
  MacAddress clientMac{};
  IpAddress clientAddress;             // ciaddr (unset when 0.0.0.0)
  IpAddress yourAddress;               // yiaddr (unset when 0.0.0.0)
  std::optional<IpAddress> requestedAddress;  // option 50
  std::string hostName;                // option 12, printable ASCII only, empty if absent
  std::vector<std::uint8_t>
      clientId;  // option 61 (type byte, then the identifier), empty if absent
};

// `payload` is the UDP payload of a packet on port 67/68.
Expected<DhcpMessage, DecodeError> parseDhcpMessage(std::span<const std::uint8_t> payload);

}  // namespace baawatch::decode
