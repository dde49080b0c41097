#include "baawatch/record/event_type.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace baawatch::record {
namespace {

TEST(EventTypeTest, EveryTypeHasItsSchemaNameAndReadsBack) {
  const EventType all[] = {EventType::kAlert,      EventType::kVisibility, EventType::kEncounter,
                           EventType::kCounts,     EventType::kFlow,       EventType::kStats,
                           EventType::kChainStart, EventType::kSinkRecovery};
  const std::set<std::string> expected = {"alert", "visibility", "encounter",   "counts",
                                          "flow",  "stats",      "chain_start", "sink_recovery"};
  std::set<std::string> names;
  for (EventType type : all) {
    std::string name(toString(type));
    names.insert(name);
    EXPECT_EQ(parseEventType(name), type) << name;
  }
  EXPECT_EQ(names, expected);
}

TEST(EventTypeTest, UnknownNamesAreRefused) {
  EXPECT_FALSE(parseEventType("alerts").has_value());
  EXPECT_FALSE(parseEventType("Alert").has_value());
  EXPECT_FALSE(parseEventType("").has_value());
}

TEST(EventTypeTest, BuiltTypesAreTheNetworkRecordsOnly) {
  std::set<std::string> built;
  for (EventType type : builtEventTypes()) built.insert(std::string(toString(type)));
  EXPECT_EQ(built, (std::set<std::string>{"alert", "visibility", "encounter", "counts", "flow",
                                          "stats"}));
}

}  // namespace
}  // namespace baawatch::record
