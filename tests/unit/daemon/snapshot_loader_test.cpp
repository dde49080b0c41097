#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "baawatch/daemon/snapshot_loader.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::daemon {
namespace {

using baawatch::testing::TempFolder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kSourceDir = BAAWATCH_SOURCE_DIR;

// A copy of the shipped signatures, so one file can be broken without touching the tree.
std::string copySignatures(const TempFolder& folder) {
  std::string copy = folder.path("signatures");
  std::filesystem::copy(kSourceDir + "/signatures", copy,
                        std::filesystem::copy_options::recursive);
  return copy;
}

void append(const std::string& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::app) << text;
}

// Three independent errors in three files: --check-config must name all three, not the first.
TEST(SnapshotLoader, ListsEveryErrorOfSettingsSignaturesAndPolicy) {
  TempFolder folder;
  std::string signatures = copySignatures(folder);
  std::string broken = signatures + "/services/telegram.yaml";
  append(broken, "colour: blue\n");
  std::string policy = folder.write("policy.yaml",
                                    "clinical_networks:\n"
                                    "  - 10.0.0.0/8\n"
                                    "  - 10.1.0.0/33\n");
  std::string config = folder.write("baawatch.yaml",
                                    "signatures: signatures\n"
                                    "policy: policy.yaml\n"
                                    "workers: 0\n");
  SnapshotResult result = loadSnapshot({config, "", "", ""});
  EXPECT_FALSE(result.snapshot);
  ASSERT_EQ(result.errors.size(), 3u) << ::testing::PrintToString(result.errors);
  EXPECT_EQ(result.errors[0], config + ":3:10: workers: 0 is outside 1-64");
  EXPECT_THAT(result.errors[1], HasSubstr(broken + ":"));
  EXPECT_THAT(result.errors[1], HasSubstr(": colour: unknown key 'colour'"));
  EXPECT_EQ(result.errors[2], policy + ":3:5: clinical_networks[1]: '10.1.0.0/33' is not a CIDR range");
}

// Within one file every independent key and list entry is checked; the errors are listed from
// the top of the file down.
TEST(SnapshotLoader, ListsSeveralErrorsOfOneFile) {
  TempFolder folder;
  std::string config = folder.write("baawatch.yaml",
                                    "workers: many\n"
                                    "colour: blue\n"
                                    "output:\n"
                                    "  format: xml\n"
                                    "  syslog:\n"
                                    "    - {transport: carrier-pigeon, address: 'a:1'}\n"
                                    "    - {address: 'no-port'}\n"
                                    "flows: {max_flows: 0}\n");
  SnapshotResult result =
      loadSnapshot({config, kSourceDir + "/signatures", "", ""});
  EXPECT_THAT(result.errors,
              ElementsAre(config + ":1:10: workers: 'many' is not a whole number",
                          config + ":2:1: colour: unknown key 'colour' (expected one of: "
                                   "signatures, policy, sensor, output, flows, dns_cache, "
                                   "capture, user, state_directory, workers)",
                          config + ":4:11: output.format: 'xml' is not an output format (json, ecs)",
                          config + ":6:19: output.syslog[0].transport: 'carrier-pigeon' is not "
                                   "udp, tcp, tls or unix",
                          config + ":7:17: output.syslog[1].address: 'no-port' is not host:port",
                          config + ":8:20: flows.max_flows: 0 is outside 1-100000000"));
}

// A policy entry naming a service whose signature file failed is not reported a second time, and
// other entries are still checked.
TEST(SnapshotLoader, PolicyIsCheckedAgainstTheServicesThatLoaded) {
  TempFolder folder;
  std::string signatures = copySignatures(folder);
  std::string broken = signatures + "/services/zoom.yaml";
  append(broken, "colour: blue\n");
  std::string policy = folder.write("policy.yaml",
                                    "baa_on_file:\n"
                                    "  - {service: zoom, reference: 'BAA 1', signed: 2024-03-01}\n"
                                    "  - {service: webex, reference: 'BAA 2', signed: 2024-13-01}\n"
                                    "  - {service: zooom, reference: 'BAA 3', signed: 2024-03-01}\n");
  SnapshotResult result = loadSnapshot({"", signatures, policy, ""});
  ASSERT_EQ(result.errors.size(), 3u) << ::testing::PrintToString(result.errors);
  EXPECT_THAT(result.errors[0], HasSubstr(broken + ":"));
  EXPECT_EQ(result.errors[1],
            policy + ":3:50: baa_on_file[1].signed: '2024-13-01' is not a date (YYYY-MM-DD)");
  EXPECT_THAT(result.errors[2],
              HasSubstr(policy + ":4:15: baa_on_file[2].service: 'zooom' is not a known service"));
}

TEST(SnapshotLoader, ShippedFilesLoad) {
  SnapshotResult result = loadSnapshot({kSourceDir + "/etc/baawatch.yaml",
                                        kSourceDir + "/signatures", kSourceDir + "/etc/policy.yaml",
                                        ""});
  EXPECT_THAT(result.errors, IsEmpty());
  EXPECT_TRUE(result.snapshot);
}

}  // namespace
}  // namespace baawatch::daemon
