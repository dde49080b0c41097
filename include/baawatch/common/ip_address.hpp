#pragma once
// IPv4/IPv6 addresses and CIDR ranges as small value types. IPv4 is held as an IPv4-mapped
// IPv6 address internally so both families compare and hash uniformly.
#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace baawatch {

class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress fromV4(std::span<const std::uint8_t, 4> bytes);
  static IpAddress fromV4(std::uint32_t hostOrder);
  static IpAddress fromV6(std::span<const std::uint8_t, 16> bytes);
  // Accepts dotted IPv4 or RFC 4291/5952 IPv6 text; nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  bool isV4() const;
  bool isUnset() const { return !set_; }
  // IPv4 in host order; only meaningful when isV4().
  std::uint32_t v4() const;
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  // The 128 bits as two big-endian halves (bytes 0-7, bytes 8-15): for masks and hashing.
  std::uint64_t highBits() const { return bigEndian64(0); }
  std::uint64_t lowBits() const { return bigEndian64(8); }
  // The first `prefix128` bits kept and the rest cleared, counted in the 128-bit space (an IPv4
  // prefix /n is 96 + n): a CIDR range's network, or an address's network for a look-up.
  IpAddress masked(int prefix128) const;
  std::string toString() const;

  // The order of the bytes, then unset before set (as a memberwise default would give), written
  // out on the two halves: flow keys compare addresses several times per packet, and the
  // defaulted forms called memcmp.
  std::strong_ordering operator<=>(const IpAddress& other) const {
    if (auto order = highBits() <=> other.highBits(); order != 0) return order;
    if (auto order = lowBits() <=> other.lowBits(); order != 0) return order;
    return set_ <=> other.set_;
  }
  bool operator==(const IpAddress& other) const {
    return highBits() == other.highBits() && lowBits() == other.lowBits() && set_ == other.set_;
  }

 private:
  std::uint64_t bigEndian64(int offset) const {
    std::uint64_t value = 0;
    std::memcpy(&value, bytes_.data() + offset, sizeof value);
    if constexpr (std::endian::native == std::endian::little) value = __builtin_bswap64(value);
    return value;
  }

  std::array<std::uint8_t, 16> bytes_{};
  bool set_ = false;
};

struct IpAddressHash {
  std::size_t operator()(const IpAddress& address) const noexcept;
};

// A CIDR range ("10.0.0.0/8", "2620:149:a44::/48"). A bare address is a /32 or /128.
class IpRange {
 public:
  IpRange() = default;
  // nullopt when the text is not an address with an optional prefix within range for its family.
  static std::optional<IpRange> parse(std::string_view text);
  // Inline: it runs several times per packet (clinical networks, signature ranges).
  bool contains(const IpAddress& address) const {
    if (address.isUnset() || network_.isUnset()) return false;
    if ((address.highBits() & maskHigh_) != networkHigh_ ||
        (address.lowBits() & maskLow_) != networkLow_) {
      return false;
    }
    // An IPv4 range's mask covers the ::ffff:0:0/96 prefix, so only IPv4 gets here; an IPv6
    // range as wide as "::/0" must still not swallow IPv4 (held as ::ffff:a.b.c.d).
    return v4_ || !address.isV4();
  }
  // The network address (host bits cleared).
  const IpAddress& network() const { return network_; }
  // Prefix length in the address's own family (0-32 for IPv4, 0-128 for IPv6).
  int prefixLength() const;
  std::string toString() const;

 private:
  IpAddress network_;
  int prefix_ = 0;  // in the 128-bit space
  bool v4_ = false; // an IPv4 range matches only IPv4 addresses, an IPv6 range only IPv6 ones
  // The network and its mask as two big-endian 64-bit halves of the 128-bit space.
  std::uint64_t maskHigh_ = 0;
  std::uint64_t maskLow_ = 0;
  std::uint64_t networkHigh_ = 0;
  std::uint64_t networkLow_ = 0;
};

}  // namespace baawatch
