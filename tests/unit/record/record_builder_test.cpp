#include "baawatch/record/record_builder.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/fixtures/sample_records.hpp"

namespace baawatch::record {
namespace {

using nlohmann::json;
using namespace baawatch::testing::records;

// ---- Every record ---------------------------------------------------------------------------

const std::regex kRfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");

struct HeaderCase {
  std::string eventType;
  json record;
};

std::vector<HeaderCase> everyRecord() {
  const RecordBuilder b = builder();
  Counters counters;
  counters.add("capture.packets", 12);
  policy::Decision visibility = alertDecision();
  visibility.action = policy::Action::kVisibility;
  classify::FlowFacts facts;
  facts.verdict = verdict();
  return {
      {"alert", b.decision(sampleFlow(), verdict(), device(), alertDecision(), kTime)},
      {"visibility", b.decision(sampleFlow(), verdict(), device(), visibility, kTime)},
      {"encounter", b.encounter(encounter())},
      {"counts", b.counts(counts())},
      {"flow", b.flow(sampleFlow(), &facts, flow::FlowEndReason::kIdle, kTime)},
      {"flow", b.flow(sampleFlow(), nullptr, flow::FlowEndReason::kShutdown, kTime)},
      {"stats", b.stats(counters, kTime, true)},
  };
}

bool snakeCaseKeys(const json& value, std::string& bad, bool freeKeys = false) {
  static const std::regex kSnake("[a-z][a-z0-9_]*");
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (!freeKeys && !std::regex_match(key, kSnake)) {
        bad = key;
        return false;
      }
      // Counter names are dotted by design (STYLE.md §11).
      if (!snakeCaseKeys(item, bad, key == "counters")) return false;
    }
  } else if (value.is_array()) {
    for (const auto& item : value)
      if (!snakeCaseKeys(item, bad)) return false;
  }
  return true;
}

TEST(RecordBuilderTest, EveryRecordHasTheHeader) {
  for (const HeaderCase& c : everyRecord()) {
    SCOPED_TRACE(c.record.dump());
    EXPECT_EQ(c.record.at("event_type"), c.eventType);
    EXPECT_EQ(c.record.at("schema_version"), 1);
    const std::string timestamp = c.record.at("timestamp");
    EXPECT_TRUE(std::regex_match(timestamp, kRfc3339)) << timestamp;
    EXPECT_EQ(c.record.at("sensor"), "sensor-1");
    EXPECT_EQ(c.record.at("clinic"), "Main St Clinic");
    std::string bad;
    EXPECT_TRUE(snakeCaseKeys(c.record, bad)) << "key not lower snake_case: " << bad;
  }
}

TEST(RecordBuilderTest, TimestampIsTheEventTime) {
  const json alert = builder().decision(sampleFlow(), verdict(), device(), alertDecision(), kTime);
  EXPECT_EQ(alert.at("timestamp"), "2023-11-14T22:13:20.250000Z");
  EXPECT_EQ(builder().encounter(encounter()).at("timestamp"), "2023-11-14T22:14:50.000000Z");
  EXPECT_EQ(builder().counts(counts()).at("timestamp"), "2023-11-14T22:15:00.000000Z");
}

TEST(RecordBuilderTest, NoClinicKeyWhenUnset) {
  RecordBuilder b(RecordContext{.sensor = "sensor-1", .policyVersion = "p", .signaturesVersion = "s",
                                .runId = "0123456789abcdef"});
  EXPECT_FALSE(b.stats(Counters{}, kTime, false).contains("clinic"));
}

// ---- Alert ----------------------------------------------------------------------------------

