#include "baawatch/report/time_format.hpp"

#include <gtest/gtest.h>

namespace baawatch::report {
namespace {

TEST(TimeFormat, ParsesTheLogsStamps) {
  auto t = parseRfc3339("2026-11-23T09:14:05.250000Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(formatIsoSeconds(*t), "2026-11-23T09:14:05Z");
  EXPECT_EQ(t->micros % 1000000, 250000);
  EXPECT_TRUE(parseRfc3339("2026-11-23T09:14:05Z"));
  EXPECT_TRUE(parseRfc3339("2026-11-23T09:14:05+00:00"));
}

TEST(TimeFormat, RefusesWhatIsNotAStamp) {
  for (const char* text : {"", "2026-11-23", "2026-13-01T00:00:00Z", "2026-11-23T09:14:05",
                           "2026-11-23T09:14:05+02:00", "2026-11-23T09:14:05.Z", "yesterday"}) {
    EXPECT_FALSE(parseRfc3339(text)) << text;
  }
  EXPECT_FALSE(parseDate("2026-1-5"));
  EXPECT_FALSE(parseDate("23/11/2026"));
}

TEST(TimeFormat, ReadableDatesForPeople) {
  EXPECT_EQ(formatReadable(*parseRfc3339("2026-11-23T09:14:59Z")), "Mon 23 Nov 2026, 09:14 UTC");
  EXPECT_EQ(formatReadable(*parseRfc3339("2023-05-12T00:00:00Z")), "Fri 12 May 2023, 00:00 UTC");
  EXPECT_EQ(formatReadableDay(*parseDate("2024-02-29")), "Thu 29 Feb 2024");
  EXPECT_EQ(formatReadable(*parseRfc3339("1969-12-31T23:59:00Z")), "Wed 31 Dec 1969, 23:59 UTC");
}

TEST(TimeFormat, DayNumbersRoundTrip) {
  auto day = dayNumber(*parseRfc3339("2025-03-11T23:59:59.999999Z"));
  EXPECT_EQ(formatIsoDay(day), "2025-03-11");
  EXPECT_EQ(dayStart(day), *parseDate("2025-03-11"));
  EXPECT_EQ(formatShortDay(day), "11 Mar");
}

TEST(TimeFormat, DurationsAndSizes) {
  EXPECT_EQ(formatDuration(12.2), "12 s");
  EXPECT_EQ(formatDuration(243.1), "4 min 3 s");
  EXPECT_EQ(formatDuration(600), "10 min");
  EXPECT_EQ(formatDuration(7500), "2 h 05 min");
  EXPECT_EQ(formatDuration(90000), "1 d 1 h");
  EXPECT_EQ(formatDuration(-3), "0 s");
  EXPECT_EQ(formatBytes(980), "980 bytes");
  EXPECT_EQ(formatBytes(1440587), "1.4 MB");
}

}  // namespace
}  // namespace baawatch::report
