// The chain across files: a file that follows a rotation (SIGHUP reopen, or a new process after
// logrotate renamed the file while baawatch was stopped) names its predecessor and continues its
// last hash; verify follows the link and names a missing file, a cut end or a new chain between
// two files; a file given alone verifies with a note that its link was not checked. Also: the
// file target's counters reach the stats reporter.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "baawatch/sink/async_sink.hpp"
#include "baawatch/sink/hash_chain.hpp"
#include "baawatch/sink/record_sink.hpp"
#include "sink/chain_state.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

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

json firstRecord(const std::string& path) {
  auto lines = readLines(path);
  return lines.empty() ? json() : json::parse(lines[0], nullptr, false);
}

std::string lastHashIn(const std::string& path) {
  auto lines = readLines(path);
  return lines.empty() ? std::string() : json::parse(lines.back())["chain"]["hash"].get<std::string>();
}

json alert(int index) {
  return {{"event_type", "alert"}, {"schema_version", 1}, {"timestamp", "2025-07-14T09:30:01Z"},
          {"index", index}};
}

// A chained file with a chain_start and `count` alerts, closed again.
void writeFile(const std::string& path, int count,
               std::optional<ChainPredecessor> predecessor = std::nullopt) {
  JsonLinesSinkOptions options;
  options.predecessor = std::move(predecessor);
  auto sink = JsonLinesSink::open(path, options);
  ASSERT_TRUE(sink.has_value()) << sink.error();
  for (int index = 0; index < count; ++index) (*sink)->write(alert(index));
}

TEST(ChainRotation, ReopenAfterARenameNamesTheRenamedFileAndVerifyFollowsTheLink) {
  baawatch::testing::TempFolder folder;
  const std::string path = folder.path("alerts.jsonl");
  const std::string rotated = folder.path("alerts.jsonl-20250714");
  {
    auto target = JsonFileTarget::open(path);
    ASSERT_TRUE(target.has_value()) << target.error();
    (*target)->write(alert(1));
    (*target)->write(alert(2));
    fs::rename(path, rotated);  // logrotate, then SIGHUP
    (*target)->reopen();
    (*target)->write(alert(3));
  }
  json start = firstRecord(path);
  ASSERT_EQ(start["event_type"], "chain_start");
  EXPECT_EQ(start["predecessor"]["file"], "alerts.jsonl-20250714");
  EXPECT_EQ(start["predecessor"]["last_hash"], lastHashIn(rotated));
  EXPECT_EQ(readLines(rotated).size(), 3u);  // nothing written to the old file after the reopen

  ChainVerdict verdict = verifyChainedLogs({rotated, path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_TRUE(verdict.anchorChecked);
  EXPECT_EQ(verdict.records, 5u);
  EXPECT_TRUE(verdict.notes.empty());

  // Given alone, the new file is still intact, and says its link was not checked.
  verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_FALSE(verdict.anchorChecked);
  ASSERT_EQ(verdict.notes.size(), 1u);
  EXPECT_NE(verdict.notes[0].find("alerts.jsonl:1: continues alerts.jsonl-20250714"),
            std::string::npos)
      << verdict.notes[0];
  EXPECT_NE(verdict.notes[0].find("not checked"), std::string::npos);
}

TEST(ChainRotation, ReopenWithoutARotationGoesOnInTheSameFile) {
  baawatch::testing::TempFolder folder;
  const std::string path = folder.path("alerts.jsonl");
  {
    auto target = JsonFileTarget::open(path);
    ASSERT_TRUE(target.has_value());
    (*target)->write(alert(1));
    (*target)->reopen();  // SIGHUP for a reload only
    (*target)->write(alert(2));
  }
  auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].find("chain_start"), std::string::npos);
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_TRUE(verdict.anchorChecked);
}

