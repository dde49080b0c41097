#include "baawatch/report/report_builder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "baawatch/report/ecs_input.hpp"
#include "baawatch/report/plain_words.hpp"
#include "baawatch/report/record_fields.hpp"
#include "baawatch/report/time_format.hpp"

namespace baawatch::report {
namespace {

using nlohmann::json;

// Values of the wrong type read as absent: a damaged record loses a field, not the report.
std::string text(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return {};
  return found->get<std::string>();
}

std::uint64_t count(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto found = object.find(key);
  if (found == object.end()) return 0;
  if (found->is_number_unsigned()) return found->get<std::uint64_t>();
  if (found->is_number_integer()) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, found->get<std::int64_t>()));
  if (found->is_number_float()) return static_cast<std::uint64_t>(std::max(0.0, found->get<double>()));
  return 0;
}

const json& child(const json& object, const char* key) {
  static const json kNull;  // immutable, shared: not mutable state
  if (!object.is_object()) return kNull;
  auto found = object.find(key);
  return found == object.end() ? kNull : *found;
}

std::optional<Timestamp> time(const json& object, const char* key) {
  std::string value = text(object, key);
  return value.empty() ? std::nullopt : parseRfc3339(value);
}

bool startsWith(std::string_view value, std::string_view prefix) {
  return value.substr(0, prefix.size()) == prefix;
}

void noteVersion(std::map<std::string, VersionSpan>& versions, const std::string& version,
                 Timestamp when) {
  if (version.empty()) return;
  auto [entry, inserted] = versions.try_emplace(version, VersionSpan{when, when, 0});
  entry->second.first = std::min(entry->second.first, when);
  entry->second.last = std::max(entry->second.last, when);
  ++entry->second.records;
}

void mergeService(ServiceRef& into, const ServiceRef& from) {
  if (from.name.empty()) return;  // a counts record: keep what a richer record said
  into = from;
}

}  // namespace

DeviceRef deviceOf(const json& record) {
  const json& device = child(record, "device");
  DeviceRef ref{text(device, "id"), text(device, "ip"), text(device, "mac"),
                text(device, "host_name"), text(device, "dhcp_client_id")};
  if (ref.id.empty()) ref.id = ref.mac.empty() ? "ip:" + ref.ip : "mac:" + ref.mac;
  return ref;
}

ServiceRef serviceOf(const json& record) {
  const json& service = child(record, "service");
  if (!service.is_object()) {  // counts records name the service by id only
    return ServiceRef{text(record, "service_id"), {}, {}, text(record, "category"), {}, {}, {}};
  }
  return ServiceRef{text(service, "id"),         text(service, "name"),
                    text(service, "vendor"),     text(service, "category"),
                    text(service, "baa_status"), text(service, "baa_statement"),
                    text(service, "baa_source")};
}

std::vector<RawEvidence> evidenceOf(const json& record) {
  std::vector<RawEvidence> list;
  const json& items = child(record, "evidence");
  if (!items.is_array()) return list;
  for (const auto& item : items) {
    list.push_back({text(item, "rule_id"), text(item, "field"), text(item, "value"),
                    text(item, "confidence"), text(item, "reason")});
  }
  return list;
}

std::string DeviceRef::label() const {
  if (!hostName.empty()) return hostName;
  if (!mac.empty()) return mac;
  return ip.empty() ? id : ip;
}

std::string ServiceSummary::baaWords() const {
  if (baaOnFile) return "BAA on file";
  if (service.baaStatus == "none") return "No BAA offered by the vendor";
  if (service.baaStatus == "available") return "Vendor offers a BAA; none on file";
  return service.baaStatus.empty() ? std::string("Unknown") : service.baaStatus;
}

