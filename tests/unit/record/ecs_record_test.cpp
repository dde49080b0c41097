#include "baawatch/record/ecs_record.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/report/ecs_input.hpp"
#include "unit/fixtures/sample_records.hpp"

namespace baawatch::record {
namespace {

using nlohmann::json;
using namespace baawatch::testing::records;

struct EcsField {
  std::string type;
  bool array = false;
};

// tests/unit/record/ecs_field_types.txt: the ECS 8.x types of the fields we write.
std::map<std::string, EcsField> ecsFieldTypes() {
  std::ifstream in(std::string(BAAWATCH_SOURCE_DIR) + "/tests/unit/record/ecs_field_types.txt");
  EXPECT_TRUE(in) << "ecs_field_types.txt not found";
  std::map<std::string, EcsField> fields;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string name, type, array;
    words >> name >> type >> array;
    fields[name] = EcsField{type, array == "array"};
  }
  return fields;
}

bool fitsType(const json& value, const std::string& type) {
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  if (type == "keyword") return value.is_string();
  if (type == "long") return value.is_number_integer();
  if (type == "float") return value.is_number();
  if (type == "ip") return value.is_string() && IpAddress::parse(value.get<std::string>()).has_value();
  if (type == "date") return value.is_string() && std::regex_match(value.get<std::string>(), kDate);
  return false;
}

// Every leaf outside `baawatch.` as a dotted name (arrays of scalars are one leaf).
void flatten(const json& value, const std::string& prefix, std::map<std::string, json>& out) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      std::string name = prefix.empty() ? key : prefix + "." + key;
      if (name == "baawatch") continue;
      flatten(item, name, out);
    }
    return;
  }
  out[prefix] = value;
}

// One record of every type, as the default format writes them.
std::vector<json> everyRecord() {
  const RecordBuilder b = builder();
  Counters counters;
  counters.add("capture.packets", 12);
  policy::Decision visibility = alertDecision();
  visibility.action = policy::Action::kVisibility;
  classify::FlowFacts facts;
  facts.verdict = verdict();
  facts.tlsServerName = "g.whatsapp.net";
  std::vector<json> records = {
      b.decision(sampleFlow(), verdict(), device(), alertDecision(), kTime),
      b.decision(sampleFlow(), verdict(), device(), visibility, kTime),
      b.encounter(encounter()),
      b.counts(counts()),
      b.flow(sampleFlow(), &facts, flow::FlowEndReason::kIdle, kTime),
      b.stats(counters, kTime, true)};
  for (json& record : records) record["record_id"] = "sensor-1:0123456789abcdef:1";
  return records;
}

std::vector<json> everyRecordInEcs() {
  std::vector<json> ecs;
  for (const json& record : everyRecord()) ecs.push_back(toEcs(record));
  return ecs;
}

// The report reads logs of either format (baawatch/report/ecs_input.hpp): every record comes
// back from its ECS form exactly as the default format wrote it.
TEST(EcsRecordTest, TheReportReadsEveryRecordBackFromItsEcsForm) {
  for (const json& record : everyRecord()) {
    json ecs = toEcs(record);
    ASSERT_TRUE(report::isEcsRecord(ecs)) << ecs.dump();
    EXPECT_EQ(report::fromEcs(ecs), record) << record.value("event_type", "");
    EXPECT_FALSE(report::isEcsRecord(record));
    EXPECT_EQ(report::fromEcs(record), record) << "a default record passes unchanged";
  }
  json flowOnVlan = everyRecord()[4];
  ASSERT_EQ(flowOnVlan.at("event_type"), "flow");
  flowOnVlan["vlan"] = 120;
  flowOnVlan["protocol"] = "icmpv6";
  EXPECT_EQ(report::fromEcs(toEcs(flowOnVlan)), flowOnVlan);
}

