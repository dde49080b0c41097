#include "baawatch/common/timestamp.hpp"

#include <fmt/format.h>

#include <ctime>

namespace baawatch {

std::string formatRfc3339(Timestamp t) {
  Microseconds micros = t.micros;
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  Microseconds fraction = micros % 1000000;
  if (fraction < 0) {  // times before 1970 (anonymised captures) still format correctly
    fraction += 1000000;
    seconds -= 1;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, fraction);
}

}  // namespace baawatch