bool assessmentRequired(const EncounterEntry& encounter) {
  static const Timestamp kCutoff = dayStart(dayNumber(*parseDate(kDiscretionEndDate)) + 1);
  if (encounter.end < kCutoff) return false;
  if (encounter.policyAction == "alert" || encounter.policyAction == "visibility") return true;
  return encounter.service.baaStatus == "none" && !encounter.baaOnFile;
}

ReportBuilder::ReportBuilder(ReportPeriod period) : period_(period) {
  data_.from = period.from;
  data_.to = period.to;
}

void ReportBuilder::addLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.empty()) return;
  ++data_.linesRead;
  json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!record.is_object()) {
    ++data_.malformedLines;
    return;
  }
  addRecord(fromEcs(record));
}

bool ReportBuilder::inPeriod(Timestamp first, Timestamp last) const {
  if (period_.from && last < *period_.from) return false;
  if (period_.to && !(first < *period_.to)) return false;
  return true;
}

void ReportBuilder::notePeriodAndVersions(const json& record, Timestamp first, Timestamp last) {
  ++data_.recordsInPeriod;
  data_.firstRecord = data_.firstRecord ? std::min(*data_.firstRecord, first) : first;
  data_.lastRecord = data_.lastRecord ? std::max(*data_.lastRecord, last) : last;
  if (auto clinic = text(record, "clinic"); !clinic.empty()) data_.clinics.insert(clinic);
  if (auto sensor = text(record, "sensor"); !sensor.empty()) data_.sensors.insert(sensor);
  noteVersion(data_.policyVersions, text(child(record, "policy"), "version"), last);
  noteVersion(data_.signatureVersions, text(record, "signatures_version"), last);
}

void ReportBuilder::addRecord(const json& record) {
  ++data_.recordsRead;
  std::string type = text(record, "event_type");
  ++data_.recordsByType[type.empty() ? std::string("(none)") : type];
  // The chain's fields: "chain": {"prev_hash", "hash"} (docs/tamper-evidence.md); a bare
  // top-level "hash" is accepted too.
  if (child(record, "chain").is_object() || record.contains("hash")) {
    ++data_.chain.recordsWithHash;
  } else {
    ++data_.chain.recordsWithoutHash;
  }

  // The log's own bookkeeping (docs/tamper-evidence.md): chain_start opens a file, sink_recovery
  // names a line a crash cut short. They are stamped with the wall clock when the file was opened,
  // not packet time, and say nothing about the network: read (and counted by type above), but
  // never an event, never in the period.
  if (type == "chain_start" || type == "sink_recovery") return;
  std::optional<Timestamp> stamp = time(record, "timestamp");
  std::optional<Timestamp> first = stamp;
  std::optional<Timestamp> last = stamp;
  if (type == "encounter") {
    first = time(record, "start");
    last = time(record, "end");
    if (!first) first = stamp;
    if (!last) last = first;
  } else if (type == "counts") {
    first = time(record, "interval_start");
    last = time(record, "interval_end");
    if (!first) first = stamp;
    if (!last) last = first;
  }
  if (!first || !last) return;  // no usable time: read, but placed in no period
  if (*last < *first) std::swap(first, last);
  if (!inPeriod(*first, *last)) return;
  notePeriodAndVersions(record, *first, *last);

  if (type == "encounter") {
    addEncounter(record, *first, *last);
  } else if (type == "alert" || type == "visibility") {
    addAlert(record, *first);
  } else if (type == "counts") {
    addCounts(record, *first, *last);
  }
}

ServiceSummary& ReportBuilder::serviceEntry(const ServiceRef& service) {
  ServiceSummary& summary = data_.services[service.id];
  if (summary.service.id.empty()) summary.service = service;
  mergeService(summary.service, service);
  if (summary.service.category.empty()) summary.service.category = service.category;
  return summary;
}

