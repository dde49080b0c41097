#include "baawatch/record/event_type.hpp"

#include <array>

namespace baawatch::record {
namespace {

struct Name {
  EventType type;
  std::string_view name;
};

constexpr std::array<Name, 8> kNames{{
    {EventType::kAlert, "alert"},
    {EventType::kVisibility, "visibility"},
    {EventType::kEncounter, "encounter"},
    {EventType::kCounts, "counts"},
    {EventType::kFlow, "flow"},
    {EventType::kStats, "stats"},
    {EventType::kChainStart, "chain_start"},
    {EventType::kSinkRecovery, "sink_recovery"},
}};

constexpr std::array<EventType, 6> kBuilt{EventType::kAlert,  EventType::kVisibility,
                                          EventType::kEncounter, EventType::kCounts,
                                          EventType::kFlow,   EventType::kStats};

}  // namespace

std::string_view toString(EventType type) {
  for (const auto& entry : kNames) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

std::optional<EventType> parseEventType(std::string_view name) {
  for (const auto& entry : kNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

std::span<const EventType> builtEventTypes() { return kBuilt; }

}  // namespace baawatch::record
