// The catalog loader checks the signature files against what the detectors read: a copy of the
// shipped signatures/ with one rule renamed, one threshold misspelt, missing or of the wrong type
// is refused with the file, line and column, instead of a detector quietly losing its rule.
#include "baawatch/classify/detector_needs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "baawatch/common/config_error.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::classify {
namespace {

using testing::TempFolder;
namespace fs = std::filesystem;

const std::string kShipped = std::string(BAAWATCH_SOURCE_DIR) + "/signatures";

std::string readFile(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

// The 1-based line and column where `needle` starts in `text`.
std::string positionOf(const std::string& text, const std::string& needle) {
  std::size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  if (at == std::string::npos) return "?";
  std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + at, '\n'));
  std::size_t lineStart = text.rfind('\n', at);
  std::size_t column = at - (lineStart == std::string::npos ? 0 : lineStart + 1) + 1;
  return std::to_string(line) + ":" + std::to_string(column);
}

// A copy of the shipped signatures with `from` replaced by `to` in services/`service`.yaml.
struct EditedSignatures {
  TempFolder folder;
  std::string file;
  std::string text;

  EditedSignatures(const std::string& service, const std::string& from, const std::string& to) {
    fs::copy(kShipped, folder.path(), fs::copy_options::recursive);
    file = folder.path("services/" + service + ".yaml");
    text = readFile(file);
    std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from << " not in " << service << ".yaml";
    if (at != std::string::npos) text.replace(at, from.size(), to);
    folder.write("services/" + service + ".yaml", text);
  }
};

