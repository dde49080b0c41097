#pragma once
// The one way a record becomes text: compact JSON, no spaces, invalid UTF-8 replaced by U+FFFD,
// with `timestamp`, `event_type` and `record_id` first (those present) so a person or a line
// parser finds them at the start of the line, then every other key sorted, nested objects sorted.
// The file writer, the hash chain and syslog's MSG all use it, so the same record is the same
// bytes everywhere.
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace baawatch::record {

std::string recordText(const nlohmann::json& record);

}  // namespace baawatch::record
