#include "baawatch/record/record_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "unit/fixtures/sample_records.hpp"

namespace baawatch::record {
namespace {

using nlohmann::json;
using namespace baawatch::testing::records;

TEST(RecordTextTest, TimestampEventTypeAndRecordIdLeadEveryLine) {
  json record = builder().decision(sampleFlow(), verdict(), device(), alertDecision(), kTime);
  record["record_id"] = "sensor-1:0123456789abcdef:12";
  const std::string line = recordText(record);
  EXPECT_EQ(line.rfind(R"({"timestamp":"2023-11-14T22:13:20.250000Z","event_type":"alert",)"
                       R"("record_id":"sensor-1:0123456789abcdef:12","alert_id":)",
                       0),
            0u)
      << line;
  EXPECT_EQ(json::parse(line), record);  // the same record, only the order differs
}

TEST(RecordTextTest, TheRestIsSortedCompactAndStable) {
  const json record = {{"zeta", 1}, {"event_type", "stats"}, {"alpha", {{"b", 2}, {"a", 1}}}};
  EXPECT_EQ(recordText(record), R"({"event_type":"stats","alpha":{"a":1,"b":2},"zeta":1})");
  EXPECT_EQ(recordText(json::object()), "{}");
}

TEST(RecordTextTest, InvalidUtf8IsReplacedNotThrown) {
  const json record = {{"timestamp", "t"}, {"host_name", std::string("Jos\xe9", 4)}};
  std::string line;
  ASSERT_NO_THROW(line = recordText(record));
  EXPECT_EQ(line.find('\xe9'), std::string::npos) << line;
  EXPECT_NE(line.find("\xef\xbf\xbd"), std::string::npos) << line;  // U+FFFD
}

}  // namespace
}  // namespace baawatch::record
