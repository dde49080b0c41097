// The decision stage on its own: flows handed to it as the flow stages would, records out.
// Which endpoint is the clinic device, what a classified flow writes, what its end adds to the
// encounter, and what a reload keeps.
#include "baawatch/engine/decision_stage.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/classify/signature.hpp"
#include "baawatch/policy/policy.hpp"

namespace baawatch::engine {
namespace {

using nlohmann::json;

class MemorySink final : public sink::RecordSink {
 public:
  void write(const json& record) override { records.push_back(record); }
  void flush() override {}
  std::vector<json> ofType(const std::string& type) const {
    std::vector<json> matching;
    for (const auto& record : records) {
      if (record["event_type"] == type) matching.push_back(record);
    }
    return matching;
  }
  std::vector<json> records;
};

Timestamp at(double seconds) { return Timestamp{static_cast<Microseconds>(seconds * 1e6)}; }

IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

const std::string kPhone = "192.168.10.23";     // inside the default clinical networks
const std::string kLaptop = "192.168.10.40";    // as well
const std::string kServer = "157.240.1.53";     // outside
const std::string kOutsider = "198.51.100.77";  // outside as well

class DecisionStageTest : public ::testing::Test {
 protected:
  DecisionStageTest() {
    snapshot_.catalog = std::make_shared<const classify::SignatureCatalog>(
        classify::loadSignatureCatalog(std::string(BAAWATCH_SOURCE_DIR) + "/signatures"));
    snapshot_.policy = std::make_shared<const policy::Policy>(policy::defaultPolicy());
    snapshot_.settings.output.flowRecords = true;
    stage_ = std::make_unique<DecisionStage>(
        snapshot_, sink_, record::RecordOrigin{"test-sensor", "0123456789abcdef"});
  }

  // A UDP flow that sent `clientBytes` from its client and `serverBytes` from its server.
  flow::Flow flowBetween(const std::string& client, const std::string& server, std::uint64_t id,
                         std::uint64_t clientBytes = 1000, std::uint64_t serverBytes = 50000) {
    flow::Flow flow;
    flow.id = id;
    flow.client = ip(client);
    flow.server = ip(server);
    flow.clientPort = 50000;
    flow.serverPort = 3478;
    flow.protocol = 17;
    flow.firstSeen = at(10);
    flow.lastSeen = at(20);
    flow.toServer.packets = 10;
    flow.toServer.bytes = clientBytes;
    flow.toClient.packets = 40;
    flow.toClient.bytes = serverBytes;
    return flow;
  }

  classify::FlowFacts whatsAppCall() {
    classify::FlowFacts facts;
    facts.classified = true;
    classify::Verdict verdict;
    verdict.catalog = snapshot_.catalog;
    verdict.service = snapshot_.catalog->find("whatsapp");
    EXPECT_NE(verdict.service, nullptr);
    verdict.confidence = classify::Confidence::kHigh;
    verdict.kind = classify::UseKind::kCall;
    classify::Evidence evidence;
    evidence.ruleId = "whatsapp.test";
    evidence.value = "test";
    evidence.time = at(10);
    evidence.confidence = classify::Confidence::kHigh;
    verdict.evidence.push_back(evidence);
    facts.verdict = verdict;
    return facts;
  }

  Snapshot snapshot_;
  MemorySink sink_;
  std::unique_ptr<DecisionStage> stage_;
};

TEST_F(DecisionStageTest, ClassifiedFlowOfAClinicDeviceAlertsAndItsEndMakesTheEncounter) {
  flow::Flow flow = flowBetween(kPhone, kServer, 7);
  classify::FlowFacts facts = whatsAppCall();
  stage_->onClassified(flow, facts, at(11));
  auto alerts = sink_.ofType("alert");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["device"]["ip"], kPhone);
  EXPECT_EQ(alerts[0]["service"]["id"], "whatsapp");
  EXPECT_TRUE(sink_.ofType("encounter").empty()) << "the encounter waits for its flows' ends";

