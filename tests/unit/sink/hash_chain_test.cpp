// The tamper-evident chain: hashing, sealing, and verify's answer for each kind of tampering.
#include "baawatch/sink/hash_chain.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "baawatch/sink/record_sink.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

using nlohmann::json;

constexpr const char* kCreated = "2025-07-14T09:30:00.000000Z";

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

void writeLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  for (const auto& line : lines) stream << line << "\n";
}

json alert(int index) {
  return {{"event_type", "alert"}, {"schema_version", 1}, {"timestamp", "2025-07-14T09:30:01Z"},
          {"service", {{"id", "whatsapp"}}}, {"index", index}};
}

// A chained log of a chain_start and `count` alerts; returns its path.
std::string writeLog(const baawatch::testing::TempFolder& folder, const std::string& name, int count,
                     std::optional<ChainPredecessor> predecessor = std::nullopt,
                     std::string* lastHash = nullptr) {
  JsonLinesSinkOptions options;
  options.createdAt = kCreated;
  options.predecessor = std::move(predecessor);
  std::string path = folder.path(name);
  auto sink = JsonLinesSink::open(path, options);
  EXPECT_TRUE(sink.has_value());
  for (int index = 0; index < count; ++index) (*sink)->write(alert(index));
  if (lastHash) *lastHash = (*sink)->lastHash();
  return path;
}

TEST(Sha256Hex, MatchesTheFips180Vector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SealRecord, HashesPreviousHashAndTheRecordWithoutItsHash) {
  json record = alert(1);
  std::string previous(64, 'a');
  std::string line = sealRecord(record, previous);
  ASSERT_EQ(record["chain"]["prev_hash"], previous);
  json unsealed = record;
  unsealed["chain"].erase("hash");
  EXPECT_EQ(record["chain"]["hash"], sha256Hex(previous + canonicalRecordText(unsealed)));
  EXPECT_EQ(line, canonicalRecordText(record));
  // timestamp and event_type lead the line; the other keys follow sorted.
  EXPECT_EQ(line.rfind(R"({"timestamp":"2025-07-14T09:30:01Z","event_type":"alert","chain":{)", 0),
            0u)
      << line;
  EXPECT_EQ(json::parse(line), record);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

// Logs written before timestamp, event_type and record_id led every line had all keys sorted,
// and their hashes were taken over that form: they still verify, and an edit in them is still
// found.
TEST(VerifyChainedLogs, AcceptsLogsWrittenWithEveryKeySorted) {
  baawatch::testing::TempFolder folder;
  const std::string name = "old.jsonl";
  auto sealSorted = [](json record, const std::string& previous, std::string& hash) {
    record["chain"] = {{"prev_hash", previous}};
    hash = sha256Hex(previous + record.dump());
    record["chain"]["hash"] = hash;
    return record.dump();
  };
  std::string hash;
  std::vector<std::string> lines;
  lines.push_back(sealSorted(chainStartRecord(name, kCreated, std::nullopt),
                             chainAnchor(name, kCreated), hash));
  for (int index = 0; index < 3; ++index) {
    json record = alert(index);
    record["record_id"] = "sensor-1:0123456789abcdef:" + std::to_string(index + 1);
    lines.push_back(sealSorted(record, hash, hash));
  }
  ASSERT_EQ(lines[1].rfind(R"({"chain":)", 0), 0u) << lines[1];
  const std::string path = folder.path(name);
  writeLines(path, lines);
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_EQ(verdict.records, 4u);

  lines[2].replace(lines[2].find("whatsapp"), 8, "facetime");
  writeLines(path, lines);
  verdict = verifyChainedLogs({path});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.line, 3u) << verdict.message;
}

TEST(ChainStart, AnchorsOnFileNameAndCreationTime) {
  baawatch::testing::TempFolder folder;
  std::string path = writeLog(folder, "alerts.jsonl", 0);
  auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 1u);
  json start = json::parse(lines[0]);
  EXPECT_EQ(start["event_type"], "chain_start");
  EXPECT_EQ(start["file"], "alerts.jsonl");
  EXPECT_EQ(start["created"], kCreated);
  EXPECT_EQ(start["chain"]["prev_hash"], chainAnchor("alerts.jsonl", kCreated));
  EXPECT_NE(chainAnchor("alerts.jsonl", kCreated), chainAnchor("other.jsonl", kCreated));
}

