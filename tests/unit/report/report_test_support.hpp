#pragma once
// Helpers for the report tests: JSON-lines records shaped like docs/output-schema.md, a
// scratch folder, and a small RFC 4180 CSV reader.
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace baawatch::report::testing {

struct DeviceSpec {
  std::string id, ip, mac, hostName, dhcpClientId;
};

inline nlohmann::json deviceJson(const DeviceSpec& device) {
  nlohmann::json json = {
      {"id", device.id},
      {"ip", device.ip},
      {"mac", device.mac.empty() ? nlohmann::json() : nlohmann::json(device.mac)},
      {"host_name", device.hostName.empty() ? nlohmann::json() : nlohmann::json(device.hostName)}};
  if (!device.dhcpClientId.empty()) json["dhcp_client_id"] = device.dhcpClientId;
  return json;
}

inline nlohmann::json serviceJson(const std::string& id) {
  static const std::map<std::string, nlohmann::json> kServices = {
      {"whatsapp", {{"id", "whatsapp"}, {"name", "WhatsApp"}, {"vendor", "Meta Platforms"},
                    {"category", "messaging"}, {"baa_status", "none"}}},
      {"facetime", {{"id", "facetime"}, {"name", "Apple FaceTime"}, {"vendor", "Apple"},
                    {"category", "video"}, {"baa_status", "none"}}},
      {"zoom", {{"id", "zoom"}, {"name", "Zoom"}, {"vendor", "Zoom Communications"},
                {"category", "video"}, {"baa_status", "available"}}},
      {"icloud-private-relay", {{"id", "icloud-private-relay"}, {"name", "iCloud Private Relay"},
                                {"vendor", "Apple"}, {"category", "visibility-loss"},
                                {"baa_status", "none"}}},
  };
  nlohmann::json service = kServices.at(id);
  service["baa_statement"] = "statement";
  service["baa_source"] = "https://example.org/";
  return service;
}

struct EncounterSpec {
  std::string id;
  DeviceSpec device;
  std::string service;
  std::string start, end;  // RFC 3339
  double duration = 0;
  std::string kind = "call";
  std::string action = "alert";
  std::string rule = "no_baa.video";
  std::uint64_t bytesFrom = 1000, bytesTo = 2000;
  nlohmann::json evidence = nlohmann::json::array();
};

inline nlohmann::json encounterJson(const EncounterSpec& spec) {
  return {{"event_type", "encounter"},
          {"schema_version", 1},
          {"timestamp", spec.end},
          {"sensor", "test-sensor"},
          {"encounter_id", spec.id},
          {"device", deviceJson(spec.device)},
          {"service", serviceJson(spec.service)},
          {"start", spec.start},
          {"end", spec.end},
          {"duration_seconds", spec.duration},
          {"kind", spec.kind},
          {"confidence", "high"},
          {"flows", 2},
          {"from_device", {{"packets", 10}, {"bytes", spec.bytesFrom}, {"payload_bytes", 500}}},
          {"to_device", {{"packets", 20}, {"bytes", spec.bytesTo}, {"payload_bytes", 900}}},
          {"remote_addresses", {"157.240.229.60"}},
          {"remote_addresses_truncated", false},
          {"evidence", spec.evidence},
          {"evidence_truncated", false},
          {"alerts", 1},
          {"policy", {{"rule", spec.rule}, {"action", spec.action}, {"version", "policy-v1"}}}};
}

inline nlohmann::json evidenceJson(const std::string& rule, const std::string& field,
                                   const std::string& value) {
  return {{"rule_id", rule}, {"field", field}, {"value", value},
          {"packet_time", "2025-03-10T09:00:00.000000Z"}, {"confidence", "high"},
          {"reason", "because the signature says so"}};
}

// A fresh folder under the system temp dir, removed with the object.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    path_ = std::filesystem::temp_directory_path() /
            ("baawatch-report-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void writeLines(const std::string& file, const std::vector<std::string>& lines) {
  std::ofstream out(file);
  for (const auto& line : lines) out << line << "\n";
}

inline std::string readText(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

using CsvRow = std::map<std::string, std::string>;

// RFC 4180: quoted fields, doubled quotes, CRLF or LF rows. The first row names the columns.
inline std::vector<CsvRow> readCsv(const std::string& file) {
  std::string text = readText(file);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
    } else {
      field += c;
    }
  }
  std::vector<CsvRow> result;
  if (rows.empty()) return result;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    CsvRow named;
    for (std::size_t c = 0; c < rows[0].size() && c < rows[r].size(); ++c) named[rows[0][c]] = rows[r][c];
    result.push_back(named);
  }
  return result;
}

}  // namespace baawatch::report::testing