TEST(ChainRotation, ANewProcessAfterARotationWhileStoppedNamesThePredecessor) {
  baawatch::testing::TempFolder folder;
  const std::string path = folder.path("alerts.jsonl");
  const std::string rotated = folder.path("alerts.jsonl.1");
  writeFile(path, 3);
  EXPECT_TRUE(fs::exists(chainStatePath(path)));
  fs::rename(path, rotated);
  writeFile(path, 2);
  json start = firstRecord(path);
  EXPECT_EQ(start["predecessor"]["file"], "alerts.jsonl.1");
  EXPECT_EQ(start["predecessor"]["last_hash"], lastHashIn(rotated));
  ChainVerdict verdict = verifyChainedLogs({rotated, path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_EQ(verdict.records, 7u);
}

TEST(ChainRotation, TheLastHashIsReadFromThePredecessorNotFromAStaleState) {
  // A crash leaves the state with an older hash than the file's end; the file itself is right.
  baawatch::testing::TempFolder folder;
  const std::string path = folder.path("alerts.jsonl");
  writeFile(path, 3);
  auto state = readChainState(path);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->file, "alerts.jsonl");
  EXPECT_EQ(state->lastHash, lastHashIn(path));
  auto lines = readLines(path);
  state->lastHash = json::parse(lines[1])["chain"]["hash"].get<std::string>();
  ASSERT_TRUE(writeChainState(path, *state));
  fs::rename(path, folder.path("alerts.jsonl.1"));
  writeFile(path, 1);
  EXPECT_EQ(firstRecord(path)["predecessor"]["last_hash"], lastHashIn(folder.path("alerts.jsonl.1")));
  EXPECT_TRUE(verifyChainedLogs({folder.path("alerts.jsonl.1"), path}).intact);
}

TEST(ChainRotation, APredecessorThatIsGoneIsNamedFromTheState) {
  // logrotate's compress without delaycompress: the old inode is gone, the state kept the hash.
  baawatch::testing::TempFolder folder;
  const std::string path = folder.path("alerts.jsonl");
  writeFile(path, 2);
  const std::string last = lastHashIn(path);
  fs::remove(path);
  writeFile(path, 1);
  json start = firstRecord(path);
  EXPECT_EQ(start["predecessor"]["file"], "alerts.jsonl");
  EXPECT_EQ(start["predecessor"]["last_hash"], last);
}

TEST(ChainRotation, AFirstFileWithoutStateStartsAFreshChain) {
  baawatch::testing::TempFolder folder;
  const std::string path = folder.path("alerts.jsonl");
  std::ofstream(chainStatePath(path)) << "not json";  // a damaged state costs only the link
  writeFile(path, 1);
  EXPECT_TRUE(firstRecord(path)["predecessor"].is_null());
  ChainVerdict verdict = verifyChainedLogs({path});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_TRUE(verdict.anchorChecked);
  EXPECT_TRUE(verdict.notes.empty());
}

// Three rotated files, oldest first: a.2 -> a.1 -> a.
struct Series {
  baawatch::testing::TempFolder folder;
  std::string oldest = folder.path("a.jsonl.2");
  std::string middle = folder.path("a.jsonl.1");
  std::string newest = folder.path("a.jsonl");
  Series() {
    writeFile(oldest, 3);
    writeFile(middle, 2, ChainPredecessor{"a.jsonl.2", lastHashIn(oldest)});
    writeFile(newest, 2, ChainPredecessor{"a.jsonl.1", lastHashIn(middle)});
  }
};

TEST(VerifyAcrossFiles, SaysAWholeSeriesIsIntact) {
  Series series;
  ChainVerdict verdict = verifyChainedLogs({series.oldest, series.middle, series.newest});
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_EQ(verdict.records, 10u);
  EXPECT_EQ(verdict.lastHash, lastHashIn(series.newest));
  EXPECT_NE(verdict.message.find("in 3 files"), std::string::npos) << verdict.message;
}

TEST(VerifyAcrossFiles, NamesAMissingMiddleFile) {
  Series series;
  ChainVerdict verdict = verifyChainedLogs({series.oldest, series.newest});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "removed");
  EXPECT_EQ(verdict.file, series.newest);
  EXPECT_EQ(verdict.line, 1u);
  EXPECT_NE(verdict.message.find("does not continue " + series.oldest), std::string::npos)
      << verdict.message;
  EXPECT_NE(verdict.message.find("it continues a.jsonl.1"), std::string::npos) << verdict.message;
}

