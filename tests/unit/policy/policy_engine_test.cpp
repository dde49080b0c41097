#include "baawatch/policy/policy_engine.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace baawatch::policy {
namespace {

using classify::Category;
using classify::UseKind;

IpAddress ip(const std::string& text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

IpRange range(const std::string& text) {
  auto parsed = IpRange::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpRange{});
}

classify::ServiceSignature service(std::string id, Category category,
                                   classify::BaaStatus baa = classify::BaaStatus::kNone) {
  classify::ServiceSignature s;
  s.id = id;
  s.name = id + " app";
  s.vendor = id + " vendor";
  s.category = category;
  s.baaStatus = baa;
  return s;
}

const classify::ServiceSignature kWhatsapp = service("whatsapp", Category::kMessaging);
const classify::ServiceSignature kZoom =
    service("zoom", Category::kVideo, classify::BaaStatus::kAvailable);
const classify::ServiceSignature kApplePush = service("apple-push", Category::kPresence);
const classify::ServiceSignature kTor = service("tor", Category::kVisibilityLoss);

classify::Verdict verdict(const classify::ServiceSignature& s, UseKind kind = UseKind::kMessaging,
                          std::string ruleId = "") {
  classify::Verdict v;
  v.service = &s;
  v.kind = kind;
  v.confidence = classify::Confidence::kHigh;
  v.evidence.push_back(classify::Evidence{ruleId.empty() ? s.id + ".names" : ruleId,
                                          classify::EvidenceField::kTlsSni, "x.example",
                                          Timestamp{}, classify::Confidence::kHigh, "test"});
  return v;
}

inventory::Device device(const std::string& address, const std::string& mac = "") {
  inventory::Device d;
  d.ip = ip(address);
  if (!mac.empty()) {
    decode::MacAddress bytes{};
    unsigned values[6];
    EXPECT_EQ(std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &values[0], &values[1], &values[2],
                          &values[3], &values[4], &values[5]),
              6);
    for (int i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(values[i]);
    d.mac = bytes;
    d.id = "mac:" + mac;
  } else {
    d.id = "ip:" + address;
  }
  return d;
}

Timestamp at(double seconds) { return Timestamp::fromSeconds(seconds); }

// A clinic policy: two clinical networks, a Zoom BAA, three exemptions.
std::shared_ptr<const Policy> clinicPolicy() {
  Policy policy = defaultPolicy();
  policy.clinicalNetworks = {range("192.168.10.0/24"), range("fd00:10::/64")};
  policy.baaOnFile.push_back(BaaOnFile{"zoom", "Zoom BAA #2024-117", "2024-03-01"});
  Exemption itLab;
  itLab.id = "it-lab";
  itLab.networks = {range("192.168.10.200/29")};
  itLab.reason = "IT test bench";
  Exemption frontDesk;
  frontDesk.id = "front-desk";
  frontDesk.macs = {"a4:83:e7:00:00:01"};
  frontDesk.services = {"whatsapp"};
  Exemption guests;
  guests.id = "guest-vlan";
  guests.vlans = {30};
  policy.exemptions = {itLab, frontDesk, guests};
  policy.suppressionSeconds = 600;
  return std::make_shared<const Policy>(std::move(policy));
}

struct DecisionCase {
  std::string name;
  const classify::ServiceSignature* service;
  UseKind kind;
  std::string address;
  std::string mac;
  std::uint16_t vlan;
  Action action;
  std::string rule;
  std::string counter;
};

class PolicyDecisionTest : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(PolicyDecisionTest, Decides) {
  const DecisionCase& c = GetParam();
  PolicyEngine engine(clinicPolicy());
  const Decision decision =
      engine.decide(verdict(*c.service, c.kind), device(c.address, c.mac), c.vlan, at(1000));
  EXPECT_EQ(decision.action, c.action) << toString(decision.action);
  EXPECT_EQ(decision.policyRule, c.rule);
  EXPECT_FALSE(decision.suppressed);
  EXPECT_FALSE(decision.reason.empty());
  EXPECT_EQ(engine.counters().get(c.counter), 1u) << c.counter;
  const bool raises = c.action == Action::kAlert || c.action == Action::kVisibility;
  EXPECT_EQ(decision.dedupKey.empty(), !raises);
}

const auto* kWa = &kWhatsapp;
INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyDecisionTest,
    ::testing::Values(
        DecisionCase{"clinical_no_baa_alerts", kWa, UseKind::kMessaging, "192.168.10.42", "", 0,
                     Action::kAlert, "no_baa.messaging", "policy.alerts"},
        DecisionCase{"clinical_ipv6_alerts", kWa, UseKind::kCall, "fd00:10::42", "", 0,
                     Action::kAlert, "no_baa.messaging", "policy.alerts"},
        DecisionCase{"not_clinical_ignored", kWa, UseKind::kMessaging, "192.168.20.42", "", 0,
                     Action::kIgnore, "not_clinical", "policy.not_clinical"},
        DecisionCase{"public_address_ignored", kWa, UseKind::kMessaging, "8.8.8.8", "", 0,
                     Action::kIgnore, "not_clinical", "policy.not_clinical"},
        DecisionCase{"exempt_by_network", kWa, UseKind::kMessaging, "192.168.10.201", "", 0,
                     Action::kCount, "exempt.it-lab", "policy.exempt"},
        DecisionCase{"exempt_by_mac_for_listed_service", kWa, UseKind::kMessaging,
                     "192.168.10.42", "a4:83:e7:00:00:01", 0, Action::kCount,
                     "exempt.front-desk", "policy.exempt"},
        DecisionCase{"mac_exemption_does_not_cover_other_services", &kTor, UseKind::kWeb,
                     "192.168.10.42", "a4:83:e7:00:00:01", 0, Action::kVisibility,
                     "visibility_loss", "policy.visibility"},
        DecisionCase{"exempt_by_vlan", kWa, UseKind::kMessaging, "192.168.10.42", "", 30,
                     Action::kCount, "exempt.guest-vlan", "policy.exempt"},
        DecisionCase{"other_vlan_not_exempt", kWa, UseKind::kMessaging, "192.168.10.42", "", 31,
                     Action::kAlert, "no_baa.messaging", "policy.alerts"},
        DecisionCase{"baa_on_file_counted", &kZoom, UseKind::kCall, "192.168.10.42", "", 0,
                     Action::kCount, "baa_on_file.zoom", "policy.baa_on_file"},
        DecisionCase{"presence_category_counted", &kApplePush, UseKind::kMessaging,
                     "192.168.10.42", "", 0, Action::kCount, "presence", "policy.presence"},
        DecisionCase{"presence_kind_counted", kWa, UseKind::kPresence, "192.168.10.42", "", 0,
                     Action::kCount, "presence", "policy.presence"},
        DecisionCase{"visibility_loss", &kTor, UseKind::kWeb, "192.168.10.42", "", 0,
                     Action::kVisibility, "visibility_loss", "policy.visibility"}),
    [](const auto& info) { return info.param.name; });