TEST(RecordBuilderTest, AlertCarriesDeviceServiceEvidenceFlowAndPolicy) {
  const json r = builder().decision(sampleFlow(), verdict(), device(), alertDecision(), kTime);
  EXPECT_EQ(r.at("alert_id"), "mac:3c:22:fb:12:34:56|whatsapp|whatsapp.names");
  EXPECT_EQ(r.at("confidence"), "high");
  EXPECT_EQ(r.at("severity"), "high");
  EXPECT_EQ(r.at("kind"), "call");
  EXPECT_EQ(r.at("signatures_version"), "sigs-v1");

  const json& d = r.at("device");
  EXPECT_EQ(d.at("id"), "mac:3c:22:fb:12:34:56");
  EXPECT_EQ(d.at("ip"), "192.168.1.42");
  EXPECT_EQ(d.at("mac"), "3c:22:fb:12:34:56");
  EXPECT_EQ(d.at("host_name"), "Dr-Lee-iPhone");
  EXPECT_EQ(d.at("host_name_source"), "dhcp");

  const json& s = r.at("service");
  EXPECT_EQ(s.at("id"), "whatsapp");
  EXPECT_EQ(s.at("name"), "WhatsApp");
  EXPECT_EQ(s.at("vendor"), "Meta Platforms");
  EXPECT_EQ(s.at("category"), "messaging");
  EXPECT_EQ(s.at("baa_status"), "none");
  EXPECT_EQ(s.at("baa_statement"), "Meta offers no BAA for WhatsApp.");
  EXPECT_EQ(s.at("baa_source"), "https://example.com/whatsapp-baa");

  const json& evidence = r.at("evidence");
  ASSERT_TRUE(evidence.is_array());
  ASSERT_EQ(evidence.size(), 2u);
  EXPECT_EQ(evidence[0].at("rule_id"), "whatsapp.names");
  EXPECT_EQ(evidence[0].at("field"), "tls.sni");
  EXPECT_EQ(evidence[0].at("value"), "g.whatsapp.net");
  EXPECT_EQ(evidence[0].at("packet_time"), "2023-11-14T22:13:20.100000Z");
  EXPECT_EQ(evidence[0].at("confidence"), "high");
  EXPECT_EQ(evidence[0].at("reason"), "WhatsApp's own domain.");
  EXPECT_EQ(evidence[1].at("rule_id"), "whatsapp.call-ndpi");
  EXPECT_EQ(evidence[1].at("field"), "ndpi.protocol");
  EXPECT_EQ(evidence[1].at("value"), "WhatsAppCall");

  // The alert joins its flow record and the same flow in Zeek or Suricata (Community ID of
  // 192.168.1.42:51000 -> 157.240.1.53:443/tcp, computed with the spec's reference steps).
  EXPECT_EQ(r.at("flow_id"), sampleFlowId());
  EXPECT_EQ(r.at("community_id"), "1:f4P5HDiuQY4aLihE9Yq4rEYFXug=");
  const json& f = r.at("flow");
  EXPECT_EQ(f.at("client_ip"), "192.168.1.42");
  EXPECT_EQ(f.at("client_port"), 51000);
  EXPECT_EQ(f.at("server_ip"), "157.240.1.53");
  EXPECT_EQ(f.at("server_port"), 443);
  EXPECT_EQ(f.at("protocol"), "tcp");
  EXPECT_EQ(f.at("vlan"), 30);
  EXPECT_EQ(f.at("first_seen"), "2023-11-14T22:13:20.000000Z");

  const json& p = r.at("policy");
  EXPECT_EQ(p.at("rule"), "no_baa.messaging");
  EXPECT_EQ(p.at("action"), "alert");
  EXPECT_EQ(p.at("reason"), "Meta Platforms offers no BAA for WhatsApp");
  EXPECT_EQ(p.at("version"), "policy-v1");
}

TEST(RecordBuilderTest, UnknownHostNameAndMacAreNull) {
  inventory::Device d;
  d.id = "ip:192.168.1.42";
  d.ip = ip("192.168.1.42");
  const json j = RecordBuilder::device(d);
  EXPECT_TRUE(j.at("mac").is_null());
  EXPECT_TRUE(j.at("host_name").is_null());
  EXPECT_FALSE(j.contains("host_name_source"));
  EXPECT_FALSE(j.contains("dhcp_client_id"));
  EXPECT_EQ(j.at("id"), "ip:192.168.1.42");
}

TEST(RecordBuilderTest, AStableDhcpClientIdIsWritten) {
  inventory::Device d;
  d.id = "mac:5a:00:00:00:00:11";
  d.ip = ip("192.168.1.31");
  d.dhcpClientId = "ff:00:00:00:01:00:01:2a:3b";
  EXPECT_EQ(RecordBuilder::device(d).at("dhcp_client_id"), "ff:00:00:00:01:00:01:2a:3b");
}

// ---- Other records --------------------------------------------------------------------------

