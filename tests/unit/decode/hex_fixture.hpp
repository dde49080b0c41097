#pragma once
// Packets as readable hex text for table-driven tests: "45 00 00 1c ...". Whitespace separates
// nothing and is ignored; any other non-hex character or an odd digit count is a broken fixture
// and throws, which gtest reports as a failure of the test that used it.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace baawatch::decode::testing {

inline std::vector<std::uint8_t> hexBytes(std::string_view text) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> bytes;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') continue;
    const int value = digit(c);
    if (value < 0) throw std::invalid_argument("bad hex digit in fixture: " + std::string(1, c));
    if (high < 0) {
      high = value;
    } else {
      bytes.push_back(static_cast<std::uint8_t>(high * 16 + value));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits in fixture");
  return bytes;
}

// Concatenates byte strings (a link header in front of an IP fixture, and so on).
inline std::vector<std::uint8_t> concat(
    std::initializer_list<std::span<const std::uint8_t>> parts) {
  std::vector<std::uint8_t> bytes;
  for (auto part : parts) bytes.insert(bytes.end(), part.begin(), part.end());
  return bytes;
}

}  // namespace baawatch::decode::testing
