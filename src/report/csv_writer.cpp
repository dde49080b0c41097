// CSV for the compliance officer's spreadsheet: one header row, RFC 4180 quoting, UTF-8,
// times as ISO 8601 UTC, lists joined with "; ".
#include <fmt/format.h>

#include <ostream>

#include "baawatch/report/plain_words.hpp"
#include "baawatch/report/report_writer.hpp"
#include "baawatch/report/time_format.hpp"

namespace baawatch::report {
namespace {

template <class Container>
std::string joined(const Container& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : "; ") + std::string(value);
  return text;
}

std::string seconds(double value) { return fmt::format("{:.3f}", value); }

void row(std::ostream& out, std::initializer_list<std::string> fields) {
  bool first = true;
  for (const auto& field : fields) {
    if (!first) out << ',';
    out << field;
    first = false;
  }
  out << "\r\n";
}

}  // namespace

std::string csvField(std::string_view text) {
  std::string value(text);
  // A cell starting with = + - @ (or a tab/CR) is a formula to a spreadsheet; host names come
  // from the wire, so make it text. Numbers are written without this function.
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' ||
                         value[0] == '@' || value[0] == '\t' || value[0] == '\r')) {
    value.insert(0, 1, '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void writeServicesCsv(const ReportData& data, std::ostream& out) {
  row(out, {"service_id", "service", "vendor", "category", "baa_status", "baa_on_file",
            "encounters", "calls", "devices", "total_duration_seconds", "total_duration", "bytes",
            "alerts", "flows_counted", "breach_assessments_required", "free_and_paid_tiers_look_alike"});
  for (const auto& [id, summary] : data.services) {
    row(out, {csvField(id), csvField(summary.service.name), csvField(summary.service.vendor),
              csvField(summary.service.category), csvField(summary.service.baaStatus),
              summary.baaOnFile ? "yes" : "no", std::to_string(summary.encounters),
              std::to_string(summary.calls), std::to_string(summary.devices.size()),
              seconds(summary.durationSeconds), csvField(formatDuration(summary.durationSeconds)),
              std::to_string(summary.bytes), std::to_string(summary.alerts),
              std::to_string(summary.flowsCounted), std::to_string(summary.assessments),
              tiersLookAlike(id) ? "yes" : "no"});
  }
}

void writeDevicesCsv(const ReportData& data, std::ostream& out) {
  row(out, {"device_id", "host_name", "mac", "addresses", "addresses_truncated", "services",
            "encounters", "breach_assessments_required", "first_seen", "last_seen", "owner",
            "joined_macs", "joined_by"});
  for (const auto& [id, summary] : data.devices) {
    row(out, {csvField(id), csvField(summary.device.hostName), csvField(summary.device.mac),
              csvField(joined(summary.addresses)), summary.addressesTruncated ? "yes" : "no",
              csvField(joined(summary.serviceNames)), std::to_string(summary.encounters),
              std::to_string(summary.assessments),
              summary.firstSeen ? formatIsoSeconds(*summary.firstSeen) : "",
              summary.lastSeen ? formatIsoSeconds(*summary.lastSeen) : "", csvField(summary.owner),
              csvField(joined(summary.joinedMacs)), csvField(summary.joinedBy)});
  }
}

void writeEncountersCsv(const ReportData& data, std::ostream& out) {
  row(out, {"encounter_id", "start", "end", "duration_seconds", "device_id", "host_name", "mac",
            "ip", "service_id", "service", "vendor", "baa_status", "baa_on_file", "kind", "media",
            "confidence", "flows", "bytes_from_device", "bytes_to_device", "packets_from_device",
            "packets_to_device", "remote_addresses", "policy_rule", "policy_action", "summary",
            "evidence", "evidence_reasons", "breach_assessment_required",
            "telehealth_transition_period", "owner", "review_status", "decision", "reviewer",
            "decision_date", "reasons", "discovered", "notify_by"});
  for (const auto& entry : data.encounters) {
    std::string evidence;
    std::string reasons;
    for (const auto& line : entry.evidence) {
      evidence += (evidence.empty() ? "" : "; ") + line.words +
                  (line.confidence.empty() ? "" : " [" + line.confidence + " confidence]");
      if (!line.reason.empty() && reasons.find(line.reason) == std::string::npos) {
        reasons += (reasons.empty() ? "" : " | ") + line.reason;
      }
    }
    row(out, {csvField(entry.id), formatIsoSeconds(entry.start), formatIsoSeconds(entry.end),
              seconds(entry.durationSeconds), csvField(entry.device.id),
              csvField(entry.device.hostName), csvField(entry.device.mac),
              csvField(entry.device.ip), csvField(entry.service.id), csvField(entry.service.name),
              csvField(entry.service.vendor), csvField(entry.service.baaStatus),
              entry.baaOnFile ? "yes" : "no", csvField(entry.kind), csvField(entry.media),
              csvField(entry.confidence), std::to_string(entry.flows),
              std::to_string(entry.bytesFromDevice), std::to_string(entry.bytesToDevice),
              std::to_string(entry.packetsFromDevice), std::to_string(entry.packetsToDevice),
              csvField(joined(entry.remoteAddresses)), csvField(entry.policyRule),
              csvField(entry.policyAction), csvField(entry.headline), csvField(evidence),
              csvField(reasons), entry.assessmentRequired ? "yes" : "no",
              entry.inTransitionPeriod ? "yes" : "no", csvField(entry.owner),
              entry.open() ? "open" : (entry.disposition ? "decided" : ""),
              entry.disposition ? std::string(toString(entry.disposition->decision)) : "",
              entry.disposition ? csvField(entry.disposition->reviewer) : "",
              entry.disposition ? formatIsoDay(dayNumber(entry.disposition->date)) : "",
              entry.disposition ? csvField(entry.disposition->reasons) : "",
              entry.discovered ? formatIsoDay(dayNumber(*entry.discovered)) : "",
              entry.notifyBy ? formatIsoDay(dayNumber(*entry.notifyBy)) : ""});
  }
}

void writeDailyCsv(const ReportData& data, std::ostream& out) {
  row(out, {"date", "service_id", "service", "encounters"});
  for (const auto& [day, perService] : data.daily) {
    for (const auto& [serviceId, encounters] : perService) {
      auto service = data.services.find(serviceId);
      std::string name = service == data.services.end() ? serviceId : service->second.service.name;
      row(out, {formatIsoDay(day), csvField(serviceId), csvField(name),
                std::to_string(encounters)});
    }
  }
}

void writeVisibilityCsv(const ReportData& data, std::ostream& out) {
  row(out, {"device_id", "host_name", "mac", "ip", "service_id", "service", "start", "end",
            "duration_seconds", "evidence", "encounter_id"});
  for (const auto& period : data.visibility) {
    row(out, {csvField(period.device.id), csvField(period.device.hostName),
              csvField(period.device.mac), csvField(period.device.ip),
              csvField(period.service.id), csvField(period.service.name),
              formatIsoSeconds(period.start), period.end ? formatIsoSeconds(*period.end) : "",
              period.end ? seconds(period.durationSeconds) : "", csvField(period.evidence),
              csvField(period.encounterId)});
  }
}

}  // namespace baawatch::report