std::string errorOf(const std::string& folder) {
  try {
    loadSignatureCatalog(folder);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "loaded";
}

TEST(DetectorNeeds, ShippedSignaturesMeetEveryNeed) {
  SignatureCatalog catalog = loadSignatureCatalog(kShipped);
  for (const DetectorNeeds& need : builtInDetectorNeeds()) {
    if (need.serviceId == kAnyService) continue;
    const ServiceSignature* service = catalog.find(need.serviceId);
    ASSERT_NE(service, nullptr) << need.detector << " reads " << need.serviceId;
    for (const std::string& rule : need.ruleIds) EXPECT_NE(service->findRule(rule), nullptr);
    for (const ThresholdNeed& threshold : need.thresholds) {
      EXPECT_TRUE(service->behaviour.contains(threshold.name) ||
                  service->behaviourLists.contains(threshold.name))
          << threshold.name;
    }
  }
}

TEST(DetectorNeeds, RenamedRuleIsRefusedWithItsLocation) {
  EditedSignatures edited("facetime", "id: facetime.relay-space", "id: facetime.relay-range");
  std::string error = errorOf(edited.folder.path());
  // The `rules:` list is where the rule is missing from.
  std::string rules = edited.text.substr(edited.text.find("rules:"));
  std::string expected = edited.file + ":" +
                         positionOf(edited.text, "- id: facetime.") +
                         ": rules: no rule 'facetime.relay-space', which the FaceTime behaviour "
                         "detector reads";
  EXPECT_EQ(error, expected);
}

struct BadThresholdCase {
  std::string name;
  std::string service;
  std::string from;
  std::string to;
  std::string at;   // text whose position the error names
  std::string why;  // the error after "file:line:column: "
};

class BadThresholdTest : public ::testing::TestWithParam<BadThresholdCase> {};

TEST_P(BadThresholdTest, IsRefusedWithItsLocation) {
  const BadThresholdCase& c = GetParam();
  EditedSignatures edited(c.service, c.from, c.to);
  EXPECT_EQ(errorOf(edited.folder.path()),
            edited.file + ":" + positionOf(edited.text, c.at) + ": " + c.why);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadThresholdTest,
    ::testing::Values(
        BadThresholdCase{
            "Misspelt", "facetime", "  call_min_seconds:", "  call_min_secnds:", "call_min_secnds:",
            "behaviour.call_min_secnds: no detector reads threshold "
            "'call_min_secnds' (thresholds read from facetime's file: "
            "call_min_seconds, high_min_signals, high_min_weight, media_min_kbps, "
            "media_min_packets_per_second, medium_min_signals, medium_min_weight, "
            "observe_max_packets, observe_max_seconds, push_before_call_seconds, "
            "rtp_min_facetime_packets, "
            "rtp_min_packets, rtp_payload_types, session_window_seconds, "
            "socket_association_seconds, video_min_kbps, weight_apple_address, "
            "weight_apple_stun_attributes, weight_documented_port, weight_legacy_symmetric_port, "
            "weight_media_both_ways, weight_quic_without_sni, weight_rtp, "
            "weight_rtp_facetime_types, weight_stun_turn)"},
        BadThresholdCase{"MisspeltInAnotherService", "imessage", "  attachment_window_seconds:",
                         "  attachment_window_second:", "attachment_window_second:",
                         "behaviour.attachment_window_second: no detector reads threshold "
                         "'attachment_window_second' (thresholds read from imessage's file: "
                         "apns_activity_min_payload_bytes, attachment_window_seconds, "
                         "session_window_seconds, socket_association_seconds)"},
        BadThresholdCase{"CountWithAFraction", "facetime", "value: 20000", "value: 200.5", "200.5",
                         "behaviour.observe_max_packets.value: needs a whole number >= 0 in "
                         "'value'"},
        BadThresholdCase{"NegativeNumber", "facetime", "value: 250", "value: -250", "-250",
                         "behaviour.video_min_kbps.value: needs a number >= 0 in 'value'"},
        BadThresholdCase{"PayloadTypeOutOfRange", "facetime", "values: [100,", "values: [300,",
                         "300, 123",
                         "behaviour.rtp_payload_types.values[0]: needs a list of RTP payload "
                         "types (whole numbers 0-127) in 'values'"},
        BadThresholdCase{"ListWhereANumberIsRead", "facetime", "value: 5\n", "values: [5]\n",
                         "values: [5]",
                         "behaviour.call_min_seconds: needs a number >= 0 in 'value'"}),
    [](const ::testing::TestParamInfo<BadThresholdCase>& info) { return info.param.name; });

TEST(DetectorNeeds, MissingThresholdIsRefusedAtTheBehaviourSection) {
  // The threshold's entry (its key, value and reason lines) removed from imessage.yaml.
  EditedSignatures edited("imessage", "", "");
  std::string text = edited.text;
  std::size_t start = text.find("  attachment_window_seconds:");
  std::size_t end = text.find("  apns_activity_min_payload_bytes:");
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  text.erase(start, end - start);
  edited.folder.write("services/imessage.yaml", text);
  EXPECT_EQ(errorOf(edited.folder.path()),
            edited.file + ":" + positionOf(text, "apns_activity_min_payload_bytes:") +
                ": behaviour: no threshold 'attachment_window_seconds' (a number >= 0 in "
                "'value'), which the iMessage attachment correlation detector reads");
}

TEST(DetectorNeeds, FaceTimeWithoutASignalWeightIsRefused) {
  // FaceTime's weights and combination thresholds are needs like any other: a file without one
  // is refused, the detector never falls back to a weight of its own.
  for (const std::string name : {"weight_apple_stun_attributes", "high_min_weight"}) {
    EditedSignatures edited("facetime", "", "");
    std::string text = edited.text;
    std::size_t start = text.find("  " + name + ":");
    ASSERT_NE(start, std::string::npos) << name;
    std::size_t end = text.find("\n  ", text.find("reason:", start));
    ASSERT_NE(end, std::string::npos) << name;
    text.erase(start, end + 1 - start);
    edited.folder.write("services/facetime.yaml", text);
    EXPECT_EQ(errorOf(edited.folder.path()),
              edited.file + ":" + positionOf(text, "call_min_seconds:") + ": behaviour: no threshold '" +
                  name + "' (a number >= 0 in 'value'), which the FaceTime behaviour detector reads");
  }
}

TEST(DetectorNeeds, OptionalThresholdMayBeSetByAnyService) {
  EditedSignatures edited("zoom", "rules:",
                          "behaviour:\n  session_window_seconds: {value: 300, reason: \"r\"}\n"
                          "rules:");
  SignatureCatalog catalog = loadSignatureCatalog(edited.folder.path());
  EXPECT_DOUBLE_EQ(catalog.find("zoom")->behaviour.at("session_window_seconds"), 300);
}

TEST(DetectorNeeds, ACatalogWithoutTheServiceLeavesItsDetectorIdle) {
  TempFolder folder;
  fs::copy(kShipped, folder.path(), fs::copy_options::recursive);
  fs::remove(folder.path("services/facetime.yaml"));
  SignatureCatalog catalog = loadSignatureCatalog(folder.path());
  EXPECT_EQ(catalog.find("facetime"), nullptr);
}

}  // namespace
}  // namespace baawatch::classify