TEST(PolicyEngineTest, BaaReasonNamesTheContract) {
  PolicyEngine engine(clinicPolicy());
  const Decision decision =
      engine.decide(verdict(kZoom, UseKind::kCall), device("192.168.10.42"), 0, at(1));
  EXPECT_NE(decision.reason.find("Zoom BAA #2024-117"), std::string::npos) << decision.reason;
  EXPECT_NE(decision.reason.find("2024-03-01"), std::string::npos) << decision.reason;
}

TEST(PolicyEngineTest, SeverityComesFromTheCategory) {
  Policy policy = *clinicPolicy();
  policy.severityByCategory[Category::kMessaging] = Severity::kCritical;
  PolicyEngine engine(std::make_shared<const Policy>(policy));
  EXPECT_EQ(engine.decide(verdict(kWhatsapp), device("192.168.10.42"), 0, at(1)).severity,
            Severity::kCritical);
}

TEST(PolicyEngineTest, AlertIsSuppressedWithinTheIntervalAndRaisedAfterIt) {
  PolicyEngine engine(clinicPolicy());  // 600 s
  const auto phone = device("192.168.10.42", "3c:22:fb:12:34:56");
  const Decision first = engine.decide(verdict(kWhatsapp), phone, 0, at(1000));
  EXPECT_FALSE(first.suppressed);
  const Decision repeat = engine.decide(verdict(kWhatsapp), phone, 0, at(1599));
  EXPECT_TRUE(repeat.suppressed);
  EXPECT_EQ(repeat.action, Action::kAlert);
  EXPECT_EQ(repeat.dedupKey, first.dedupKey);
  // The interval counts from the last raised alert, not from the suppressed repeat.
  const Decision after = engine.decide(verdict(kWhatsapp), phone, 0, at(1600));
  EXPECT_FALSE(after.suppressed);
  const Decision again = engine.decide(verdict(kWhatsapp), phone, 0, at(1700));
  EXPECT_TRUE(again.suppressed);
  EXPECT_EQ(engine.counters().get("policy.alerts"), 2u);
  EXPECT_EQ(engine.counters().get("policy.suppressed"), 2u);
  // Raised alerts are also counted per service (the dashboard's "alerts by service").
  EXPECT_EQ(engine.counters().get("policy.alerts_by_service.whatsapp"), 2u);
}