TEST(VerifyChainedLogs, SaysAnUntouchedLogIsIntact) {
  baawatch::testing::TempFolder folder;
  std::string last;
  std::string path = writeLog(folder, "alerts.jsonl", 5, std::nullopt, &last);
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_EQ(verdict.records, 6u);
  EXPECT_EQ(verdict.lastHash, last);
  EXPECT_NE(verdict.message.find("intact"), std::string::npos);
}

struct Tampering {
  const char* name;
  void (*edit)(std::vector<std::string>& lines);
  const char* problem;
  std::uint64_t line;
};

// Lines: 1 chain_start, 2..6 alerts 0..4.
const Tampering kTamperings[] = {
    {"value_changed",
     [](std::vector<std::string>& lines) {
       auto at = lines[2].find("\"index\":1");
       lines[2].replace(at, 9, "\"index\":7");
     },
     "altered", 3},
    {"service_changed_hash_recomputed_alone",
     [](std::vector<std::string>& lines) {
       // The editor recomputes this record's hash: the next record still names the old one.
       json record = json::parse(lines[3]);
       record["service"]["id"] = "zoom";
       record["chain"].erase("hash");
       std::string prev = record["chain"]["prev_hash"];
       lines[3] = sealRecord(record, prev);
     },
     "removed", 5},
    {"space_added",
     [](std::vector<std::string>& lines) { lines[4].insert(1, " "); },
     "altered", 5},
    {"forged_line_inserted",
     [](std::vector<std::string>& lines) {
       lines.insert(lines.begin() + 3, alert(99).dump());
     },
     "inserted", 4},
    {"record_copied",
     [](std::vector<std::string>& lines) { lines.insert(lines.begin() + 4, lines[3]); },
     "inserted", 5},
    {"middle_record_removed",
     [](std::vector<std::string>& lines) { lines.erase(lines.begin() + 2); },
     "removed", 3},
    {"chain_start_removed",
     [](std::vector<std::string>& lines) { lines.erase(lines.begin()); },
     "removed", 1},
    {"chain_start_renamed",
     [](std::vector<std::string>& lines) {
       json start = json::parse(lines[0]);
       start["file"] = "renamed.jsonl";
       start["chain"].erase("hash");
       std::string prev = start["chain"]["prev_hash"];
       lines[0] = sealRecord(start, prev);
     },
     "altered", 1},
    {"not_json_inserted",
     [](std::vector<std::string>& lines) { lines.insert(lines.begin() + 3, "hello"); },
     "inserted", 4},
    {"line_appended_after_the_end",
     [](std::vector<std::string>& lines) { lines.push_back(alert(100).dump()); },
     "inserted", 7},
};

class TamperedLog : public ::testing::TestWithParam<Tampering> {};

TEST_P(TamperedLog, NamesTheFirstBadLine) {
  baawatch::testing::TempFolder folder;
  std::string path = writeLog(folder, "alerts.jsonl", 5);
  auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 6u);
  GetParam().edit(lines);
  writeLines(path, lines);
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, GetParam().problem) << verdict.message;
  EXPECT_EQ(verdict.line, GetParam().line) << verdict.message;
  EXPECT_EQ(verdict.message.rfind(path + ":" + std::to_string(GetParam().line) + ": ", 0), 0u)
      << verdict.message;
}

INSTANTIATE_TEST_SUITE_P(Kinds, TamperedLog, ::testing::ValuesIn(kTamperings),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(VerifyChainedLogs, FollowsARotationAndNoticesATruncatedPredecessor) {
  baawatch::testing::TempFolder folder;
  std::string last;
  std::string older = writeLog(folder, "alerts.jsonl.1", 3, std::nullopt, &last);
  std::string newer = writeLog(folder, "alerts.jsonl", 2, ChainPredecessor{"alerts.jsonl.1", last});
  ChainVerdict verdict = verifyChainedLogs({older, newer});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_EQ(verdict.records, 7u);

  // Removing the old file's last record is invisible inside it, but the new file names its hash.
  auto lines = readLines(older);
  lines.pop_back();
  writeLines(older, lines);
  EXPECT_TRUE(verifyChainedLogs({older}).intact);
  verdict = verifyChainedLogs({older, newer});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "removed");
  EXPECT_EQ(verdict.file, newer);
  EXPECT_EQ(verdict.line, 1u);
}

TEST(VerifyChainedLogs, ReportsAnUnreadableFile) {
  ChainVerdict verdict = verifyChainedLogs({"/nonexistent/alerts.jsonl"});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "unreadable");
}

}  // namespace
}  // namespace baawatch::sink
