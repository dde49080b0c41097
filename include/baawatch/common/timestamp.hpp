#pragma once
// Packet time: microseconds since the Unix epoch, as libpcap delivers it.
#include <cstdint>
#include <string>

namespace baawatch {

using Microseconds = std::int64_t;

struct Timestamp {
  Microseconds micros = 0;
  auto operator<=>(const Timestamp&) const = default;
  double seconds() const { return static_cast<double>(micros) / 1e6; }
  static Timestamp fromSeconds(double s) { return {static_cast<Microseconds>(s * 1e6)}; }
};

// RFC 3339 UTC with microseconds: "2024-01-31T12:00:00.123456Z".
std::string formatRfc3339(Timestamp t);

}  // namespace baawatch