TEST(PolicyEngineTest, ANewPolicyKeepsWhichAlertsWereRaised) {
  PolicyEngine engine(clinicPolicy());  // 600 s
  const auto phone = device("192.168.10.42", "3c:22:fb:12:34:56");
  EXPECT_FALSE(engine.decide(verdict(kWhatsapp), phone, 0, at(1000)).suppressed);
  // SIGHUP with the same policy, and again with one that differs (a longer interval).
  engine.replacePolicy(clinicPolicy());
  EXPECT_TRUE(engine.decide(verdict(kWhatsapp), phone, 0, at(1100)).suppressed);
  Policy longer = *clinicPolicy();
  longer.suppressionSeconds = 3600;
  engine.replacePolicy(std::make_shared<const Policy>(longer));
  EXPECT_EQ(engine.policy().suppressionSeconds, 3600);
  EXPECT_TRUE(engine.decide(verdict(kWhatsapp), phone, 0, at(1700)).suppressed);  // 700 s on
  EXPECT_FALSE(engine.decide(verdict(kWhatsapp), phone, 0, at(4600)).suppressed);
  EXPECT_EQ(engine.counters().get("policy.alerts"), 2u);
  EXPECT_EQ(engine.counters().get("policy.suppressed"), 2u);
}

TEST(PolicyEngineTest, DifferentDeviceServiceOrRuleIsNotSuppressed) {
  PolicyEngine engine(clinicPolicy());
  const auto phone = device("192.168.10.42", "3c:22:fb:12:34:56");
  const auto laptop = device("192.168.10.43", "a4:83:e7:00:00:02");
  EXPECT_FALSE(engine.decide(verdict(kWhatsapp), phone, 0, at(1000)).suppressed);
  EXPECT_FALSE(engine.decide(verdict(kWhatsapp), laptop, 0, at(1001)).suppressed);
  EXPECT_FALSE(
      engine.decide(verdict(kWhatsapp, UseKind::kCall, "whatsapp.call-ndpi"), phone, 0, at(1002))
          .suppressed);
  EXPECT_FALSE(engine.decide(verdict(kTor, UseKind::kWeb), phone, 0, at(1003)).suppressed);
  EXPECT_EQ(engine.counters().get("policy.suppressed"), 0u);
}

TEST(PolicyEngineTest, DedupKeyContainsDeviceServiceAndRule) {
  PolicyEngine engine(clinicPolicy());
  const Decision decision = engine.decide(verdict(kWhatsapp, UseKind::kCall, "whatsapp.sni"),
                                          device("192.168.10.42", "3c:22:fb:12:34:56"), 0, at(1));
  EXPECT_NE(decision.dedupKey.find("mac:3c:22:fb:12:34:56"), std::string::npos)
      << decision.dedupKey;
  EXPECT_NE(decision.dedupKey.find("whatsapp"), std::string::npos) << decision.dedupKey;
  EXPECT_NE(decision.dedupKey.find("whatsapp.sni"), std::string::npos) << decision.dedupKey;
  // Stable: a second engine (a re-run) gives the same key.
  PolicyEngine rerun(clinicPolicy());
  EXPECT_EQ(rerun.decide(verdict(kWhatsapp, UseKind::kCall, "whatsapp.sni"),
                         device("192.168.10.42", "3c:22:fb:12:34:56"), 0, at(99))
                .dedupKey,
            decision.dedupKey);
}

TEST(PolicyEngineTest, IsClinical) {
  PolicyEngine engine(clinicPolicy());
  EXPECT_TRUE(engine.isClinical(ip("192.168.10.1")));
  EXPECT_TRUE(engine.isClinical(ip("fd00:10::1")));
  EXPECT_FALSE(engine.isClinical(ip("192.168.11.1")));
  EXPECT_FALSE(engine.isClinical(ip("fd00:11::1")));
  PolicyEngine defaults(std::make_shared<const Policy>(defaultPolicy()));
  for (const char* address : {"10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.0.1", "fd12::1"})
    EXPECT_TRUE(defaults.isClinical(ip(address))) << address;
  for (const char* address : {"172.32.0.1", "8.8.8.8", "2001:db8::1"})
    EXPECT_FALSE(defaults.isClinical(ip(address))) << address;
}

TEST(PolicyEngineTest, VerdictBelowTheMinimumConfidenceIsCountedNotAlerted) {
  Policy policy = *clinicPolicy();
  policy.minimumAlertConfidence = classify::Confidence::kMedium;
  PolicyEngine engine(std::make_shared<const Policy>(policy));
  classify::Verdict weak = verdict(kWhatsapp, UseKind::kCall);
  weak.confidence = classify::Confidence::kLow;
  const Decision decision = engine.decide(weak, device("192.168.10.42"), 0, at(1));
  EXPECT_EQ(decision.action, Action::kCount);
  EXPECT_EQ(engine.counters().get("policy.alerts"), 0u);
  weak.confidence = classify::Confidence::kMedium;
  EXPECT_EQ(engine.decide(weak, device("192.168.10.42"), 0, at(2)).action, Action::kAlert);
}

TEST(PolicyEngineTest, ActionNames) {
  EXPECT_EQ(toString(Action::kIgnore), "ignore");
  EXPECT_EQ(toString(Action::kCount), "count");
  EXPECT_EQ(toString(Action::kAlert), "alert");
  EXPECT_EQ(toString(Action::kVisibility), "visibility");
}

}  // namespace
}  // namespace baawatch::policy