TEST(RecordBuilderTest, EncounterRecord) {
  const json r = builder().encounter(encounter());
  EXPECT_EQ(r.at("encounter_id"), "0123456789abcdef");
  EXPECT_EQ(r.at("start"), "2023-11-14T22:13:20.000000Z");
  EXPECT_EQ(r.at("end"), "2023-11-14T22:14:50.000000Z");
  EXPECT_DOUBLE_EQ(r.at("duration_seconds").get<double>(), 90.0);
  EXPECT_EQ(r.at("flows"), 3);
  EXPECT_EQ(r.at("from_device").at("bytes"), 1000);
  EXPECT_EQ(r.at("to_device").at("payload_bytes"), 4400);
  EXPECT_EQ(r.at("remote_addresses"), json::array({"157.240.1.53"}));
  EXPECT_EQ(r.at("remote_addresses_truncated"), false);
  EXPECT_EQ(r.at("evidence").size(), 2u);
  EXPECT_EQ(r.at("evidence_truncated"), true);
  EXPECT_EQ(r.at("alerts"), 1);
  EXPECT_EQ(r.at("service").at("id"), "whatsapp");
  EXPECT_EQ(r.at("device").at("host_name"), "Dr-Lee-iPhone");
  EXPECT_EQ(r.at("policy").at("action"), "alert");
}

TEST(RecordBuilderTest, CountsRecord) {
  const json r = builder().counts(counts());
  EXPECT_EQ(r.at("interval_start"), "2023-11-14T22:10:00.000000Z");
  EXPECT_EQ(r.at("interval_end"), "2023-11-14T22:15:00.000000Z");
  EXPECT_EQ(r.at("service_id"), "whatsapp");
  EXPECT_EQ(r.at("category"), "messaging");
  EXPECT_EQ(r.at("flows_classified"), 2);
  EXPECT_EQ(r.at("alerts"), 1);
  EXPECT_EQ(r.at("suppressed"), 1);
  EXPECT_EQ(r.at("counted"), 0);
  EXPECT_EQ(r.at("partial"), false);

  policy::IntervalCount shutdown = counts();
  shutdown.partial = true;
  shutdown.intervalEnd = Timestamp{1699999920000000};  // written two minutes in
  const json p = builder().counts(shutdown);
  EXPECT_EQ(p.at("partial"), true);
  EXPECT_EQ(p.at("timestamp"), "2023-11-14T22:12:00.000000Z");
  EXPECT_EQ(p.at("interval_end"), "2023-11-14T22:12:00.000000Z");
}

TEST(RecordBuilderTest, FlowRecordWithAndWithoutFacts) {
  classify::FlowFacts facts;
  facts.ndpiLabel = "TLS.WhatsApp";
  facts.tlsServerName = "g.whatsapp.net";
  facts.tlsEchOffered = true;
  const json unattributed =
      builder().flow(sampleFlow(), &facts, flow::FlowEndReason::kTcpClosed, kTime);
  EXPECT_EQ(unattributed.at("flow_id"), sampleFlowId());
  // 192.168.1.42:51000 -> 157.240.1.53:443 over TCP, as the Community ID reference computes it.
  EXPECT_EQ(unattributed.at("community_id"), "1:f4P5HDiuQY4aLihE9Yq4rEYFXug=");
  EXPECT_EQ(unattributed.at("end_reason"), "tcp_closed");
  EXPECT_EQ(unattributed.at("tls_sni"), "g.whatsapp.net");
  EXPECT_EQ(unattributed.at("tls_ech_offered"), true);
  EXPECT_TRUE(unattributed.at("service_id").is_null());
  EXPECT_DOUBLE_EQ(unattributed.at("duration_seconds").get<double>(), 12.5);
  EXPECT_EQ(unattributed.at("to_server").at("packets"), 10);
  EXPECT_EQ(unattributed.at("to_client").at("bytes"), 5000);

  facts.verdict = verdict();
  const json attributed = builder().flow(sampleFlow(), &facts, flow::FlowEndReason::kIdle, kTime);
  EXPECT_EQ(attributed.at("service_id"), "whatsapp");
  EXPECT_EQ(attributed.at("evidence").size(), 2u);

  const json bare = builder().flow(sampleFlow(), nullptr, flow::FlowEndReason::kShutdown, kTime);
  EXPECT_FALSE(bare.contains("service_id"));
  EXPECT_FALSE(bare.contains("ndpi_label"));
}

TEST(RecordBuilderTest, StatsRecordHasEveryCounter) {
  Counters counters;
  counters.add("capture.packets", 12);
  counters.add("flow.ended.idle", 3);
  const json r = builder().stats(counters, kTime, true);
  EXPECT_EQ(r.at("final"), true);
  EXPECT_EQ(r.at("counters").at("capture.packets"), 12);
  EXPECT_EQ(r.at("counters").at("flow.ended.idle"), 3);
  EXPECT_EQ(builder().stats(counters, kTime, false).at("final"), false);
}

}  // namespace
}  // namespace baawatch::record
