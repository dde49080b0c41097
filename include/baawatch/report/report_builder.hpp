#pragma once
// Streams JSON-lines records into the report's aggregates. Feed it one line at a time (a log
// of millions of records is never held whole); what it keeps is per service, per device, per
// day, the encounters themselves and the visibility periods. Unknown event types and unknown
// keys are ignored; a line that is not a JSON object is counted as malformed and skipped.
// Single-threaded; no exceptions escape addLine().
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/report/report_data.hpp"

namespace baawatch::report {

struct ReportPeriod {
  std::optional<Timestamp> from;  // inclusive
  std::optional<Timestamp> to;    // exclusive
};

class ReportBuilder {
 public:
  explicit ReportBuilder(ReportPeriod period = {});

  void addLine(std::string_view line);
  void addRecord(const nlohmann::json& record);
  std::uint64_t recordsWithHash() const { return data_.chain.recordsWithHash; }
  // Sorts, joins `visibility` records to their encounters, counts the flags. Call once.
  ReportData finish();

 private:
  struct PendingVisibility {
    DeviceRef device;
    ServiceRef service;
    Timestamp time;
    std::string evidence;
  };

  bool inPeriod(Timestamp first, Timestamp last) const;
  void notePeriodAndVersions(const nlohmann::json& record, Timestamp first, Timestamp last);
  ServiceSummary& serviceEntry(const ServiceRef& service);
  DeviceSummary& deviceEntry(const DeviceRef& device, Timestamp first, Timestamp last);
  void addEncounter(const nlohmann::json& record, Timestamp start, Timestamp end);
  void addAlert(const nlohmann::json& record, Timestamp time);
  void addCounts(const nlohmann::json& record, Timestamp start, Timestamp end);

  ReportPeriod period_;
  ReportData data_;
  std::unordered_set<std::string> encounterIds_;
  std::vector<PendingVisibility> pendingVisibility_;
};

// True when the encounter needs a breach risk assessment under 45 CFR 164.402: any part of it
// after the end of the enforcement discretion (2023-05-11, 23:59 UTC) on a service without a
// BAA on file (policy alert/visibility, or no BAA offered and not counted as BAA on file).
bool assessmentRequired(const EncounterEntry& encounter);

}  // namespace baawatch::report
