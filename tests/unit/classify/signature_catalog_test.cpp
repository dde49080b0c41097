#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"

#include "baawatch/classify/detector_needs.hpp"
#include "baawatch/common/config_error.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::classify {
namespace {

using baawatch::testing::TempFolder;

const std::string kSourceDir = BAAWATCH_SOURCE_DIR;

std::string errorOf(const std::string& folder) {
  try {
    loadSignatureCatalog(folder);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

// A valid service file whose rules are `rules` (YAML lines, indented for the `rules:` list).
std::string serviceYaml(const std::string& id, const std::string& rules) {
  return "id: " + id +
         "\n"
         "name: Example\n"
         "vendor: Example Inc.\n"
         "category: messaging\n"
         "baa:\n"
         "  status: none\n"
         "  statement: \"No BAA.\"\n"
         "  source: \"https://example.com/baa\"\n"
         "rules:\n" +
         rules;
}

const std::string kNamesRule =
    "  - id: chat.names\n"
    "    names: [chat.example]\n"
    "    reason: \"r\"\n"
    "    source: \"s\"\n";

TEST(SignatureCatalog, LoadsAllFieldsOfARule) {
  TempFolder folder;
  folder.write("services/chat.yaml",
               serviceYaml("chat",
                           "  - id: chat.media\n"
                           "    ip_ranges: [\"192.0.2.0/24\", \"2001:db8::/32\"]\n"
                           "    protocol: udp\n"
                           "    ports: [3478, \"5000-5010\"]\n"
                           "    kind: call\n"
                           "    confidence: high\n"
                           "    reason: \"Media relays.\"\n"
                           "    source: \"https://example.com/net\"\n" +
                               kNamesRule) +
                   "behaviour:\n  min_call_seconds: {value: 10, reason: \"shorter is a probe\"}\n");
  // A detector of this test reads the threshold (the loader refuses thresholds nobody reads).
  SignatureCatalog catalog = loadSignatureCatalog(
      folder.path(), {DetectorNeeds{"test", "chat", {}, {{"min_call_seconds"}}}});
  ASSERT_EQ(catalog.services.size(), 1u);
  const ServiceSignature& service = catalog.services[0];
  EXPECT_EQ(service.id, "chat");
  EXPECT_EQ(service.category, Category::kMessaging);
  EXPECT_EQ(service.baaStatus, BaaStatus::kNone);
  EXPECT_EQ(service.baaSource, "https://example.com/baa");
  EXPECT_EQ(service.file, folder.path("services/chat.yaml"));
  ASSERT_EQ(service.rules.size(), 2u);
  const SignatureRule& media = service.rules[0];
  EXPECT_EQ(media.protocol, L4Protocol::kUdp);
  EXPECT_EQ(media.kind, UseKind::kCall);
  EXPECT_EQ(media.confidence, Confidence::kHigh);
  ASSERT_EQ(media.ipRanges.size(), 2u);
  EXPECT_EQ(media.ipRanges[1].toString(), "2001:db8::/32");
  ASSERT_EQ(media.ports.size(), 2u);
  EXPECT_EQ(media.ports[1].first, 5000);
  EXPECT_EQ(media.ports[1].last, 5010);
  const SignatureRule& names = service.rules[1];
  EXPECT_EQ(names.kind, UseKind::kWeb);              // default
  EXPECT_EQ(names.confidence, Confidence::kMedium);  // default
  EXPECT_EQ(names.protocol, L4Protocol::kAny);       // default
  EXPECT_EQ(names.suffixNames, std::vector<std::string>{"chat.example"});
  EXPECT_DOUBLE_EQ(service.behaviour.at("min_call_seconds"), 10);
  EXPECT_EQ(service.behaviourReasons.at("min_call_seconds"), "shorter is a probe");
  EXPECT_EQ(catalog.find("chat"), &service);
  EXPECT_EQ(catalog.find("other"), nullptr);
}

TEST(SignatureCatalog, ReadsIpListFiles) {
  TempFolder folder;
  folder.write("lists/chat.txt",
               "# Example list, from example.com, 2025-01-01\n192.0.2.0/24\n\n"
               "  198.51.100.0/24   # trailing comment\n2001:db8::/32\n");
  folder.write("services/chat.yaml", serviceYaml("chat",
                                                 "  - id: chat.addresses\n"
                                                 "    ip_list: lists/chat.txt\n"
                                                 "    reason: \"r\"\n"
                                                 "    source: \"s\"\n"));
  SignatureCatalog catalog = loadSignatureCatalog(folder.path());
  const auto& ranges = catalog.services.at(0).rules.at(0).ipRanges;
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[1].toString(), "198.51.100.0/24");
}

TEST(SignatureCatalog, VersionIsAStableContentHash) {
  TempFolder folder;
  folder.write("services/chat.yaml", serviceYaml("chat", kNamesRule));
  std::string first = loadSignatureCatalog(folder.path()).version;
  EXPECT_EQ(first.size(), 16u);
  EXPECT_EQ(loadSignatureCatalog(folder.path()).version, first);
  folder.write("services/chat.yaml", serviceYaml("chat", kNamesRule) + "# edited\n");
  EXPECT_NE(loadSignatureCatalog(folder.path()).version, first);
}

TEST(SignatureCatalog, ToStringNamesMatchTheFileFormat) {
  EXPECT_EQ(toString(Category::kVisibilityLoss), "visibility-loss");
  EXPECT_EQ(toString(Category::kVideo), "video");
  EXPECT_EQ(toString(Confidence::kLow), "low");
  EXPECT_EQ(toString(UseKind::kCall), "call");
  EXPECT_EQ(toString(UseKind::kPresence), "presence");
  EXPECT_EQ(toString(BaaStatus::kAvailable), "available");
}

struct BadRuleCase {
  std::string name;
  std::string rules;    // the `rules:` list of services/chat.yaml
  std::string message;  // expected text after "<folder>/services/chat.yaml:"; {file} = that path
};

class BadRuleTest : public ::testing::TestWithParam<BadRuleCase> {};

TEST_P(BadRuleTest, IsRefusedWithLocationAndField) {
  TempFolder folder;
  std::string file = folder.write("services/chat.yaml", serviceYaml("chat", GetParam().rules));
  std::string expected = file + ":" + GetParam().message;
  if (auto at = expected.find("{file}"); at != std::string::npos) expected.replace(at, 6, file);
  EXPECT_EQ(errorOf(folder.path()), expected);
}

// Line numbers: serviceYaml puts the first rule on line 10.
INSTANTIATE_TEST_SUITE_P(
    Cases, BadRuleTest,
    ::testing::Values(
        BadRuleCase{"NoMatchFamily", "  - id: chat.none\n    reason: \"r\"\n    source: \"s\"\n",
                    "10:5: rules[0]: a rule needs exactly one match family (names/exact_names, "
                    "ip_ranges/ip_list, ndpi or wire); found none"},
        BadRuleCase{"TwoMatchFamilies",
                    "  - id: chat.two\n    names: [a.example]\n    ndpi: [Signal]\n"
                    "    reason: \"r\"\n    source: \"s\"\n",
                    "10:5: rules[0]: a rule needs exactly one match family (names/exact_names, "
                    "ip_ranges/ip_list, ndpi or wire); found names and ndpi"},
        BadRuleCase{"BadCidr",
                    "  - id: chat.ip\n    ip_ranges: [\"192.0.2.0/24\", \"10.0.0.0/33\"]\n"
                    "    reason: \"r\"\n    source: \"s\"\n",
                    "11:33: rules[0].ip_ranges[1]: '10.0.0.0/33' is not a CIDR range"},
        BadRuleCase{"PortOutOfRange",
                    "  - id: chat.ip\n    ip_ranges: [\"192.0.2.0/24\"]\n    ports: [443, 70000]\n"
                    "    reason: \"r\"\n    source: \"s\"\n",
                    "12:18: rules[0].ports[1]: 70000 is outside 1-65535"},
        BadRuleCase{"PortRangeOutOfRange",
                    "  - id: chat.ip\n    ip_ranges: [\"192.0.2.0/24\"]\n    ports: [\"0-10\"]\n"
                    "    reason: \"r\"\n    source: \"s\"\n",
                    "12:13: rules[0].ports[0]: '0-10': port 0 is outside 1-65535"},
        BadRuleCase{
            "ReversedPortRange",
            "  - id: chat.ip\n    ip_ranges: [\"192.0.2.0/24\"]\n    ports: [\"5010-5000\"]\n"
            "    reason: \"r\"\n    source: \"s\"\n",
            "12:13: rules[0].ports[0]: '5010-5000' is a reversed range (first port above "
            "last)"},
        BadRuleCase{"EmptyList",
                    "  - id: chat.names\n    names: []\n    reason: \"r\"\n    source: \"s\"\n",
                    "11:12: rules[0].names: an empty list matches nothing"},
        BadRuleCase{"WrongType",
                    "  - id: chat.names\n    names: chat.example\n    reason: \"r\"\n"
                    "    source: \"s\"\n",
                    "11:12: rules[0].names: expected a list, found a scalar"},
        BadRuleCase{"UnknownKey",
                    "  - id: chat.names\n    names: [chat.example]\n    sni: [x]\n"
                    "    reason: \"r\"\n    source: \"s\"\n",
                    "12:5: rules[0].sni: unknown key 'sni' (expected one of: id, names, "
                    "exact_names, name_patterns, ip_ranges, ip_list, ndpi, protocol, ports, "
                    "except_ip_ranges, except_ip_list, kind, confidence, reason, source, "
                    "behaviour_only, caveat, wire)"},
        BadRuleCase{"DuplicateRuleId", kNamesRule + kNamesRule,
                    "14:9: rules[1].id: duplicate rule id 'chat.names' (first defined in {file})"},
        BadRuleCase{"RuleIdWithoutServicePrefix",
                    "  - id: other.names\n    names: [chat.example]\n    reason: \"r\"\n"
                    "    source: \"s\"\n",
                    "10:9: rules[0].id: 'other.names' must be 'chat.' followed by lower-case "
                    "letters, digits, '-', '_' or '.'"},
        BadRuleCase{"MissingReason",
                    "  - id: chat.names\n    names: [chat.example]\n    source: \"s\"\n",
                    "10:5: rules[0]: missing required field 'reason'"},
        BadRuleCase{"UnknownNdpiName",
                    "  - id: chat.ndpi\n    ndpi: [Whatsapp]\n    reason: \"r\"\n"
                    "    source: \"s\"\n",
                    "11:12: rules[0].ndpi[0]: 'Whatsapp' is not a protocol name of the installed "
                    "nDPI (names are case-sensitive, as ndpiReader prints them)"},
        BadRuleCase{"UnknownKind",
                    "  - id: chat.names\n    names: [chat.example]\n    kind: video\n"
                    "    reason: \"r\"\n    source: \"s\"\n",
                    "12:11: rules[0].kind: 'video' is not one of: call, messaging, web, presence"},
        BadRuleCase{"UnknownWireShape",
                    "  - id: chat.wire\n    wire: [discord-ip-discovery, skype-hello]\n"
                    "    reason: \"r\"\n    source: \"s\"\n",
                    "11:34: rules[0].wire[1]: 'skype-hello' is not a wire shape baawatch "
                    "recognises (discord-ip-discovery, discord-latency-ping, dnscrypt-response, "
                    "tailscale-disco, whatsapp-chat-prologue, zoom-p2p-hello, whatsapp-stun, "
                    "telegram-stun-realm, viber-stun-realm)"},
        BadRuleCase{"WireAndAddresses",
                    "  - id: chat.wire\n    wire: [dnscrypt-response]\n"
                    "    ip_ranges: [\"192.0.2.0/24\"]\n    reason: \"r\"\n    source: \"s\"\n",
                    "10:5: rules[0]: a rule needs exactly one match family (names/exact_names, "
                    "ip_ranges/ip_list, ndpi or wire); found addresses and wire"},
        BadRuleCase{"WildcardName",
                    "  - id: chat.names\n    names: [\"*.chat.example\"]\n    reason: \"r\"\n"
                    "    source: \"s\"\n",
                    "11:13: rules[0].names[0]: '*.chat.example': write the name without '*.'; "
                    "names already match subdomains"}),
    [](const ::testing::TestParamInfo<BadRuleCase>& info) { return info.param.name; });

TEST(SignatureCatalog, ServiceLevelErrors) {
  TempFolder folder;
  std::string file = folder.write("services/chat.yaml", serviceYaml("talk", kNamesRule));
  EXPECT_EQ(errorOf(folder.path()), file + ":1:5: id: 'talk' must equal the file name 'chat'");

  folder.write("services/chat.yaml",
               "id: chat\nname: C\nvendor: V\ncategory: chat\nbaa: {status: none, statement: s, "
               "source: s}\nrules:\n" +
                   kNamesRule);
  EXPECT_EQ(errorOf(folder.path()),
            file +
                ":4:11: category: 'chat' is not one of: video, messaging, presence, "
                "visibility-loss");

  folder.write("services/chat.yaml", serviceYaml("chat", kNamesRule) + "colour: red\n");
  EXPECT_EQ(errorOf(folder.path()),
            file +
                ":14:1: colour: unknown key 'colour' (expected one of: id, name, vendor, "
                "category, baa, rules, behaviour)");

  folder.write("services/chat.yaml",
               serviceYaml("chat", kNamesRule) + "behaviour:\n  min_bytes: 5\n");
  EXPECT_EQ(errorOf(folder.path()),
            file + ":15:14: behaviour.min_bytes: expected a map, found a scalar");

  folder.write("services/chat.yaml", serviceYaml("chat", kNamesRule) +
                                         "behaviour:\n  min_bytes: {value: lots, reason: r}\n");
  EXPECT_EQ(errorOf(folder.path()),
            file + ":15:22: behaviour.min_bytes.value: 'lots' is not a number");
}

// Every rule of a file and every file of the folder is checked: one run lists all their errors,
// and the catalog loaded beside them holds the files without one.
TEST(SignatureCatalog, ListsTheErrorsOfEveryRuleAndEveryFile) {
  TempFolder folder;
  std::string chat = folder.write(
      "services/chat.yaml",
      serviceYaml("chat",
                  "  - id: chat.names\n    names: [chat.example]\n    kind: video\n"
                  "    reason: \"r\"\n    source: \"s\"\n"
                  "  - id: chat.ports\n    names: [b.example]\n    ports: [70000]\n"
                  "    reason: \"r\"\n    source: \"s\"\n"));
  std::string talk = folder.write("services/talk.yaml", serviceYaml("talk", kNamesRule));
  folder.write("services/vid.yaml", serviceYaml("vid",
                                                "  - id: vid.names\n    names: [vid.example]\n"
                                                "    reason: \"r\"\n    source: \"s\"\n"));
  std::vector<std::string> lines;
  try {
    loadSignatureCatalog(folder.path(), std::vector<DetectorNeeds>{});
    ADD_FAILURE() << "no error";
  } catch (const ConfigErrorList& errors) {
    for (const ConfigError& error : errors.errors()) lines.emplace_back(error.what());
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       chat + ":12:11: rules[0].kind: 'video' is not one of: call, messaging, "
                              "web, presence",
                       chat + ":17:13: rules[1].ports[0]: 70000 is outside 1-65535",
                       talk + ":10:9: rules[0].id: 'chat.names' must be 'talk.' followed by "
                              "lower-case letters, digits, '-', '_' or '.'"}));

