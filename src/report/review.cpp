#include "baawatch/report/review.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/report/report_data.hpp"
#include "baawatch/report/time_format.hpp"

namespace baawatch::report {
namespace {

using nlohmann::json;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trimmed(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::string at(const std::string& file, std::uint64_t line, const std::string& field,
               const std::string& why) {
  return file + ":" + std::to_string(line) + ": " + (field.empty() ? "" : field + ": ") + why;
}

// One CSV record (RFC 4180: quoted fields, doubled quotes); false when a quote is left open.
bool splitCsv(const std::string& line, std::vector<std::string>& fields) {
  fields.assign(1, std::string());
  bool quoted = false;
  for (std::size_t index = 0; index < line.size(); ++index) {
    char c = line[index];
    if (quoted) {
      if (c == '"' && index + 1 < line.size() && line[index + 1] == '"') {
        fields.back().push_back('"');
        ++index;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return !quoted;
}

bool isMacText(const std::string& text) {
  if (text.size() != 17) return false;
  for (std::size_t index = 0; index < text.size(); ++index) {
    char c = text[index];
    if (index % 3 == 2) {
      if (c != ':' && c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::optional<Timestamp> day(const json& record, const char* key) {
  auto found = record.find(key);
  if (found == record.end() || !found->is_string()) return std::nullopt;
  const auto& text = found->get_ref<const std::string&>();
  if (text.size() != 10) return std::nullopt;
  return parseDate(text);
}

}  // namespace

std::string_view toString(ReviewDecision decision) {
  return decision == ReviewDecision::kBreach ? "breach" : "low_probability";
}

std::optional<ReviewDecision> parseReviewDecision(std::string_view text) {
  if (text == "breach") return ReviewDecision::kBreach;
  if (text == "low_probability" || text == "low-probability") return ReviewDecision::kLowProbability;
  return std::nullopt;
}

DispositionsLoad loadDispositions(const std::string& path) {
  DispositionsLoad load;
  load.dispositions.file = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    load.error = path + ": cannot read the dispositions file";
    return load;
  }
  std::string text;
  std::uint64_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (trimmed(text).empty()) continue;
    json record = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object()) {
      load.error = at(path, number, "", "not a JSON object (one decision per line)");
      return load;
    }
    Disposition disposition;
    disposition.line = number;
    auto textField = [&](const char* key, std::string& into) {
      auto found = record.find(key);
      if (found == record.end() || !found->is_string() || trimmed(found->get<std::string>()).empty()) {
        load.error = at(path, number, key, "missing or empty (a text is required)");
        return false;
      }
      into = trimmed(found->get<std::string>());
      return true;
    };
    std::string decision;
    if (!textField("encounter_id", disposition.encounterId) ||
        !textField("reviewer", disposition.reviewer) || !textField("decision", decision) ||
        !textField("reasons", disposition.reasons))
      return load;
    auto parsed = parseReviewDecision(decision);
    if (!parsed) {
      load.error = at(path, number, "decision",
                      "'" + decision + "' is not a decision (expected low_probability or breach)");
      return load;
    }
    disposition.decision = *parsed;
    auto date = day(record, "date");
    if (!date) {
      load.error = at(path, number, "date", "missing or not a day (YYYY-MM-DD)");
      return load;
    }
    disposition.date = *date;
    if (record.contains("discovered") && !record["discovered"].is_null()) {
      disposition.discovered = day(record, "discovered");
      if (!disposition.discovered) {
        load.error = at(path, number, "discovered", "not a day (YYYY-MM-DD)");
        return load;
      }
    }
    ++load.dispositions.decisions;
    load.dispositions.byEncounter[disposition.encounterId] = std::move(disposition);
  }
  if (in.bad()) load.error = path + ": read error";
  return load;
}

std::string dispositionLine(const Disposition& disposition) {
  json record = {{"encounter_id", disposition.encounterId},
                 {"reviewer", disposition.reviewer},
                 {"date", formatIsoDay(dayNumber(disposition.date))},
                 {"decision", std::string(toString(disposition.decision))},
                 {"reasons", disposition.reasons}};
  if (disposition.discovered) record["discovered"] = formatIsoDay(dayNumber(*disposition.discovered));
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

Timestamp notificationDeadline(Timestamp discovered) {
  return dayStart(dayNumber(discovered) + 60);
}

std::string DeviceOwner::words() const { return role.empty() ? person : person + " (" + role + ")"; }

const DeviceOwner* DeviceOwners::find(const std::string& mac, const std::string& hostName) const {
  if (!mac.empty()) {
    std::string key = lower(mac);
    std::replace(key.begin(), key.end(), '-', ':');
    if (auto found = byMac.find(key); found != byMac.end()) return &found->second;
  }
  if (!hostName.empty()) {
    if (auto found = byHostName.find(lower(hostName)); found != byHostName.end()) return &found->second;
  }
  return nullptr;
}

DeviceOwnersLoad loadDeviceOwners(const std::string& path) {
  DeviceOwnersLoad load;
  load.owners.file = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    load.error = path + ": cannot read the device owners file";
    return load;
  }
  std::string text;
  std::uint64_t number = 0;
  std::vector<std::string> fields;
  bool header = false;
  while (std::getline(in, text)) {
    ++number;
    if (trimmed(text).empty()) continue;
    if (!splitCsv(text, fields)) {
      load.error = at(path, number, "", "a quoted field is not closed");
      return load;
    }
    for (auto& field : fields) field = trimmed(field);
    if (!header) {
      if (fields.size() < 2 || lower(fields[0]) != "device" || lower(fields[1]) != "person" ||
          (fields.size() > 2 && lower(fields[2]) != "role") || fields.size() > 3) {
        load.error = at(path, number, "", "the first line must be the header device,person,role");
        return load;
      }
      header = true;
      continue;
    }
    if (fields.size() < 2 || fields.size() > 3) {
      load.error = at(path, number, "", "expected device,person,role (" +
                                            std::to_string(fields.size()) + " fields)");
      return load;
    }
    if (fields[0].empty()) {
      load.error = at(path, number, "device", "empty (a MAC address or a host name)");
      return load;
    }
    if (fields[1].empty()) {
      load.error = at(path, number, "person", "empty");
      return load;
    }
    DeviceOwner owner{fields[1], fields.size() > 2 ? fields[2] : std::string(), number};
    std::string key = lower(fields[0]);
    auto& map = isMacText(key) ? load.owners.byMac : load.owners.byHostName;
    if (isMacText(key)) std::replace(key.begin(), key.end(), '-', ':');
    if (auto known = map.find(key); known != map.end()) {
      load.error = at(path, number, "device", "'" + fields[0] + "' is already named on line " +
                                                  std::to_string(known->second.line));
      return load;
    }
    map.emplace(key, std::move(owner));
  }
  if (!header) load.error = path + ":1: empty (the header device,person,role is required)";
  return load;
}

bool isPrivateMac(const std::string& mac) {
  if (mac.size() < 2 || !std::isxdigit(static_cast<unsigned char>(mac[1]))) return false;
  int second = std::stoi(mac.substr(1, 1), nullptr, 16);
  return (second & 0x2) != 0;
}

namespace {

// Devices that share a key are one device whose address rotated, as long as no two of them were
// seen at the same time (two phones both called "iPhone" are). The keys, in order: a stable DHCP
// client identifier (option 61 other than the MAC itself: it stays across private addresses), then
// for private MACs the host name.
struct JoinKey {
  const char* what;                                    // "the DHCP client id", "the host name"
  std::string (*of)(const DeviceSummary& summary);     // empty: the device does not take part
  std::string (*shown)(const DeviceSummary& summary);  // the key as the report writes it
};

void joinByKey(ReportData& data, const JoinKey& key) {
  std::map<std::string, std::vector<std::string>> byKey;  // key value -> device ids
  for (const auto& [id, summary] : data.devices) {
    std::string value = key.of(summary);
    if (value.empty() || !summary.firstSeen || !summary.lastSeen) continue;
    byKey[value].push_back(id);
  }
  for (auto& [value, ids] : byKey) {
    if (ids.size() < 2) continue;
    std::sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
      return *data.devices[a].firstSeen < *data.devices[b].firstSeen;
    });
    bool apart = true;
    for (std::size_t index = 1; index < ids.size(); ++index)
      apart = apart && *data.devices[ids[index - 1]].lastSeen < *data.devices[ids[index]].firstSeen;
    if (!apart) continue;
    const std::string keep = ids.back();  // the latest address names the device
    DeviceSummary& into = data.devices[keep];
    // Every address of the joined devices, oldest first (a device joined before brings its own).
    std::vector<std::string> macs;
    for (const auto& id : ids) {
      const DeviceSummary& from = data.devices[id];
      if (from.joinedMacs.empty())
        macs.push_back(from.device.mac);
      else
        macs.insert(macs.end(), from.joinedMacs.begin(), from.joinedMacs.end());
    }
    into.joinedMacs = std::move(macs);
    into.joinedBy = std::string(key.what) + " " + key.shown(into);
    for (std::size_t index = 0; index + 1 < ids.size(); ++index) {
      DeviceSummary& from = data.devices[ids[index]];
      for (const auto& address : from.addresses) {
        if (into.addresses.size() < kMaxAddressesPerDevice) {
          into.addresses.insert(address);
        } else if (!into.addresses.count(address)) {
          into.addressesTruncated = true;
        }
      }
      into.addressesTruncated = into.addressesTruncated || from.addressesTruncated;
      into.serviceNames.insert(from.serviceNames.begin(), from.serviceNames.end());
      into.encounters += from.encounters;
      into.assessments += from.assessments;
      into.firstSeen = std::min(*into.firstSeen, *from.firstSeen);
      for (auto& [serviceId, service] : data.services) {
        if (service.devices.erase(ids[index]) != 0) service.devices.insert(keep);
      }
      data.devices.erase(ids[index]);
      ++data.joinedDevices;
    }
  }
}

void joinPrivateAddresses(ReportData& data) {
  auto clientId = [](const DeviceSummary& summary) { return summary.device.dhcpClientId; };
  joinByKey(data, {"the DHCP client id", clientId, clientId});
  joinByKey(data, {"the host name",
                   [](const DeviceSummary& summary) {
                     if (summary.device.hostName.empty() || !isPrivateMac(summary.device.mac))
                       return std::string();
                     return lower(summary.device.hostName);
                   },
                   [](const DeviceSummary& summary) { return summary.device.hostName; }});
}

int rank(const EncounterEntry& entry) {
  if (entry.open()) return 0;
  return entry.assessmentRequired ? 1 : 2;
}

}  // namespace

void applyReview(ReportData& data, const Dispositions* dispositions, const DeviceOwners* owners) {
  joinPrivateAddresses(data);
  if (owners != nullptr) {
    data.ownersFile = owners->file;
    for (auto& [id, summary] : data.devices) {
      const DeviceOwner* owner = owners->find(summary.device.mac, summary.device.hostName);
      for (std::size_t index = 0; owner == nullptr && index < summary.joinedMacs.size(); ++index)
        owner = owners->find(summary.joinedMacs[index], {});
      if (owner != nullptr) summary.owner = owner->words();
    }
    for (auto& entry : data.encounters) {
      const DeviceOwner* owner = owners->find(entry.device.mac, entry.device.hostName);
      if (owner != nullptr) entry.owner = owner->words();
    }
  }
  std::set<std::string> matched;
  if (dispositions != nullptr) data.dispositionsFile = dispositions->file;
  for (auto& entry : data.encounters) {
    if (dispositions == nullptr || entry.id.empty()) continue;
    auto found = dispositions->byEncounter.find(entry.id);
    if (found == dispositions->byEncounter.end()) continue;
    matched.insert(entry.id);
    entry.disposition = found->second;
    if (found->second.decision == ReviewDecision::kBreach) {
      entry.discovered = found->second.discovered.value_or(dayStart(dayNumber(entry.start)));
      entry.notifyBy = notificationDeadline(*entry.discovered);
    }
  }
  if (dispositions != nullptr) {
    for (const auto& [id, disposition] : dispositions->byEncounter)
      if (!matched.count(id)) data.unmatchedDispositions.push_back(id);
  }
  data.decided = data.open = data.breaches = 0;
  for (const auto& entry : data.encounters) {
    if (entry.open()) ++data.open;
    if (entry.assessmentRequired && entry.disposition) ++data.decided;
    if (entry.disposition && entry.disposition->decision == ReviewDecision::kBreach) ++data.breaches;
  }
  std::stable_sort(data.encounters.begin(), data.encounters.end(),
                   [](const EncounterEntry& a, const EncounterEntry& b) { return rank(a) < rank(b); });
}

}  // namespace baawatch::report
