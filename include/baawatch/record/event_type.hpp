#pragma once
// What a record is about: the `event_type` of every record (docs/output-schema.md). The record
// builder writes it from this type; configuration (a syslog destination's `event_types`) is read
// into it, so a misspelt type is refused at load time instead of silently matching nothing.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace baawatch::record {

enum class EventType : std::uint8_t {
  kAlert,
  kVisibility,
  kEncounter,
  kCounts,
  kFlow,
  kStats,
  // Written by the JSON-lines sink itself, not the record builder: the hash chain's first line
  // and the note about a partial last line found at open.
  kChainStart,
  kSinkRecovery,
};

// The name as it appears in `event_type` ("alert", "chain_start", ...).
std::string_view toString(EventType type);
// The inverse of toString; nothing for a name that is no event type.
std::optional<EventType> parseEventType(std::string_view name);
// The types the record builder makes (the ones a syslog destination may select), in schema order.
std::span<const EventType> builtEventTypes();

}  // namespace baawatch::record