TEST(EcsRecordTest, EveryFieldOutsideOurPrefixIsAnEcsFieldOfItsType) {
  const auto types = ecsFieldTypes();
  ASSERT_FALSE(types.empty());
  for (const json& record : everyRecordInEcs()) {
    std::map<std::string, json> leaves;
    flatten(record, "", leaves);
    for (const auto& [name, value] : leaves) {
      auto field = types.find(name);
      ASSERT_NE(field, types.end()) << name << " is not an ECS field we know: " << record.dump();
      if (value.is_array()) {
        EXPECT_TRUE(field->second.array) << name << " is not an array field in ECS";
        for (const json& item : value) {
          EXPECT_TRUE(fitsType(item, field->second.type)) << name << ": " << item.dump();
        }
      } else {
        EXPECT_TRUE(fitsType(value, field->second.type))
            << name << " (" << field->second.type << "): " << value.dump();
      }
    }
  }
}

TEST(EcsRecordTest, AlertCarriesTheEcsCorePlusOurOwnFieldsUnderOnePrefix) {
  const json alert = everyRecordInEcs()[0];
  EXPECT_EQ(alert.at("@timestamp"), "2023-11-14T22:13:20.250000Z");
  EXPECT_EQ(alert.at("event").at("kind"), "alert");
  EXPECT_EQ(alert.at("event").at("category"), json::array({"network"}));
  EXPECT_EQ(alert.at("event").at("action"), "alert");
  EXPECT_EQ(alert.at("event").at("id"), "sensor-1:0123456789abcdef:1");
  EXPECT_EQ(alert.at("event").at("severity"), 4);
  EXPECT_EQ(alert.at("source").at("ip"), "192.168.1.42");
  EXPECT_EQ(alert.at("source").at("port"), 51000);
  EXPECT_EQ(alert.at("destination").at("ip"), "157.240.1.53");
  EXPECT_EQ(alert.at("destination").at("port"), 443);
  EXPECT_EQ(alert.at("network").at("transport"), "tcp");
  EXPECT_EQ(alert.at("network").at("vlan").at("id"), "30");
  EXPECT_EQ(alert.at("network").at("community_id").get<std::string>().rfind("1:", 0), 0u);
  EXPECT_EQ(alert.at("observer").at("hostname"), "sensor-1");
  EXPECT_EQ(alert.at("host").at("mac"), json::array({"3C-22-FB-12-34-56"}));
  EXPECT_EQ(alert.at("host").at("hostname"), "Dr-Lee-iPhone");
  EXPECT_EQ(alert.at("rule").at("id"), "no_baa.messaging");
  // Ours, under one prefix, with the default format's names; nothing of ours at the top.
  EXPECT_EQ(alert.at("baawatch").at("service").at("id"), "whatsapp");
  EXPECT_EQ(alert.at("baawatch").at("flow_id"), sampleFlowId());
  EXPECT_EQ(alert.at("baawatch").at("clinic"), "Main St Clinic");
  for (const auto& [key, value] : alert.items()) {
    static const std::vector<std::string> kTop = {"@timestamp", "ecs",     "event", "source",
                                                  "destination", "network", "observer", "host",
                                                  "rule",       "tls",     "baawatch"};
    EXPECT_NE(std::find(kTop.begin(), kTop.end(), key), kTop.end()) << key;
  }
}

TEST(EcsRecordTest, FlowRecordHasEndpointsBytesAndDuration) {
  const json flow = everyRecordInEcs()[4];
  EXPECT_EQ(flow.at("event").at("type"), json::array({"connection", "end"}));
  EXPECT_EQ(flow.at("source").at("bytes"), 1000);
  EXPECT_EQ(flow.at("destination").at("packets"), 20);
  EXPECT_EQ(flow.at("event").at("duration"), 12500000000);
  EXPECT_EQ(flow.at("tls").at("client").at("server_name"), "g.whatsapp.net");
  EXPECT_FALSE(flow.at("baawatch").contains("client_ip"));  // moved to source.ip, not doubled
}

}  // namespace
}  // namespace baawatch::record