  stage_->onFlowEnd(flow, &facts, flow::FlowEndReason::kIdle, at(20));
  ASSERT_EQ(sink_.ofType("flow").size(), 1u);
  stage_->flushAll();
  auto encounters = sink_.ofType("encounter");
  ASSERT_EQ(encounters.size(), 1u);
  EXPECT_EQ(encounters[0]["device"]["ip"], kPhone);
  EXPECT_EQ(encounters[0]["from_device"]["bytes"], 1000);
  EXPECT_EQ(encounters[0]["to_device"]["bytes"], 50000);
  EXPECT_EQ(encounters[0]["remote_addresses"], json::array({kServer}));
}

TEST_F(DecisionStageTest, ClinicDeviceAsTheServerIsTheDeviceAndItsBytesAreCountedFromItsSide) {
  // An outside host opened the flow to the phone: the phone is still the device, and what it
  // sent is the server's direction.
  flow::Flow flow = flowBetween(kServer, kPhone, 8, 700, 90000);
  classify::FlowFacts facts = whatsAppCall();
  stage_->onClassified(flow, facts, at(11));
  auto alerts = sink_.ofType("alert");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["device"]["ip"], kPhone);
  stage_->onFlowEnd(flow, &facts, flow::FlowEndReason::kIdle, at(20));
  stage_->flushAll();
  auto encounters = sink_.ofType("encounter");
  ASSERT_EQ(encounters.size(), 1u);
  EXPECT_EQ(encounters[0]["device"]["ip"], kPhone);
  EXPECT_EQ(encounters[0]["from_device"]["bytes"], 90000);
  EXPECT_EQ(encounters[0]["to_device"]["bytes"], 700);
  EXPECT_EQ(encounters[0]["remote_addresses"], json::array({kServer}));
}

TEST_F(DecisionStageTest, BetweenTwoClinicHostsTheInitiatorIsTheDevice) {
  flow::Flow flow = flowBetween(kLaptop, kPhone, 9);
  classify::FlowFacts facts = whatsAppCall();
  stage_->onClassified(flow, facts, at(11));
  auto alerts = sink_.ofType("alert");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["device"]["ip"], kLaptop);
}

TEST_F(DecisionStageTest, FlowBetweenTwoOutsideHostsIsNotReportedButItsFlowRecordIs) {
  flow::Flow flow = flowBetween(kOutsider, kServer, 10);
  classify::FlowFacts facts = whatsAppCall();
  stage_->onClassified(flow, facts, at(11));
  stage_->onFlowEnd(flow, &facts, flow::FlowEndReason::kIdle, at(20));
  stage_->flushAll();
  EXPECT_TRUE(sink_.ofType("alert").empty());
  EXPECT_TRUE(sink_.ofType("encounter").empty());
  EXPECT_EQ(sink_.ofType("flow").size(), 1u);
  EXPECT_EQ(stage_->counters().get("policy.alerts"), 0u);
}

TEST_F(DecisionStageTest, FlowNeverClassifiedEndsWithAFlowRecordOnly) {
  flow::Flow flow = flowBetween(kPhone, kServer, 11);
  stage_->onFlowEnd(flow, nullptr, flow::FlowEndReason::kShutdown, at(20));
  stage_->flushAll();
  ASSERT_EQ(sink_.records.size(), 1u);
  EXPECT_EQ(sink_.records[0]["event_type"], "flow");
}

TEST_F(DecisionStageTest, RepeatedAlertIsSuppressedButJoinsTheEncounter) {
  flow::Flow first = flowBetween(kPhone, kServer, 12);
  flow::Flow second = flowBetween(kPhone, kServer, 13);
  second.clientPort = 50001;
  classify::FlowFacts facts = whatsAppCall();
  classify::FlowFacts again = whatsAppCall();
  stage_->onClassified(first, facts, at(11));
  stage_->onClassified(second, again, at(12));
  EXPECT_EQ(sink_.ofType("alert").size(), 1u);
  EXPECT_EQ(stage_->counters().get("policy.suppressed"), 1u);
  stage_->onFlowEnd(first, &facts, flow::FlowEndReason::kIdle, at(20));
  stage_->onFlowEnd(second, &again, flow::FlowEndReason::kIdle, at(20));
  stage_->flushAll();
  auto encounters = sink_.ofType("encounter");
  ASSERT_EQ(encounters.size(), 1u);
  EXPECT_EQ(encounters[0]["flows"], 2);
}

