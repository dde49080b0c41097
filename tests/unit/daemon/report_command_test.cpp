// `baawatch report` and `baawatch verify` on real chained logs: a rotated series given newest
// first is intact and reads the same as oldest first (first/last seen included); a file that is
// not a log is an error with a non-zero exit; a real change is still named by file and line.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "baawatch/daemon/report_command.hpp"
#include "baawatch/daemon/verify_command.hpp"
#include "baawatch/sink/hash_chain.hpp"
#include "baawatch/sink/record_sink.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::daemon {
namespace {

using nlohmann::json;

json encounter(const std::string& id, const std::string& start, const std::string& end) {
  return {{"event_type", "encounter"},
          {"schema_version", 1},
          {"timestamp", end},
          {"encounter_id", id},
          {"device", {{"id", "mac:5a:3c:9e:41:07:2d"}, {"ip", "192.168.10.23"},
                      {"mac", "5a:3c:9e:41:07:2d"}, {"host_name", "dr-lee-iphone"}}},
          {"service", {{"id", "whatsapp"}, {"name", "WhatsApp"}, {"vendor", "Meta"},
                       {"category", "messaging"}, {"baa_status", "none"}}},
          {"start", start},
          {"end", end},
          {"kind", "messaging"},
          {"policy", {{"rule", "no_baa.messaging"}, {"action", "alert"}, {"version", "v1"}}}};
}

struct CommandRun {
  int status = 0;
  std::string out;
};

CommandRun runCommand(int (*command)(int, char**), std::vector<std::string> arguments) {
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  CommandRun result;
  result.status = command(static_cast<int>(argv.size()), argv.data());
  result.out = ::testing::internal::GetCapturedStdout();
  result.out += ::testing::internal::GetCapturedStderr();
  return result;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// alerts.jsonl-20261203 (January to June) rotated into alerts.jsonl (December).
struct RotatedLog {
  baawatch::testing::TempFolder folder;
  std::string rotated = folder.path("alerts.jsonl-20261203");
  std::string live = folder.path("alerts.jsonl");
  RotatedLog() {
    std::string last;
    {
      sink::JsonLinesSinkOptions options;
      options.createdAt = "2026-01-05T08:00:00.000000Z";
      auto file = sink::JsonLinesSink::open(rotated, options);
      EXPECT_TRUE(file.has_value());
      (*file)->write(encounter("a1", "2026-01-05T09:00:00.000000Z", "2026-01-05T09:10:00.000000Z"));
      (*file)->write(encounter("a2", "2026-06-01T09:00:00.000000Z", "2026-06-01T09:10:00.000000Z"));
      last = (*file)->lastHash();
    }
    sink::JsonLinesSinkOptions options;
    options.createdAt = "2026-12-03T00:00:01.000000Z";
    options.predecessor = sink::ChainPredecessor{"alerts.jsonl-20261203", last};
    auto file = sink::JsonLinesSink::open(live, options);
    EXPECT_TRUE(file.has_value());
    (*file)->write(encounter("b1", "2026-12-03T10:00:00.000000Z", "2026-12-03T10:30:00.000000Z"));
  }
};

TEST(ReportCommand, ARotatedLogGivenNewestFirstIsIntactAndReadsTheSame) {
  RotatedLog log;
  const std::string newestFirst = log.folder.path("newest-first");
  const std::string oldestFirst = log.folder.path("oldest-first");
  CommandRun reversed = runCommand(runReportCommand, {"report", log.live, log.rotated, "--out", newestFirst});
  ASSERT_EQ(reversed.status, 0) << reversed.out;
  EXPECT_NE(reversed.out.find("hash chain: intact"), std::string::npos) << reversed.out;
  EXPECT_NE(reversed.out.find("read in chain order: " + log.rotated + " " + log.live),
            std::string::npos)
      << reversed.out;
  std::string html = readText(newestFirst + "/report.html");
  EXPECT_NE(html.find("hash chain is intact"), std::string::npos);
  EXPECT_EQ(html.find("<b>broken</b>"), std::string::npos);

  CommandRun given = runCommand(runReportCommand, {"report", log.rotated, log.live, "--out", oldestFirst});
  ASSERT_EQ(given.status, 0) << given.out;
  EXPECT_EQ(given.out.find("read in chain order"), std::string::npos) << given.out;
  // First and last seen (and everything else) do not depend on the order given.
  for (const char* name : {"devices.csv", "encounters.csv", "services.csv", "daily.csv"})
    EXPECT_EQ(readText(newestFirst + "/" + name), readText(oldestFirst + "/" + name)) << name;
  std::string devices = readText(newestFirst + "/devices.csv");
  EXPECT_NE(devices.find("2026-01-05T09:00:00Z"), std::string::npos) << devices;
  EXPECT_NE(devices.find("2026-12-03T10:30:00Z"), std::string::npos) << devices;
}

TEST(ReportCommand, AChangedRecordIsBrokenAndNamedWhateverTheOrder) {
  RotatedLog log;
  std::string text = readText(log.rotated);
  auto at = text.find("\"a2\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 4, "\"a9\"");
  std::ofstream(log.rotated, std::ios::binary | std::ios::trunc) << text;
  CommandRun result = runCommand(runReportCommand, {"report", log.live, log.rotated, "--out",
                                      log.folder.path("out")});
  ASSERT_EQ(result.status, 0) << result.out;  // the report is written, and says what is wrong
  EXPECT_NE(result.out.find("BROKEN: " + log.rotated + ":3: record altered"), std::string::npos)
      << result.out;
  std::string html = readText(log.folder.path("out/report.html"));
  EXPECT_NE(html.find("<b>broken</b>"), std::string::npos);
  EXPECT_NE(html.find(log.rotated + ":3:"), std::string::npos);
}

TEST(ReportCommand, AFileThatIsNotALogIsAnError) {
  baawatch::testing::TempFolder folder;
  std::string capture = folder.path("capture.pcap");
  {
    std::ofstream out(capture, std::ios::binary);
    std::string bytes = {'\xd4', '\xc3', '\xb2', '\xa1', '\x02', '\x00', '\x0a', '\x00', '\x45',
                         '\x00', '\x0a', '\x11', '\x00', '\x0a', '\x7f'};
    for (int packet = 0; packet < 100; ++packet) out << bytes;
  }
  CommandRun result = runCommand(runReportCommand, {"report", capture, "--out", folder.path("out")});
  EXPECT_EQ(result.status, 1) << result.out;
  EXPECT_NE(result.out.find(capture + ":2: not a baawatch JSON-lines log"), std::string::npos)
      << result.out;
  EXPECT_EQ(result.out.find("read 0 records"), std::string::npos) << result.out;

  CommandRun verify = runCommand(runVerifyCommand, {"verify", capture});
  EXPECT_EQ(verify.status, 1) << verify.out;
  EXPECT_NE(verify.out.find("not a baawatch JSON-lines log"), std::string::npos) << verify.out;
}

TEST(VerifyCommand, PutsFilesInChainOrderAndSaysSo) {
  RotatedLog log;
  CommandRun result = runCommand(runVerifyCommand, {"verify", log.live, log.rotated});
  EXPECT_EQ(result.status, 0) << result.out;
  EXPECT_NE(result.out.find("note: checked in chain order: " + log.rotated + " " + log.live),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("intact: 5 records in 2 files"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace baawatch::daemon
