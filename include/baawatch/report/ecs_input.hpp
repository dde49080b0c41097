#pragma once
// Reads a record that `output.format: ecs` wrote back into the default schema
// (docs/output-schema.md), so that the report and the reviewer's tools read either format. The
// ECS form keeps under `baawatch.` every field ECS has no name for; the fields it moved to ECS
// names (`@timestamp`, `event.action`, `event.id`, `observer.hostname`, `network.community_id`,
// a flow record's `source.*`, `destination.*`, `network.transport`, `network.vlan.id`) are moved
// back, and the hash chain's `chain` stays as it is. Pure: no state, no I/O.
#include <nlohmann/json.hpp>

namespace baawatch::report {

// Whether `record` is an ECS record of ours: an object with `ecs`, `event.action` and a
// `baawatch` object.
bool isEcsRecord(const nlohmann::json& record);

// The default-schema record, or `record` itself when it is not an ECS record of ours.
nlohmann::json fromEcs(const nlohmann::json& record);

}  // namespace baawatch::report