DeviceSummary& ReportBuilder::deviceEntry(const DeviceRef& device, Timestamp first,
                                          Timestamp last) {
  DeviceSummary& summary = data_.devices[device.id];
  bool newer = !summary.lastSeen || !(last < *summary.lastSeen);
  if (summary.device.id.empty()) {
    summary.device = device;
  } else if (newer) {  // the latest name and address win; an empty name does not erase one
    if (!device.hostName.empty()) summary.device.hostName = device.hostName;
    if (!device.dhcpClientId.empty()) summary.device.dhcpClientId = device.dhcpClientId;
    if (!device.mac.empty()) summary.device.mac = device.mac;
    if (!device.ip.empty()) summary.device.ip = device.ip;
  }
  if (!device.ip.empty() && !summary.addresses.count(device.ip)) {
    if (summary.addresses.size() < kMaxAddressesPerDevice) {
      summary.addresses.insert(device.ip);
    } else {
      summary.addressesTruncated = true;
    }
  }
  summary.firstSeen = summary.firstSeen ? std::min(*summary.firstSeen, first) : first;
  summary.lastSeen = summary.lastSeen ? std::max(*summary.lastSeen, last) : last;
  return summary;
}

void ReportBuilder::addEncounter(const json& record, Timestamp start, Timestamp end) {
  std::string id = text(record, "encounter_id");
  if (!id.empty() && !encounterIds_.insert(id).second) {
    ++data_.duplicateEncounters;  // the same log given twice, or overlapping rotated files
    return;
  }
  EncounterEntry entry;
  entry.id = id;
  entry.device = deviceOf(record);
  entry.service = serviceOf(record);
  entry.start = start;
  entry.end = end;
  const json& duration = child(record, "duration_seconds");
  entry.durationSeconds = duration.is_number() ? duration.get<double>()
                                               : static_cast<double>(end.micros - start.micros) / 1e6;
  entry.kind = text(record, "kind");
  entry.media = text(record, "media");
  entry.confidence = text(record, "confidence");
  entry.flows = count(record, "flows");
  entry.bytesFromDevice = count(child(record, "from_device"), "bytes");
  entry.bytesToDevice = count(child(record, "to_device"), "bytes");
  entry.packetsFromDevice = count(child(record, "from_device"), "packets");
  entry.packetsToDevice = count(child(record, "to_device"), "packets");
  if (const json& remotes = child(record, "remote_addresses"); remotes.is_array()) {
    for (const auto& address : remotes) {
      if (address.is_string()) entry.remoteAddresses.push_back(address.get<std::string>());
    }
  }
  entry.remoteAddressesTruncated = child(record, "remote_addresses_truncated") == true;
  entry.evidenceTruncated = child(record, "evidence_truncated") == true;
  const json& policy = child(record, "policy");
  entry.policyRule = text(policy, "rule");
  entry.policyAction = text(policy, "action");
  entry.baaOnFile = startsWith(entry.policyRule, "baa_on_file");

  std::vector<RawEvidence> evidence = evidenceOf(record);
  entry.headline = encounterHeadline(entry.service, entry.kind, entry.media, evidence,
                                     entry.remoteAddresses);
  for (const auto& item : evidence) {
    entry.evidence.push_back(
        {describeEvidence(item, entry.service), item.confidence, item.reason, item.ruleId});
  }
  entry.assessmentRequired = assessmentRequired(entry);
  static const long long kTransitionFirstDay = dayNumber(*parseDate(kDiscretionEndDate)) + 1;
  static const long long kTransitionLastDay = dayNumber(*parseDate(kTransitionEndDate));
  long long startDay = dayNumber(start);
  entry.inTransitionPeriod = entry.assessmentRequired &&
                             startDay <= kTransitionLastDay &&
                             dayNumber(end) >= kTransitionFirstDay;

  ServiceSummary& service = serviceEntry(entry.service);
  ++service.encounters;
  if (entry.kind == "call") ++service.calls;
  if (entry.assessmentRequired) ++service.assessments;
  service.durationSeconds += entry.durationSeconds;
  service.bytes += entry.bytesFromDevice + entry.bytesToDevice;
  service.devices.insert(entry.device.id);
  if (entry.baaOnFile) service.baaOnFile = true;

  DeviceSummary& device = deviceEntry(entry.device, start, end);
  ++device.encounters;
  if (entry.assessmentRequired) ++device.assessments;
  device.serviceNames.insert(entry.service.name.empty() ? entry.service.id : entry.service.name);

  ++data_.daily[startDay][entry.service.id];

  if (entry.service.category == "visibility-loss" || entry.policyAction == "visibility") {
    std::string words;
    for (const auto& line : entry.evidence) words += (words.empty() ? "" : "; ") + line.words;
    data_.visibility.push_back(
        {entry.device, entry.service, start, end, entry.durationSeconds, words, entry.id});
  }
  data_.encounters.push_back(std::move(entry));
}

