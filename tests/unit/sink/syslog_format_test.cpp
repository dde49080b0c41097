#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "baawatch/sink/syslog_sink.hpp"

namespace baawatch::sink {
namespace {

nlohmann::json alertRecord() {
  return nlohmann::json{
      {"event_type", "alert"},
      {"schema_version", 1},
      {"timestamp", "2024-05-01T10:00:00.123456Z"},
      {"sensor", "gw1"},
      {"record_id", "gw1:00000000000000ff:7"},
      {"alert_id", "mac:5a:3c:9e:41:07:2d|whatsapp|whatsapp.names"},
      {"severity", "high"},
      {"confidence", "high"},
      {"kind", "call"},
      {"service", {{"id", "whatsapp"}, {"name", "WhatsApp"}, {"baa_status", "none"}}},
      {"device",
       {{"id", "mac:5a:3c:9e:41:07:2d"}, {"ip", "192.168.1.37"}, {"host_name", "dr \"lee\"]\\"}}},
  };
}

SyslogHeader header(int procId) {
  SyslogHeader header;
  header.facility = 20;  // local4
  header.appName = "baawatch";
  header.hostName = "gw1";
  header.procId = procId;
  return header;
}

TEST(SyslogFormat, EscapesSdParamValuesPerRfc5424) {
  EXPECT_EQ(escapeSdParamValue(R"(a"b\c]d)"), R"(a\"b\\c\]d)");
  EXPECT_EQ(escapeSdParamValue("plain [x] ok"), "plain [x\\] ok");
  EXPECT_EQ(escapeSdParamValue(""), "");
}

TEST(SyslogFormat, HeaderCarriesPriorityTimestampHostAppAndEventTypeAsMsgid) {
  std::string message = formatRfc5424(alertRecord(), record::EventType::kAlert, header(4242));
  // local4 (20) * 8 + err (3, from severity high) = 163.
  EXPECT_EQ(message.rfind("<163>1 2024-05-01T10:00:00.123456Z gw1 baawatch 4242 alert [baawatch@32473 ", 0),
            0u)
      << message;
}

TEST(SyslogFormat, StructuredDataHoldsKeyFieldsEscapedAndMsgIsTheJsonRecord) {
  std::string message = formatRfc5424(alertRecord(), record::EventType::kAlert, header(1));
  EXPECT_NE(message.find(R"(record_id="gw1:00000000000000ff:7")"), std::string::npos);
  EXPECT_NE(message.find(R"(service="whatsapp")"), std::string::npos);
  EXPECT_NE(message.find(R"(ip="192.168.1.37")"), std::string::npos);
  EXPECT_NE(message.find(R"(host_name="dr \"lee\"\]\\")"), std::string::npos) << message;
  // Fields the record lacks are left out, never written empty.
  EXPECT_EQ(message.find("mac="), std::string::npos);
  EXPECT_EQ(message.find("encounter_id="), std::string::npos);
  std::size_t end = message.find("] {");
  ASSERT_NE(end, std::string::npos);
  nlohmann::json body = nlohmann::json::parse(message.substr(end + 2));
  EXPECT_EQ(body, alertRecord());
}

TEST(SyslogFormat, RecordsWithoutSeverityAreInformationalAndEmptyFieldsAreNil) {
  nlohmann::json encounter{{"event_type", "encounter"}, {"encounter_id", "enc-1"}, {"timestamp", "2024-05-01T10:00:00Z"}};
  SyslogHeader opts = header(9);
  opts.hostName = "";
  opts.facility = 16;  // local0
  std::string message = formatRfc5424(encounter, record::EventType::kEncounter, opts);
  EXPECT_EQ(message.rfind("<134>1 2024-05-01T10:00:00Z - baawatch 9 encounter [baawatch@32473 ", 0), 0u)
      << message;
  EXPECT_NE(message.find(R"(encounter_id="enc-1")"), std::string::npos);
}

// One SIEM for many clinics tells them apart by the structured data alone (docs/gateway.md,
// "Many clinics, one SIEM"): sensor, site and tenant are there whenever the record has them.
TEST(SyslogFormat, StructuredDataNamesSensorSiteAndTenant) {
  nlohmann::json record = alertRecord();
  record["site"] = "Main Street \"East\"";
  record["tenant"] = "acme-health";
  std::string message = formatRfc5424(record, record::EventType::kAlert, header(1));
  std::string sd = message.substr(0, message.find("] {") + 1);
  EXPECT_NE(sd.find(R"( sensor="gw1")"), std::string::npos) << sd;
  EXPECT_NE(sd.find(R"( site="Main Street \"East\"")"), std::string::npos) << sd;
  EXPECT_NE(sd.find(R"( tenant="acme-health")"), std::string::npos) << sd;

  record.erase("tenant");
  message = formatRfc5424(record, record::EventType::kAlert, header(1));
  sd = message.substr(0, message.find("] {") + 1);
  EXPECT_EQ(sd.find("tenant="), std::string::npos) << "no tenant configured, none sent: " << sd;
}

TEST(SyslogFormat, OctetCountingFrameCountsBytesNotCharacters) {
  EXPECT_EQ(frameOctetCounted("abc"), "3 abc");
  // "é" is two bytes in UTF-8 (RFC 6587 §3.4.1 counts octets).
  EXPECT_EQ(frameOctetCounted("\xc3\xa9"), "2 \xc3\xa9");
}

}  // namespace
}  // namespace baawatch::sink