TEST(VerifyAcrossFiles, NamesFilesGivenNewestFirst) {
  Series series;
  ChainVerdict verdict = verifyChainedLogs({series.newest, series.middle});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.file, series.middle);
  EXPECT_EQ(verdict.problem, "removed");  // the middle's predecessor is not among those given
  verdict = verifyChainedLogs({series.middle, series.oldest});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "unlinked");  // the oldest starts a chain of its own
  EXPECT_EQ(verdict.file, series.oldest);
}

TEST(VerifyAcrossFiles, NamesAnUnrelatedFileBetweenTwoOthers) {
  Series series;
  std::string other = series.folder.path("other.jsonl");
  writeFile(other, 1);
  ChainVerdict verdict = verifyChainedLogs({series.oldest, other});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "unlinked");
  EXPECT_EQ(verdict.file, other);
  EXPECT_NE(verdict.message.find("does not continue"), std::string::npos) << verdict.message;
}

TEST(VerifyAcrossFiles, NamesRecordsAddedToTheOlderFileAfterTheRotation) {
  Series series;
  // The oldest file gets one more genuine-looking record chained to its end.
  {
    auto sink = JsonLinesSink::open(series.oldest);
    ASSERT_TRUE(sink.has_value());
    (*sink)->write(alert(9));
  }
  ChainVerdict verdict = verifyChainedLogs({series.oldest, series.middle});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "unlinked");
  EXPECT_EQ(verdict.file, series.middle);
  EXPECT_NE(verdict.message.find("follows line 4"), std::string::npos) << verdict.message;
}

TEST(VerifyAcrossFiles, NamesAnEditedPredecessorHash) {
  Series series;
  auto lines = readLines(series.middle);
  json start = json::parse(lines[0]);
  start["predecessor"]["last_hash"] = std::string(64, '0');
  lines[0] = start.dump();
  writeLines(series.middle, lines);
  ChainVerdict verdict = verifyChainedLogs({series.oldest, series.middle});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "altered");
  EXPECT_EQ(verdict.file, series.middle);
  EXPECT_EQ(verdict.line, 1u);

  // Resealed with the forged anchor: the record is consistent, the link is not.
  start.erase("chain");
  lines[0] = sealRecord(start, std::string(64, '0'));
  writeLines(series.middle, lines);
  verdict = verifyChainedLogs({series.oldest, series.middle});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.file, series.middle);
  EXPECT_EQ(verdict.line, 1u);
  EXPECT_NE(verdict.message.find("does not continue"), std::string::npos) << verdict.message;
}

TEST(ChainOrder, PutsASeriesGivenInAnyOrderInTheOrderItsFilesContinueEachOther) {
  Series series;
  const std::vector<std::string> chained = {series.oldest, series.middle, series.newest};
  for (const auto& given : std::vector<std::vector<std::string>>{
           {series.newest, series.middle, series.oldest},
           {series.newest, series.oldest, series.middle},
           {series.middle, series.newest, series.oldest},
           {series.oldest, series.middle, series.newest}}) {
    ChainOrder order = chainOrder(given);
    EXPECT_EQ(order.paths, chained);
    EXPECT_EQ(order.reordered, given != chained);
    ChainVerdict verdict = verifyChainedLogs(order.paths);
    EXPECT_TRUE(verdict.intact) << verdict.message;
    EXPECT_EQ(verdict.records, 10u);
  }
}

TEST(ChainOrder, TheNewestFileFirstIsIntactOnceOrdered) {
  // `report alerts.jsonl alerts.jsonl-20261203`: the live file first, the rotated one after.
  baawatch::testing::TempFolder folder;
  std::string rotated = folder.path("alerts.jsonl-20261203");
  std::string live = folder.path("alerts.jsonl");
  writeFile(rotated, 4);
  writeFile(live, 3, ChainPredecessor{"alerts.jsonl-20261203", lastHashIn(rotated)});
  EXPECT_FALSE(verifyChainedLogs({live, rotated}).intact);  // as given, the link cannot hold
  ChainOrder order = chainOrder({live, rotated});
  EXPECT_EQ(order.paths, (std::vector<std::string>{rotated, live}));
  ChainVerdict verdict = verifyChainedLogs(order.paths);
  EXPECT_TRUE(verdict.intact) << verdict.message;
  EXPECT_TRUE(verdict.anchorChecked);
}

