#pragma once
// The record schema: builds the output records (docs/output-schema.md) that the sinks carry.
// Every record carries `event_type` (an EventType), `schema_version` and an RFC 3339 UTC
// `timestamp`; keys are lower-case snake_case. Sinks (sink/) only carry records; the schema is
// here.
// No payload byte ever appears: only names, addresses, labels and counts.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/flow/flow.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "baawatch/policy/encounter_tracker.hpp"
#include "baawatch/policy/interval_counter.hpp"
#include "baawatch/policy/policy_engine.hpp"
#include "baawatch/record/event_type.hpp"

namespace baawatch::record {

inline constexpr int kSchemaVersion = 1;

// Who writes the records, fixed for the life of the process.
struct RecordOrigin {
  std::string sensor;  // this host's name
  std::string runId;   // 16 hex digits, new at every process start
};

struct RecordContext {
  std::string sensor;             // this host's name
  std::string clinic;             // policy clinic name, may be empty
  std::string policyVersion;
  std::string signaturesVersion;
  std::string site;               // never empty (the daemon defaults it)
  std::string tenant;             // may be empty: then no `tenant` field
  std::string runId;              // RecordOrigin::runId: makes flow ids unique across restarts
};

class RecordBuilder {
 public:
  explicit RecordBuilder(RecordContext context) : context_(std::move(context)) {}

  // An alert or visibility record for a classified flow.
  nlohmann::json decision(const flow::Flow& flow, const classify::Verdict& verdict,
                          const inventory::Device& device, const policy::Decision& decision,
                          Timestamp time) const;
  nlohmann::json encounter(const policy::Encounter& encounter) const;
  nlohmann::json counts(const policy::IntervalCount& count) const;
  // Per-flow record (Zeek conn.log style), written when a flow ends and flow records are on.
  nlohmann::json flow(const flow::Flow& flow, const classify::FlowFacts* facts,
                      flow::FlowEndReason reason, Timestamp endTime) const;
  nlohmann::json stats(const Counters& counters, Timestamp time, bool final) const;

  // "<run id>:<number>": the number of the flow within this run, made unique across the
  // sensor's restarts by the run id. The same flow has the same id in its alert, visibility and
  // flow records.
  std::string flowId(const flow::Flow& flow) const;

  static nlohmann::json device(const inventory::Device& device);
  static nlohmann::json evidence(const classify::Evidence& evidence);
  static nlohmann::json service(const classify::ServiceSignature& service);

 private:
  nlohmann::json header(EventType eventType, Timestamp time) const;
  RecordContext context_;
};

}  // namespace baawatch::record
