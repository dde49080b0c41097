#include "baawatch/sink/syslog_format.hpp"

#include <nlohmann/json.hpp>

#include "baawatch/record/record_text.hpp"

namespace baawatch::sink {
namespace {

using record::EventType;

// RFC 5424 §6.2.1 severities from the policy's severity words; records without one (encounters,
// counts, stats) are informational.
int syslogSeverity(const nlohmann::json& record) {
  auto it = record.find("severity");
  if (it == record.end() || !it->is_string()) return 6;
  const std::string& severity = it->get_ref<const std::string&>();
  if (severity == "critical") return 2;
  if (severity == "high") return 3;
  if (severity == "medium") return 4;
  if (severity == "low") return 5;
  return 6;
}

// Header fields are PRINTUSASCII without spaces (§6.2); anything else becomes '_', and an empty
// field is the NILVALUE.
std::string headerField(std::string_view text, std::size_t maxLength) {
  std::string out;
  for (char c : text.substr(0, maxLength)) out.push_back(c > 32 && c < 127 ? c : '_');
  return out.empty() ? "-" : out;
}

std::string stringAt(const nlohmann::json& record, const nlohmann::json::json_pointer& pointer) {
  if (!record.contains(pointer)) return {};
  const nlohmann::json& value = record.at(pointer);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return {};
}

// The fields a SIEM filters and correlates on, as SD-PARAMs. PARAM-NAMEs are at most 32
// characters (§6.3.3).
struct SdField {
  const char* name;
  const char* pointer;
};
constexpr SdField kSdFields[] = {
    {"record_id", "/record_id"},       {"event_type", "/event_type"},
    {"alert_id", "/alert_id"},         {"encounter_id", "/encounter_id"},
    {"service", "/service/id"},        {"service_name", "/service/name"},
    {"baa_status", "/service/baa_status"}, {"kind", "/kind"},
    {"severity", "/severity"},         {"confidence", "/confidence"},
    {"device", "/device/id"},          {"ip", "/device/ip"},
    {"mac", "/device/mac"},            {"host_name", "/device/host_name"},
    {"policy_rule", "/policy/rule"},   {"clinic", "/clinic"},
    {"sensor", "/sensor"},             {"site", "/site"},
    {"tenant", "/tenant"},
};

}  // namespace

std::string escapeSdParamValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string formatRfc5424(const nlohmann::json& record, EventType type,
                          const SyslogHeader& header, baawatch::record::RecordFormat format) {
  int priority = header.facility * 8 + syslogSeverity(record);
  std::string timestamp = stringAt(record, nlohmann::json::json_pointer("/timestamp"));
  std::string message = "<" + std::to_string(priority) + ">1 " + headerField(timestamp, 64) + " " +
                        headerField(header.hostName, 255) + " " +
                        headerField(header.appName, 48) + " " + std::to_string(header.procId) +
                        " " + headerField(baawatch::record::toString(type), 32) + " [" +
                        std::string(kSyslogSdId);
  for (const auto& field : kSdFields) {
    std::string value = stringAt(record, nlohmann::json::json_pointer(field.pointer));
    if (value.empty()) continue;
    message += " ";
    message += field.name;
    message += "=\"";
    message += escapeSdParamValue(value);
    message += "\"";
  }
  message += "] ";
  // MSG is the whole record as JSON (UTF-8 without BOM: §6.4 allows MSG-ANY, and a BOM in front
  // of JSON trips most SIEM parsers).
  // The same bytes as the file's line (without its chain): one serialisation for every output.
  message += baawatch::record::recordText(baawatch::record::inFormat(record, format));
  return message;
}

std::string frameOctetCounted(std::string_view message) {
  std::string frame = std::to_string(message.size());
  frame.push_back(' ');
  frame.append(message);
  return frame;
}

}  // namespace baawatch::sink