TEST_F(DecisionStageTest, ReloadKeepsPolicyCountersAndOpenEncounters) {
  flow::Flow flow = flowBetween(kPhone, kServer, 14);
  classify::FlowFacts facts = whatsAppCall();
  stage_->onClassified(flow, facts, at(11));
  ASSERT_EQ(stage_->counters().get("policy.alerts"), 1u);

  Snapshot reloaded = snapshot_;
  reloaded.settings.output.flowRecords = false;
  stage_->replaceSnapshot(reloaded, SignaturesChanged::kNo);
  EXPECT_EQ(stage_->counters().get("policy.alerts"), 1u) << "totals never shrink on reload";

  stage_->onFlowEnd(flow, &facts, flow::FlowEndReason::kIdle, at(20));
  stage_->flushAll();
  EXPECT_TRUE(sink_.ofType("flow").empty()) << "flow records follow the new settings";
  EXPECT_EQ(sink_.ofType("encounter").size(), 1u) << "the open encounter survived the reload";
}

TEST_F(DecisionStageTest, StatsRecordCarriesTheCountersGiven) {
  Counters counters;
  counters.add("capture.packets", 42);
  stage_->writeStats(counters, at(30), StatsRecord::kFinal);
  auto stats = sink_.ofType("stats");
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0]["counters"]["capture.packets"], 42);
  EXPECT_EQ(stats[0]["final"], true);
}

// Every record says where it comes from: `site` is never empty (the configured site, else the
// policy's clinic, else the sensor name); `tenant` is there only when configured. A reload
// applies new ones to the records that follow.
TEST_F(DecisionStageTest, SiteIsConfiguredElseTheClinicElseTheSensorAndTenantOnlyWhenSet) {
  Counters counters;
  stage_->writeStats(counters, at(30), StatsRecord::kPeriodic);
  ASSERT_EQ(sink_.records.size(), 1u);
  EXPECT_EQ(sink_.records.back()["sensor"], "test-sensor");
  EXPECT_EQ(sink_.records.back()["site"], "test-sensor");
  EXPECT_FALSE(sink_.records.back().contains("tenant"));

  policy::Policy clinicPolicy = policy::defaultPolicy();
  clinicPolicy.clinicName = "Main Street Clinic";
  Snapshot withClinic = snapshot_;
  withClinic.policy = std::make_shared<const policy::Policy>(clinicPolicy);
  stage_->replaceSnapshot(withClinic, SignaturesChanged::kNo);
  stage_->writeStats(counters, at(31), StatsRecord::kPeriodic);
  EXPECT_EQ(sink_.records.back()["site"], "Main Street Clinic");
  EXPECT_FALSE(sink_.records.back().contains("tenant"));

  Snapshot configured = withClinic;
  configured.settings.sensor.site = "Main St, 2nd floor";
  configured.settings.sensor.tenant = "acme-health";
  stage_->replaceSnapshot(configured, SignaturesChanged::kNo);
  flow::Flow flow = flowBetween(kPhone, kServer, 15);
  classify::FlowFacts facts = whatsAppCall();
  stage_->onClassified(flow, facts, at(32));
  std::vector<json> alerts = sink_.ofType("alert");
  ASSERT_EQ(alerts.size(), 1u);
  const json& alert = alerts[0];
  EXPECT_EQ(alert["site"], "Main St, 2nd floor");
  EXPECT_EQ(alert["tenant"], "acme-health");
  EXPECT_EQ(alert["clinic"], "Main Street Clinic");
  EXPECT_EQ(alert["sensor"], "test-sensor") << "the sensor name is fixed at start";
}

}  // namespace
}  // namespace baawatch::engine
