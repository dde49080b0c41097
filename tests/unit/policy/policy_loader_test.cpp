#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"
#include "baawatch/common/config_error.hpp"
#include "baawatch/policy/policy.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::policy {
namespace {

using baawatch::testing::TempFolder;
using classify::Category;

const std::string kSourceDir = BAAWATCH_SOURCE_DIR;

// The small fixture catalog: "chat" (no BAA offered) and "meet" (BAA available).
classify::SignatureCatalog fixtureCatalog() {
  return classify::loadSignatureCatalog(kSourceDir + "/tests/unit/fixtures/signatures");
}

std::string errorOf(const std::string& file) {
  try {
    loadPolicy(file, fixtureCatalog());
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

std::vector<std::string> rangeTexts(const std::vector<IpRange>& ranges) {
  std::vector<std::string> texts;
  for (const auto& range : ranges) texts.push_back(range.toString());
  return texts;
}

TEST(PolicyLoader, LoadsEverySection) {
  TempFolder folder;
  std::string file = folder.write("policy.yaml",
                                  "clinic: \"Example Family Practice\"\n"
                                  "baa_on_file:\n"
                                  "  - service: meet\n"
                                  "    reference: \"Meet BAA #7\"\n"
                                  "    signed: 2024-02-29\n"
                                  "clinical_networks: [10.1.0.0/16, \"fd00::/8\"]\n"
                                  "exemptions:\n"
                                  "  - id: it-lab\n"
                                  "    networks: [192.168.99.0/24]\n"
                                  "    hosts: [192.168.1.5, \"2001:db8::5\"]\n"
                                  "    macs: [\"AA:BB:CC:DD:EE:0F\", \"00-11-22-33-44-55\"]\n"
                                  "    vlans: [30]\n"
                                  "    services: [chat]\n"
                                  "    reason: \"IT test bench\"\n"
                                  "severity: {video: critical, presence: low}\n"
                                  "alert_suppression: 30m\n"
                                  "alert_on_attachment_possible: true\n");
  Policy policy = loadPolicy(file, fixtureCatalog());
  EXPECT_EQ(policy.file, file);
  EXPECT_EQ(policy.version.size(), 16u);
  EXPECT_EQ(policy.clinicName, "Example Family Practice");
  ASSERT_EQ(policy.baaOnFile.size(), 1u);
  EXPECT_EQ(policy.baaOnFile[0].reference, "Meet BAA #7");
  EXPECT_EQ(policy.baaOnFile[0].signedDate, "2024-02-29");
  EXPECT_EQ(policy.baaFor("meet"), &policy.baaOnFile[0]);
  EXPECT_EQ(policy.baaFor("chat"), nullptr);
  EXPECT_EQ(rangeTexts(policy.clinicalNetworks),
            (std::vector<std::string>{"10.1.0.0/16", "fd00::/8"}));
  ASSERT_EQ(policy.exemptions.size(), 1u);
  const Exemption& lab = policy.exemptions[0];
  EXPECT_EQ(rangeTexts(lab.networks),
            (std::vector<std::string>{"192.168.99.0/24", "192.168.1.5/32", "2001:db8::5/128"}));
  EXPECT_EQ(lab.macs, (std::vector<std::string>{"aa:bb:cc:dd:ee:0f", "00:11:22:33:44:55"}));
  EXPECT_EQ(lab.vlans, (std::vector<std::uint16_t>{30}));
  EXPECT_EQ(lab.services, (std::vector<std::string>{"chat"}));
  EXPECT_EQ(lab.reason, "IT test bench");
  EXPECT_EQ(policy.severityByCategory.at(Category::kVideo), Severity::kCritical);
  EXPECT_EQ(policy.severityByCategory.at(Category::kPresence), Severity::kLow);
  EXPECT_EQ(policy.severityByCategory.at(Category::kMessaging), Severity::kHigh);  // default kept
  EXPECT_DOUBLE_EQ(policy.suppressionSeconds, 1800);
  EXPECT_TRUE(policy.alertOnAttachmentPossible);
}

TEST(PolicyLoader, DefaultPolicyIsTheDocumentedDefault) {
  Policy policy = defaultPolicy();
  EXPECT_TRUE(policy.baaOnFile.empty());
  EXPECT_TRUE(policy.exemptions.empty());
  EXPECT_EQ(
      rangeTexts(policy.clinicalNetworks),
      (std::vector<std::string>{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}));
  EXPECT_EQ(policy.severityByCategory,
            (std::map<Category, Severity>{{Category::kVideo, Severity::kHigh},
                                          {Category::kMessaging, Severity::kHigh},
                                          {Category::kPresence, Severity::kInfo},
                                          {Category::kVisibilityLoss, Severity::kMedium}}));
  EXPECT_DOUBLE_EQ(policy.suppressionSeconds, 3600);
  EXPECT_FALSE(policy.alertOnAttachmentPossible);
  EXPECT_FALSE(policy.clinicName.has_value());
}

TEST(PolicyLoader, ShippedPolicyEqualsTheDefault) {
  auto catalog = classify::loadSignatureCatalog(kSourceDir + "/signatures");
  Policy shipped = loadPolicy(kSourceDir + "/etc/policy.yaml", catalog);
  Policy builtin = defaultPolicy();
  EXPECT_TRUE(shipped.baaOnFile.empty());
  EXPECT_TRUE(shipped.exemptions.empty());
  EXPECT_EQ(rangeTexts(shipped.clinicalNetworks), rangeTexts(builtin.clinicalNetworks));
  EXPECT_EQ(shipped.severityByCategory, builtin.severityByCategory);
  EXPECT_DOUBLE_EQ(shipped.suppressionSeconds, builtin.suppressionSeconds);
  EXPECT_EQ(shipped.alertOnAttachmentPossible, builtin.alertOnAttachmentPossible);
  EXPECT_EQ(shipped.clinicName, builtin.clinicName);
}

TEST(PolicyLoader, SeverityNames) {
  EXPECT_EQ(toString(Severity::kInfo), "info");
  EXPECT_EQ(toString(Severity::kLow), "low");
  EXPECT_EQ(toString(Severity::kMedium), "medium");
  EXPECT_EQ(toString(Severity::kHigh), "high");
  EXPECT_EQ(toString(Severity::kCritical), "critical");
}

struct BadPolicyCase {
  std::string name;
  std::string yaml;
  std::string message;  // after "<file>:"
};

class BadPolicyTest : public ::testing::TestWithParam<BadPolicyCase> {};

TEST_P(BadPolicyTest, IsRefusedWithLocationAndField) {
  TempFolder folder;
  std::string file = folder.write("policy.yaml", GetParam().yaml);
  EXPECT_EQ(errorOf(file), file + ":" + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadPolicyTest,
    ::testing::Values(
        BadPolicyCase{"BadCidr", "clinical_networks: [10.0.0.0/8, 172.16.0.0/12, 10.0.0.0/33]\n",
                      "1:48: clinical_networks[2]: '10.0.0.0/33' is not a CIDR range"},
        BadPolicyCase{
            "UnknownBaaService",
            "baa_on_file:\n  - service: zooom\n    reference: r\n    signed: 2024-03-01\n",
            "2:14: baa_on_file[0].service: 'zooom' is not a known service (known: "
            "chat, meet)"},
        BadPolicyCase{"BaaForServiceWithoutBaa",
                      "baa_on_file:\n  - service: chat\n    reference: r\n    signed: 2024-03-01\n",
                      "2:14: baa_on_file[0].service: Example Chat (Example Inc.) offers no BAA; "
                      "a contract for it cannot be on file"},
        BadPolicyCase{"DuplicateBaa",
                      "baa_on_file:\n  - {service: meet, reference: a, signed: 2024-03-01}\n"
                      "  - {service: meet, reference: b, signed: 2024-03-02}\n",
                      "3:15: baa_on_file[1].service: a BAA for 'meet' is already listed"},
        BadPolicyCase{"BadDate",
                      "baa_on_file:\n  - service: meet\n    reference: r\n    signed: 2023-02-29\n",
                      "4:13: baa_on_file[0].signed: '2023-02-29' is not a date (YYYY-MM-DD)"},
        BadPolicyCase{
            "UnknownExemptionService",
            "exemptions:\n  - id: lab\n    hosts: [10.0.0.5]\n    services: [chat, zoom]\n"
            "    reason: r\n",
            "4:22: exemptions[0].services[1]: 'zoom' is not a known service (known: "
            "chat, meet)"},
        BadPolicyCase{"DuplicateExemptionId",
                      "exemptions:\n  - {id: lab, vlans: [30], reason: r}\n"
                      "  - {id: lab, vlans: [31], reason: r}\n",
                      "3:10: exemptions[1].id: duplicate exemption id 'lab'"},
        BadPolicyCase{"ExemptionWithoutSelector", "exemptions:\n  - {id: all, reason: r}\n",
                      "2:5: exemptions[0]: an exemption needs at least one of networks, hosts, "
                      "macs or vlans"},
        BadPolicyCase{"BadHost", "exemptions:\n  - {id: h, hosts: [10.0.0.0/24], reason: r}\n",
                      "2:21: exemptions[0].hosts[0]: '10.0.0.0/24' is not an IP address"},
        BadPolicyCase{"BadMac", "exemptions:\n  - {id: m, macs: [\"aa:bb:cc\"], reason: r}\n",
                      "2:20: exemptions[0].macs[0]: 'aa:bb:cc' is not a MAC address "
                      "(aa:bb:cc:dd:ee:ff)"},
        BadPolicyCase{"BadVlan", "exemptions:\n  - {id: v, vlans: [4095], reason: r}\n",
                      "2:21: exemptions[0].vlans[0]: 4095 is outside 1-4094"},
        BadPolicyCase{"UnknownSeverity", "severity:\n  video: urgent\n",
                      "2:10: severity.video: 'urgent' is not a severity (info, low, medium, "
                      "high, critical)"},
        BadPolicyCase{"UnknownCategory", "severity:\n  calls: high\n",
                      "2:3: severity.calls: unknown key 'calls' (expected one of: video, "
                      "messaging, presence, visibility-loss)"},
        BadPolicyCase{"BadSuppression", "alert_suppression: soon\n",
                      "1:20: alert_suppression: 'soon' is not a duration (use e.g. 30s, 5m, 1h, "
                      "1d or seconds)"},
        BadPolicyCase{"WrongType", "alert_on_attachment_possible: maybe\n",
                      "1:31: alert_on_attachment_possible: 'maybe' is not true or false"},
        BadPolicyCase{"UnknownKey", "clinic: x\nnetworks: [10.0.0.0/8]\n",
                      "2:1: networks: unknown key 'networks' (expected one of: clinic, "
                      "baa_on_file, clinical_networks, exemptions, severity, alert_suppression, "
                      "alert_on_attachment_possible, minimum_alert_confidence)"}),
    [](const ::testing::TestParamInfo<BadPolicyCase>& info) { return info.param.name; });

TEST(PolicyLoader, MissingFileNamesThePath) {
  TempFolder folder;
  EXPECT_EQ(errorOf(folder.path("policy.yaml")),
            folder.path("policy.yaml") + ": cannot read the file");
}

}  // namespace
}  // namespace baawatch::policy
