// JsonLinesSink: one line per record, a partial last line found and closed at open, a chain that
// goes on across restarts, and open errors as values.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "baawatch/sink/hash_chain.hpp"
#include "baawatch/sink/record_sink.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

using nlohmann::json;

std::string readFile(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

std::vector<json> readRecords(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  std::vector<json> records;
  for (std::string line; std::getline(stream, line);) records.push_back(json::parse(line, nullptr, false));
  return records;
}

json record(int index) {
  return {{"event_type", "alert"}, {"schema_version", 1}, {"timestamp", "2025-07-14T09:30:01Z"},
          {"host", std::string("bad\xff" "utf8")}, {"index", index}};
}

JsonLinesSinkOptions unchained() {
  JsonLinesSinkOptions options;
  options.hashChain = false;
  return options;
}

TEST(JsonLinesSink, WritesOneCompleteLinePerRecordAndReplacesBadUtf8) {
  baawatch::testing::TempFolder folder;
  std::string path = folder.path("out.jsonl");
  {
    auto sink = JsonLinesSink::open(path, unchained());
    ASSERT_TRUE(sink.has_value()) << sink.error();
    (*sink)->write(record(1));
    (*sink)->write(record(2));
    EXPECT_EQ((*sink)->written(), 2u);
    // Unbuffered: the lines are in the file before flush or close, as after a crash.
    EXPECT_EQ(readFile(path).size(), readFile(path).rfind('\n') + 1);
  }
  auto records = readRecords(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["index"], 2);
  EXPECT_EQ(records[0]["host"], "bad\xef\xbf\xbd" "utf8");
  EXPECT_FALSE(records[0].contains("chain"));
}

TEST(JsonLinesSink, ClosesAPartialLastLineAndCountsIt) {
  baawatch::testing::TempFolder folder;
  std::string path = folder.write("out.jsonl", record(1).dump(-1, ' ', false, json::error_handler_t::replace) + "\n{\"event_type\":\"ale");
  auto sink = JsonLinesSink::open(path, unchained());
  ASSERT_TRUE(sink.has_value());
  EXPECT_EQ((*sink)->counters().get("sink.partial_line_recovered"), 1u);
  (*sink)->write(record(2));
  std::string text = readFile(path);
  EXPECT_NE(text.find("{\"event_type\":\"ale\n{"), std::string::npos) << text;
  auto records = readRecords(path);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[1].is_discarded());  // the fragment stays as it was, on its own line
  EXPECT_EQ(records[2]["index"], 2);
}

TEST(JsonLinesSink, CountsNothingForACleanFile) {
  baawatch::testing::TempFolder folder;
  std::string path = folder.write("out.jsonl", record(1).dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
  auto sink = JsonLinesSink::open(path, unchained());
  ASSERT_TRUE(sink.has_value());
  EXPECT_EQ((*sink)->counters().get("sink.partial_line_recovered"), 0u);
}

// A disk that fills up mid-line (here a file size limit, as a quota would): the part written is
// cut off, the record is counted as lost, and the chain goes on from the last record in the file,
// so the file still verifies and every line parses.
TEST(JsonLinesSink, ARecordTheDiskRefusesLeavesNoFragmentAndTheChainWhole) {
  baawatch::testing::TempFolder folder;
  std::string path = folder.path("alerts.jsonl");
  auto sink = JsonLinesSink::open(path);
  ASSERT_TRUE(sink.has_value());
  (*sink)->write(record(1));
  std::string hashBefore = (*sink)->lastHash();
  auto sizeNow = static_cast<rlim_t>(std::filesystem::file_size(path));

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto savedSignal = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  rlimit tight = saved;
  tight.rlim_cur = sizeNow + 40;  // room for a part of the next line only
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  (*sink)->write(record(2));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, savedSignal);

  EXPECT_EQ((*sink)->counters().get("sink.write_errors"), 1u);
  EXPECT_EQ((*sink)->lastHash(), hashBefore) << "the chain must not move on without the record";
  EXPECT_EQ(std::filesystem::file_size(path), sizeNow) << "the fragment must be cut off";
  (*sink)->write(record(3));
  auto records = readRecords(path);
  ASSERT_EQ(records.size(), 3u);  // chain_start, 1, 3
  for (const auto& parsed : records) EXPECT_FALSE(parsed.is_discarded());
  EXPECT_EQ(records[2]["index"], 3);
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
}

TEST(JsonLinesSink, GoesOnWithTheChainAfterARestart) {
  baawatch::testing::TempFolder folder;
  std::string path = folder.path("alerts.jsonl");
  std::string lastHash;
  {
    auto sink = JsonLinesSink::open(path);
    ASSERT_TRUE(sink.has_value());
    (*sink)->write(record(1));
    lastHash = (*sink)->lastHash();
  }
  {
    auto sink = JsonLinesSink::open(path);
    ASSERT_TRUE(sink.has_value());
    EXPECT_EQ((*sink)->lastHash(), lastHash);
    (*sink)->write(record(2));
  }
  auto records = readRecords(path);
  ASSERT_EQ(records.size(), 3u);  // one chain_start, not one per start
  EXPECT_EQ(records[0]["event_type"], "chain_start");
  EXPECT_EQ(records[2]["chain"]["prev_hash"], lastHash);
  EXPECT_TRUE(verifyChainedLogs({path}).intact) << verifyChainedLogs({path}).message;
}

TEST(JsonLinesSink, ChainsAcrossACrashFragmentAndVerifyAcceptsIt) {
  baawatch::testing::TempFolder folder;
  std::string path = folder.path("alerts.jsonl");
  {
    auto sink = JsonLinesSink::open(path);
    ASSERT_TRUE(sink.has_value());
    (*sink)->write(record(1));
  }
  std::ofstream(path, std::ios::app | std::ios::binary) << "{\"event_type\":\"alert\",\"ind";
  {
    auto sink = JsonLinesSink::open(path);
    ASSERT_TRUE(sink.has_value());
    EXPECT_EQ((*sink)->counters().get("sink.partial_line_recovered"), 1u);
    (*sink)->write(record(2));
  }
  auto records = readRecords(path);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[3]["event_type"], "sink_recovery");
  EXPECT_EQ(records[3]["partial_line"]["bytes"], 26);
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  ASSERT_EQ(verdict.notes.size(), 1u);
  EXPECT_NE(verdict.notes[0].find(":3: partial line"), std::string::npos) << verdict.notes[0];

  // The fragment is covered by the recovery record's hash: changing it is tampering.
  std::string text = readFile(path);
  text.replace(text.find("\"ind\n"), 4, "\"inx");
  std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
  EXPECT_FALSE(verifyChainedLogs({path}).intact);
}

TEST(JsonLinesSink, AnUncutLastLineIsReportedByVerifyAsANoteOnly) {
  baawatch::testing::TempFolder folder;
  std::string path = folder.path("alerts.jsonl");
  {
    auto sink = JsonLinesSink::open(path);
    ASSERT_TRUE(sink.has_value());
    (*sink)->write(record(1));
  }
  std::ofstream(path, std::ios::app | std::ios::binary) << "{\"event_t";
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_EQ(verdict.records, 2u);
  ASSERT_EQ(verdict.notes.size(), 1u);
  EXPECT_NE(verdict.notes[0].find("partial last line"), std::string::npos);
}

TEST(JsonLinesSink, OpenFailsWithTheFileNamedWhenTheFolderIsMissing) {
  auto sink = JsonLinesSink::open("/nonexistent/folder/out.jsonl");
  ASSERT_FALSE(sink.has_value());
  EXPECT_NE(sink.error().find("/nonexistent/folder/out.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace baawatch::sink