  ConfigErrorCollector collected;
  PartialSignatureCatalog partial = loadSignatureCatalog(folder.path(), collected);
  EXPECT_EQ(collected.size(), 3u);
  EXPECT_TRUE(partial.folderRead);
  EXPECT_EQ(partial.failedServices, (std::set<std::string>{"chat", "talk"}));
  ASSERT_EQ(partial.catalog.services.size(), 1u);
  EXPECT_EQ(partial.catalog.services[0].id, "vid");
}

TEST(SignatureCatalog, IpListErrors) {
  TempFolder folder;
  std::string rules =
      "  - id: chat.addresses\n    ip_list: lists/chat.txt\n    reason: \"r\"\n    source: \"s\"\n";
  std::string file = folder.write("services/chat.yaml", serviceYaml("chat", rules));
  EXPECT_EQ(errorOf(folder.path()), file +
                                        ":11:14: rules[0].ip_list: 'lists/chat.txt': list file " +
                                        folder.path("lists/chat.txt") + " not found");

  std::string list =
      folder.write("lists/chat.txt", "# origin, date\n192.0.2.0/24\n  10.0.0.0/33\n");
  EXPECT_EQ(errorOf(folder.path()), list + ":3:3: '10.0.0.0/33' is not a CIDR range");

  folder.write("lists/chat.txt", "192.0.2.0/24\n");
  EXPECT_EQ(errorOf(folder.path()),
            list + ":1:1: an IP list must start with a '#' comment naming its origin and date");

  folder.write("services/chat.yaml",
               serviceYaml("chat",
                           "  - id: chat.addresses\n    ip_list: ../outside.txt\n"
                           "    reason: \"r\"\n    source: \"s\"\n"));
  EXPECT_EQ(errorOf(folder.path()),
            file +
                ":11:14: rules[0].ip_list: '../outside.txt' must be a path inside the "
                "signatures folder");
}

