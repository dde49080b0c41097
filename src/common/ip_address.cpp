#include "baawatch/common/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace baawatch {
namespace {

// ::ffff:0:0/96, RFC 4291 §2.5.5.2: IPv4 lives here so one 16-byte form serves both families.
constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

IpAddress IpAddress::fromV4(std::span<const std::uint8_t, 4> bytes) {
  IpAddress address;
  std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), address.bytes_.begin());
  std::copy(bytes.begin(), bytes.end(), address.bytes_.begin() + 12);
  address.set_ = true;
  return address;
}

IpAddress IpAddress::fromV4(std::uint32_t hostOrder) {
  std::array<std::uint8_t, 4> bytes{static_cast<std::uint8_t>(hostOrder >> 24),
                                    static_cast<std::uint8_t>(hostOrder >> 16),
                                    static_cast<std::uint8_t>(hostOrder >> 8),
                                    static_cast<std::uint8_t>(hostOrder)};
  return fromV4(std::span<const std::uint8_t, 4>(bytes));
}

IpAddress IpAddress::fromV6(std::span<const std::uint8_t, 16> bytes) {
  IpAddress address;
  std::copy(bytes.begin(), bytes.end(), address.bytes_.begin());
  address.set_ = true;
  return address;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  std::array<std::uint8_t, 16> bytes{};
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, bytes.data()) != 1) return std::nullopt;
    return fromV4(std::span<const std::uint8_t, 4>(bytes.data(), 4));
  }
  if (inet_pton(AF_INET6, buffer, bytes.data()) != 1) return std::nullopt;
  return fromV6(bytes);
}

bool IpAddress::isV4() const {
  return set_ && std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes_.begin());
}

std::uint32_t IpAddress::v4() const {
  return (std::uint32_t{bytes_[12]} << 24) | (std::uint32_t{bytes_[13]} << 16) |
         (std::uint32_t{bytes_[14]} << 8) | std::uint32_t{bytes_[15]};
}

std::string IpAddress::toString() const {
  if (!set_) return "";
  char buffer[INET6_ADDRSTRLEN] = {};
  if (isV4()) {
    inet_ntop(AF_INET, bytes_.data() + 12, buffer, sizeof buffer);
  } else {
    inet_ntop(AF_INET6, bytes_.data(), buffer, sizeof buffer);
  }
  return buffer;
}

// Byte-wise: the signature matcher masks every flow's server address once per prefix length.
IpAddress IpAddress::masked(int prefix128) const {
  std::array<std::uint8_t, 16> masked = bytes_;
  auto whole = static_cast<std::size_t>(prefix128 / 8);
  if (whole < masked.size()) {
    int kept = prefix128 % 8;  // leading bits of the byte that holds the prefix's end
    masked[whole] &= static_cast<std::uint8_t>(0xff00 >> kept);
    std::fill(masked.begin() + static_cast<std::ptrdiff_t>(whole) + 1, masked.end(), 0);
  }
  return fromV6(masked);
}

std::size_t IpAddressHash::operator()(const IpAddress& address) const noexcept {
  // Runs several times per packet (the inventory, the DNS cache, signature ranges). The murmur3
  // finaliser is a bijection on 64 bits, so for either half fixed no two values of the other
  // collide; two rounds cost a third of FNV-1a's sixteen dependent multiplies. Tables keyed by
  // address are capped in size and never iterated for output, so the values may change.
  auto finalise = [](std::uint64_t value) {
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdULL;
    value ^= value >> 33;
    value *= 0xc4ceb9fe1a85ec53ULL;
    value ^= value >> 33;
    return value;
  };
  std::uint64_t hash = finalise(address.lowBits() ^ 0x9e3779b97f4a7c15ULL) ^ address.highBits();
  return static_cast<std::size_t>(finalise(hash));
}

std::optional<IpRange> IpRange::parse(std::string_view text) {
  std::string_view addressText = text;
  std::optional<int> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addressText = text.substr(0, slash);
    std::string_view prefixText = text.substr(slash + 1);
    int value = -1;
    auto [end, error] =
        std::from_chars(prefixText.data(), prefixText.data() + prefixText.size(), value);
    if (error != std::errc{} || end != prefixText.data() + prefixText.size() || prefixText.empty())
      return std::nullopt;
    prefix = value;
  }
  auto address = IpAddress::parse(addressText);
  if (!address) return std::nullopt;
  int familyBits = address->isV4() ? 32 : 128;
  int length = prefix.value_or(familyBits);
  if (length < 0 || length > familyBits) return std::nullopt;
  IpRange range;
  range.prefix_ = address->isV4() ? length + 96 : length;
  range.v4_ = address->isV4();
  // Keep only the network bits so toString() and contains() agree on "10.1.2.3/8".
  range.network_ = address->masked(range.prefix_);
  // contains() compares two 64-bit halves under a mask: it runs for every packet (clinical
  // networks, signature ranges), where a byte loop with a memcmp call showed in profiles.
  auto maskOf = [](int bits) {
    if (bits <= 0) return std::uint64_t{0};
    if (bits >= 64) return ~std::uint64_t{0};
    return ~std::uint64_t{0} << (64 - bits);
  };
  range.maskHigh_ = maskOf(range.prefix_);
  range.maskLow_ = maskOf(range.prefix_ - 64);
  range.networkHigh_ = range.network_.highBits() & range.maskHigh_;
  range.networkLow_ = range.network_.lowBits() & range.maskLow_;
  return range;
}

int IpRange::prefixLength() const { return v4_ ? prefix_ - 96 : prefix_; }

std::string IpRange::toString() const {
  return network_.toString() + "/" + std::to_string(prefixLength());
}

}  // namespace baawatch
