#pragma once
// Times in the report: parsing the log's RFC 3339 stamps and the command line's dates, and
// writing them the way a compliance officer reads them ("Mon 23 Nov 2026, 09:14 UTC").
// Pure functions, no locale, no time zone database: the log is UTC and so is the report.
#include <optional>
#include <string>
#include <string_view>

#include "baawatch/common/timestamp.hpp"

namespace baawatch::report {

// "2025-03-11T14:02:07.921028Z" (fraction optional, 'Z' or "+00:00"); nullopt when malformed.
std::optional<Timestamp> parseRfc3339(std::string_view text);
// "2025-03-11" -> midnight UTC of that day; also accepts a full RFC 3339 stamp.
std::optional<Timestamp> parseDate(std::string_view text);

// Days since 1970-01-01 of the UTC day holding t, and back.
long long dayNumber(Timestamp t);
Timestamp dayStart(long long day);

std::string formatReadable(Timestamp t);      // "Mon 23 Nov 2026, 09:14 UTC"
std::string formatReadableDay(Timestamp t);   // "Mon 23 Nov 2026"
std::string formatShortDay(long long day);    // "23 Nov"
std::string formatIsoDay(long long day);      // "2026-11-23"
std::string formatIsoSeconds(Timestamp t);    // "2026-11-23T09:14:05Z" (CSV)
std::string formatDuration(double seconds);   // "45 s", "4 min 3 s", "2 h 05 min", "3 d 4 h"
std::string formatBytes(double bytes);        // "980 bytes", "1.4 MB"

}  // namespace baawatch::report
