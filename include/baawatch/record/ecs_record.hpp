#pragma once
// Elastic Common Schema form of a record (`output.format: ecs`; fields in docs/output-fields.md,
// ECS 8.x). Our default record goes in, the same facts come out under ECS names: `@timestamp`,
// `event.*` (kind, category, type, action, id, dataset, severity, start, end, duration),
// `source.*` / `destination.*` (the flow's client and server), `network.*` (transport,
// community_id, vlan), `observer.*` (this sensor), `host.*` (the clinic device), `rule.*` (the
// policy rule), `tls.client.server_name`; everything ECS has no field for stays under
// `baawatch.` with the default format's names. Pure: no state, no I/O.
#include <cstdint>

#include <nlohmann/json.hpp>

namespace baawatch::record {

// The ECS version the field names follow (written as `ecs.version`).
inline constexpr const char* kEcsVersion = "8.11.0";

nlohmann::json toEcs(const nlohmann::json& record);

// `output.format`: the documented default schema (docs/output-schema.md) or its ECS form.
enum class RecordFormat : std::uint8_t { kDefault, kEcs };

// The record as `format` writes it.
inline nlohmann::json inFormat(const nlohmann::json& record, RecordFormat format) {
  return format == RecordFormat::kEcs ? toEcs(record) : record;
}

}  // namespace baawatch::record
