#include "baawatch/report/time_format.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>

namespace baawatch::report {
namespace {

constexpr Microseconds kMicrosPerDay = 86'400'000'000LL;
constexpr std::array<std::string_view, 7> kWeekdays = {"Thu", "Fri", "Sat", "Sun",
                                                       "Mon", "Tue", "Wed"};  // day 0 = Thursday
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian, no table.
long long daysFromCivil(long long year, unsigned month, unsigned day) {
  year -= month <= 2;
  const long long era = (year >= 0 ? year : year - 399) / 400;
  const auto yearOfEra = static_cast<unsigned>(year - era * 400);
  const unsigned dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + static_cast<long long>(dayOfEra) - 719468;
}

struct Civil {
  long long year;
  unsigned month;
  unsigned day;
};

Civil civilFromDays(long long days) {
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const auto dayOfEra = static_cast<unsigned>(days - era * 146097);
  const unsigned yearOfEra =
      (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const unsigned mp = (5 * dayOfYear + 2) / 153;
  const unsigned day = dayOfYear - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<long long>(yearOfEra) + era * 400 + (month <= 2), month, day};
}

bool readNumber(std::string_view text, std::size_t at, std::size_t length, int& out) {
  if (at + length > text.size()) return false;
  const char* begin = text.data() + at;
  auto [end, error] = std::from_chars(begin, begin + length, out);
  return error == std::errc() && end == begin + length;
}

long long floorDiv(long long value, long long divisor) {
  long long quotient = value / divisor;
  if ((value % divisor != 0) && ((value < 0) != (divisor < 0))) --quotient;
  return quotient;
}

}  // namespace

std::optional<Timestamp> parseRfc3339(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readNumber(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !readNumber(text, 5, 2, month) || text[7] != '-' || !readNumber(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !readNumber(text, 11, 2, hour) ||
      text[13] != ':' || !readNumber(text, 14, 2, minute) || text[16] != ':' ||
      !readNumber(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  Microseconds fraction = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    Microseconds scale = 100000;
    std::size_t digits = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      fraction += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  std::string_view zone = text.substr(at);
  if (zone != "Z" && zone != "z" && zone != "+00:00" && zone != "-00:00") return std::nullopt;
  long long days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  Microseconds seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  return Timestamp{seconds * 1000000 + fraction};
}

std::optional<Timestamp> parseDate(std::string_view text) {
  if (text.size() == 10) {
    int year = 0, month = 0, day = 0;
    if (!readNumber(text, 0, 4, year) || text[4] != '-' || !readNumber(text, 5, 2, month) ||
        text[7] != '-' || !readNumber(text, 8, 2, day) || month < 1 || month > 12 || day < 1 ||
        day > 31) {
      return std::nullopt;
    }
    return dayStart(daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
  }
  return parseRfc3339(text);
}

long long dayNumber(Timestamp t) { return floorDiv(t.micros, kMicrosPerDay); }

Timestamp dayStart(long long day) { return Timestamp{day * kMicrosPerDay}; }

std::string formatReadableDay(Timestamp t) {
  long long day = dayNumber(t);
  Civil civil = civilFromDays(day);
  auto weekday = static_cast<std::size_t>(((day % 7) + 7) % 7);
  return fmt::format("{} {} {} {}", kWeekdays[weekday], civil.day, kMonths[civil.month - 1],
                     civil.year);
}

std::string formatReadable(Timestamp t) {
  Microseconds withinDay = t.micros - dayStart(dayNumber(t)).micros;
  long long minutes = withinDay / 60'000'000;
  return fmt::format("{}, {:02}:{:02} UTC", formatReadableDay(t), minutes / 60, minutes % 60);
}

std::string formatShortDay(long long day) {
  Civil civil = civilFromDays(day);
  return fmt::format("{} {}", civil.day, kMonths[civil.month - 1]);
}

std::string formatIsoDay(long long day) {
  Civil civil = civilFromDays(day);
  return fmt::format("{:04}-{:02}-{:02}", civil.year, civil.month, civil.day);
}

std::string formatIsoSeconds(Timestamp t) {
  long long day = dayNumber(t);
  long long seconds = (t.micros - dayStart(day).micros) / 1'000'000;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", formatIsoDay(day), seconds / 3600,
                     (seconds / 60) % 60, seconds % 60);
}

std::string formatDuration(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // also catches NaN
  auto total = static_cast<long long>(std::llround(seconds));
  if (total < 60) return fmt::format("{} s", total);
  if (total < 3600) {
    return total % 60 == 0 ? fmt::format("{} min", total / 60)
                           : fmt::format("{} min {} s", total / 60, total % 60);
  }
  if (total < 86400) return fmt::format("{} h {:02} min", total / 3600, (total / 60) % 60);
  return fmt::format("{} d {} h", total / 86400, (total / 3600) % 24);
}

std::string formatBytes(double bytes) {
  if (!(bytes >= 0)) bytes = 0;
  if (bytes < 1000) return fmt::format("{:.0f} bytes", bytes);
  if (bytes < 1e6) return fmt::format("{:.1f} kB", bytes / 1e3);
  if (bytes < 1e9) return fmt::format("{:.1f} MB", bytes / 1e6);
  return fmt::format("{:.2f} GB", bytes / 1e9);
}

}  // namespace baawatch::report