TEST(ChainOrder, AFileWhoseEndWasCutStillGoesFirstAndTheGapIsNamed) {
  Series series;
  auto lines = readLines(series.oldest);
  lines.pop_back();  // its last record removed: the middle file's link names a hash now gone
  writeLines(series.oldest, lines);
  ChainOrder order = chainOrder({series.middle, series.oldest});
  EXPECT_EQ(order.paths, (std::vector<std::string>{series.oldest, series.middle}));
  ChainVerdict verdict = verifyChainedLogs(order.paths);
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "removed");
  EXPECT_EQ(verdict.file, series.middle);
  EXPECT_EQ(verdict.line, 1u);
}

TEST(ChainOrder, AMissingMiddleFileIsStillNamedWhateverTheOrder) {
  Series series;
  ChainOrder order = chainOrder({series.newest, series.oldest});
  EXPECT_EQ(order.paths, (std::vector<std::string>{series.oldest, series.newest}));
  ChainVerdict verdict = verifyChainedLogs(order.paths);
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "removed");
  EXPECT_EQ(verdict.file, series.newest);
  EXPECT_NE(verdict.message.find("it continues a.jsonl.1"), std::string::npos) << verdict.message;
}

TEST(ChainOrder, RecordsAddedToTheOlderFileAreNamedAfterOrdering) {
  Series series;
  {
    auto sink = JsonLinesSink::open(series.oldest);
    ASSERT_TRUE(sink.has_value());
    (*sink)->write(alert(9));
  }
  ChainOrder order = chainOrder({series.middle, series.oldest});
  EXPECT_EQ(order.paths, (std::vector<std::string>{series.oldest, series.middle}));
  ChainVerdict verdict = verifyChainedLogs(order.paths);
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "unlinked");
  EXPECT_NE(verdict.message.find("follows line 4"), std::string::npos) << verdict.message;
}

TEST(VerifyChainedLogs, AFileThatIsNotALogIsSaidToBeNone) {
  baawatch::testing::TempFolder folder;
  // A pcap's global header and a packet: binary, with the odd newline byte inside.
  std::string capture = folder.path("capture.pcap");
  {
    std::ofstream out(capture, std::ios::binary);
    const unsigned char header[] = {0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0x0a, 0x00,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,
                                    0x01, 0x00, 0x00, 0x00, 0x0a, 0x45, 0x00, 0x0a, 0x11};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  ChainVerdict verdict = verifyChainedLogs({capture});
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.problem, "not_a_log");
  EXPECT_EQ(verdict.line, 1u);
  EXPECT_NE(verdict.message.find("not a baawatch JSON-lines log"), std::string::npos);
}

TEST(JsonFileTargetCounters, ReportTheFileWritersCountersAcrossAReopen) {
  baawatch::testing::TempFolder folder;
  const std::string path = folder.write("alerts.jsonl", "{\"event_type\":\"ale");
  auto target = JsonFileTarget::open(path);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ((*target)->counters().get("sink.partial_line_recovered"), 1u);
  EXPECT_TRUE((*target)->counters().values().count("sink.write_errors"));
  (*target)->reopen();
  EXPECT_EQ((*target)->counters().get("sink.partial_line_recovered"), 1u);

  // And through the writer thread's sum, which is what the stats record is made of.
  std::vector<std::unique_ptr<SinkTarget>> targets;
  targets.push_back(std::move(*target));
  AsyncSink sink(std::move(targets), AsyncSinkOptions{});
  EXPECT_EQ(sink.counters().get("sink.partial_line_recovered"), 1u);
}

}  // namespace
}  // namespace baawatch::sink