TEST(SignatureCatalog, MissingFolderNamesThePath) {
  TempFolder folder;
  EXPECT_EQ(errorOf(folder.path("nowhere")),
            folder.path("nowhere") + ": signatures folder not found");
  EXPECT_EQ(errorOf(folder.path()),
            folder.path("services") +
                ": services folder not found (expected one <service>.yaml per service)");
  folder.write("services/README.txt", "not a service\n");
  EXPECT_EQ(errorOf(folder.path()), folder.path("services") + ": no service files (*.yaml) found");
}

TEST(SignatureCatalog, UnreadableFileNamesThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempFolder folder;
  std::string file = folder.write("services/chat.yaml", serviceYaml("chat", kNamesRule));
  std::filesystem::permissions(file, std::filesystem::perms::none);
  EXPECT_EQ(errorOf(folder.path()), file + ": cannot read the file");
}

// The shipped detection knowledge: every service the product promises, each with its BAA
// position sourced and every rule explained.
TEST(ShippedSignatures, LoadAndAreComplete) {
  SignatureCatalog catalog = loadSignatureCatalog(kSourceDir + "/signatures");
  const std::map<std::string, Category> expected = {
      {"facetime", Category::kVideo},
      {"imessage", Category::kMessaging},
      {"apple-push", Category::kPresence},
      {"whatsapp", Category::kMessaging},
      {"signal", Category::kMessaging},
      {"telegram", Category::kMessaging},
      {"messenger", Category::kMessaging},
      {"snapchat", Category::kMessaging},
      {"viber", Category::kMessaging},
      {"wechat", Category::kMessaging},
      {"line", Category::kMessaging},
      {"discord", Category::kMessaging},
      {"skype", Category::kVideo},
      {"teams-free", Category::kVideo},
      {"google-meet", Category::kVideo},
      {"zoom", Category::kVideo},
      {"webex", Category::kVideo},
      {"kakaotalk", Category::kMessaging},
      {"threema", Category::kMessaging},
      {"icloud-private-relay", Category::kVisibilityLoss},
      {"encrypted-dns", Category::kVisibilityLoss},
      {"vpn", Category::kVisibilityLoss},
      {"tor", Category::kVisibilityLoss}};
  EXPECT_EQ(catalog.services.size(), expected.size());
  for (const auto& [id, category] : expected) {
    const ServiceSignature* service = catalog.find(id);
    ASSERT_NE(service, nullptr) << id;
    EXPECT_EQ(service->category, category) << id;
    EXPECT_FALSE(service->baaStatement.empty()) << id;
    EXPECT_FALSE(service->baaSource.empty()) << id;
    EXPECT_FALSE(service->rules.empty()) << id;
    for (const SignatureRule& rule : service->rules) {
      EXPECT_FALSE(rule.reason.empty()) << rule.id;
      EXPECT_FALSE(rule.source.empty()) << rule.id;
    }
  }
  std::set<std::string> withBaa;
  for (const auto& service : catalog.services) {
    if (service.baaStatus == BaaStatus::kAvailable) withBaa.insert(service.id);
  }
  EXPECT_EQ(withBaa, (std::set<std::string>{"google-meet", "webex", "zoom"}));
}

}  // namespace
}  // namespace baawatch::classify