void ReportBuilder::addAlert(const json& record, Timestamp time) {
  DeviceRef deviceRef = deviceOf(record);
  ServiceRef serviceRef = serviceOf(record);
  ServiceSummary& service = serviceEntry(serviceRef);
  ++service.alerts;
  if (startsWith(text(child(record, "policy"), "rule"), "baa_on_file")) service.baaOnFile = true;
  DeviceSummary& device = deviceEntry(deviceRef, time, time);
  device.serviceNames.insert(serviceRef.name.empty() ? serviceRef.id : serviceRef.name);
  if (text(record, "event_type") == "visibility" || serviceRef.category == "visibility-loss") {
    std::string words;
    for (const auto& item : evidenceOf(record)) {
      words += (words.empty() ? "" : "; ") + describeEvidence(item, serviceRef);
    }
    pendingVisibility_.push_back({deviceRef, serviceRef, time, words});
  }
}

void ReportBuilder::addCounts(const json& record, Timestamp start, Timestamp end) {
  ServiceRef serviceRef = serviceOf(record);
  if (serviceRef.id.empty()) return;
  ServiceSummary& service = serviceEntry(serviceRef);
  service.flowsCounted += count(record, "flows_classified");
  DeviceRef deviceRef = deviceOf(record);
  if (deviceRef.id.empty() || deviceRef.id == "ip:") return;
  DeviceSummary& device = deviceEntry(deviceRef, start, end);
  device.serviceNames.insert(service.service.name.empty() ? serviceRef.id : service.service.name);
}

ReportData ReportBuilder::finish() {
  std::stable_sort(data_.encounters.begin(), data_.encounters.end(),
                   [](const EncounterEntry& a, const EncounterEntry& b) { return a.start < b.start; });
  // A `visibility` record whose encounter is in the log is already a period; one without (the
  // log ends before the encounter closed, or the record was cut out) is a period with a start.
  constexpr Microseconds kSlack = 1'000'000;
  for (auto& pending : pendingVisibility_) {
    bool covered = std::any_of(
        data_.visibility.begin(), data_.visibility.end(), [&](const VisibilityPeriod& period) {
          return !period.encounterId.empty() && period.device.id == pending.device.id &&
                 period.service.id == pending.service.id &&
                 period.start.micros - kSlack <= pending.time.micros &&
                 (!period.end || pending.time.micros <= period.end->micros + kSlack);
        });
    if (!covered) {
      data_.visibility.push_back({std::move(pending.device), std::move(pending.service),
                                  pending.time, std::nullopt, 0, std::move(pending.evidence), {}});
    }
  }
  pendingVisibility_.clear();
  std::stable_sort(data_.visibility.begin(), data_.visibility.end(),
                   [](const VisibilityPeriod& a, const VisibilityPeriod& b) { return a.start < b.start; });
  data_.assessmentsRequired = static_cast<std::uint64_t>(
      std::count_if(data_.encounters.begin(), data_.encounters.end(),
                    [](const EncounterEntry& entry) { return entry.assessmentRequired; }));
  return std::move(data_);
}

}  // namespace baawatch::report
