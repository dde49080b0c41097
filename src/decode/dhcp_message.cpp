#include "baawatch/decode/dhcp_message.hpp"

#include <algorithm>

#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {
namespace {

// RFC 2131 §3: the options field starts with the magic cookie 99.130.83.99.
constexpr std::uint32_t kMagicCookie = 0x63825363;
// RFC 2132 option codes.
constexpr std::uint8_t kOptionPad = 0;
constexpr std::uint8_t kOptionHostName = 12;          // §3.14
constexpr std::uint8_t kOptionRequestedAddress = 50;  // §9.1
constexpr std::uint8_t kOptionMessageType = 53;       // §9.6
constexpr std::uint8_t kOptionClientId = 61;          // §9.14
constexpr std::uint8_t kOptionEnd = 255;
constexpr std::uint8_t kHardwareTypeEthernet = 1;

IpAddress addressOrUnset(std::span<const std::uint8_t> bytes) {
  const bool zero = std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
  return zero ? IpAddress{} : IpAddress::fromV4(bytes.first<4>());
}

// The host name ends up in the inventory and in alerts read by people. Clients pad it with NULs
// (some Windows and embedded stacks), which we drop; a name holding any other byte outside
// printable ASCII is rejected whole rather than patched, because a patched name would claim an
// identity the device never announced.
std::string printableHostName(std::span<const std::uint8_t> value) {
  while (!value.empty() && value.back() == 0) value = value.first(value.size() - 1);
  const bool printable = std::all_of(value.begin(), value.end(),
                                     [](std::uint8_t b) { return b >= 0x20 && b <= 0x7e; });
  if (!printable) return {};
  return std::string(value.begin(), value.end());
}

}  // namespace

Expected<DhcpMessage, DecodeError> parseDhcpMessage(std::span<const std::uint8_t> payload) {
  // RFC 2131 §2: op htype hlen hops xid(4) secs(2) flags(2) ciaddr yiaddr siaddr giaddr
  // chaddr(16) sname(64) file(128): 236 bytes, then the cookie.
  ByteReader reader(payload);
  DhcpMessage message;
  message.op = reader.u8();
  const std::uint8_t hardwareType = reader.u8();
  const std::uint8_t hardwareLength = reader.u8();
  reader.skip(1 + 4 + 2 + 2);
  const auto clientAddress = reader.bytes(4);
  const auto yourAddress = reader.bytes(4);
  reader.skip(8);  // siaddr, giaddr
  const auto hardwareAddress = reader.bytes(16);
  reader.skip(64 + 128);  // sname, file (option overload, RFC 2132 §9.3, is not followed)
  const std::uint32_t cookie = reader.u32();
  if (!reader.ok() || cookie != kMagicCookie || (message.op != 1 && message.op != 2)) {
    return unexpected(DecodeError::kDhcpMalformed);
  }
  message.clientAddress = addressOrUnset(clientAddress);
  message.yourAddress = addressOrUnset(yourAddress);
  if (hardwareType == kHardwareTypeEthernet && hardwareLength == 6) {
    std::copy_n(hardwareAddress.begin(), message.clientMac.size(), message.clientMac.begin());
  }

  // RFC 2132 §2: code, length, value; pad and end have no length. A missing end option at the
  // end of the datagram is tolerated (several embedded clients omit it).
  while (reader.remaining() > 0) {
    const std::uint8_t code = reader.u8();
    if (code == kOptionPad) continue;
    if (code == kOptionEnd) break;
    const std::size_t length = reader.u8();
    const auto value = reader.bytes(length);
    if (!reader.ok()) return unexpected(DecodeError::kDhcpMalformed);
    switch (code) {
      case kOptionMessageType:
        if (length != 1) return unexpected(DecodeError::kDhcpMalformed);
        message.messageType = value[0];
        break;
      case kOptionRequestedAddress:
        if (length != 4) return unexpected(DecodeError::kDhcpMalformed);
        message.requestedAddress = IpAddress::fromV4(value.first<4>());
        break;
      case kOptionHostName:
        message.hostName = printableHostName(value);
        break;
      case kOptionClientId:
        // §9.14: a type byte and at least one byte of identifier.
        if (length < 2) return unexpected(DecodeError::kDhcpMalformed);
        message.clientId.assign(value.begin(), value.end());
        break;
      default:
        break;
    }
  }
  return message;
}

}  // namespace baawatch::decode
