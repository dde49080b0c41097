// Runs baawatch on each regression case's capture and checks its JSON-lines output against the
// case's declarative expectations (tests/regression/README.md). Cases over the shared corpus are
// skipped, saying so, when the corpus is absent.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string sharedCorpus() {
  if (const char* fromEnv = std::getenv("BAAWATCH_SHARED_CORPUS"); fromEnv && *fromEnv) return fromEnv;
  return BAAWATCH_SHARED_CORPUS;
}

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(BAAWATCH_CASES_DIR)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct RunResult {
  int exitCode = -1;
  std::vector<json> records;
  std::string stderrText;
};

std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted += "'\\''";
    else quoted += c;
  }
  return quoted + "'";
}

RunResult runBaawatch(const std::vector<std::string>& args, const std::string& tag) {
  // Per process: two test runs (two build trees) at once must not share output files.
  fs::path work = fs::temp_directory_path() /
                  ("baawatch-regression-" + tag + "-" + std::to_string(::getpid()));
  fs::create_directories(work);
  fs::path out = work / "out.jsonl";
  fs::path err = work / "err.txt";
  std::string command = shellQuote(BAAWATCH_BINARY);
  for (const auto& arg : args) command += " " + shellQuote(arg);
  command += " >" + shellQuote(out.string()) + " 2>" + shellQuote(err.string());
  int status = std::system(command.c_str());
  RunResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    result.records.push_back(json::parse(line));  // a line that is not JSON fails the case
  }
  std::ifstream errors(err);
  std::stringstream text;
  text << errors.rdbuf();
  result.stderrText = text.str();
  return result;
}

bool valueMatches(const json* actual, const YAML::Node& expected) {
  if (expected.IsSequence()) {  // any of
    for (const auto& option : expected)
      if (valueMatches(actual, option)) return true;
    return false;
  }
  std::string want = expected.as<std::string>();
  if (want == "null") return actual == nullptr || actual->is_null();
  if (actual == nullptr || actual->is_null()) return false;
  // A number compared: ">1000", "<=5" (a bound, where an exact value would over-fit the case).
  if (actual->is_number() && !want.empty() && (want[0] == '<' || want[0] == '>')) {
    bool orEqual = want.size() > 1 && want[1] == '=';
    double bound = std::stod(want.substr(orEqual ? 2 : 1));
    double value = actual->get<double>();
    if (want[0] == '<') return orEqual ? value <= bound : value < bound;
    return orEqual ? value >= bound : value > bound;
  }
  if (actual->is_string()) return actual->get<std::string>() == want;
  if (actual->is_boolean()) return (actual->get<bool>() ? "true" : "false") == want;
  if (actual->is_number()) return actual->dump() == want;
  return false;
}

// Whether the value at a dotted path ("service.id") matches, from `parts[index]` on; an absent
// path is null. Keys may themselves hold dots (counter names such as "decode.ipv4.truncated"),
// so the longest key that fits wins. Through a list, any element may match ("evidence.rule_id").
bool pathMatches(const json& node, const std::vector<std::string>& parts, std::size_t index,
                 const YAML::Node& expected) {
  if (index == parts.size()) return valueMatches(&node, expected);
  if (node.is_array()) {
    return std::any_of(node.begin(), node.end(), [&](const json& element) {
      return pathMatches(element, parts, index, expected);
    });
  }
  if (!node.is_object()) return valueMatches(nullptr, expected);
  for (std::size_t end = parts.size(); end > index; --end) {
    std::string key = parts[index];
    for (std::size_t i = index + 1; i < end; ++i) key += "." + parts[i];
    if (node.contains(key)) return pathMatches(node[key], parts, end, expected);
  }
  return valueMatches(nullptr, expected);
}

bool recordMatches(const json& record, const YAML::Node& where) {
  for (const auto& condition : where) {
    std::vector<std::string> parts;
    std::stringstream stream(condition.first.as<std::string>());
    for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
    if (!pathMatches(record, parts, 0, condition.second)) return false;
  }
  return true;
}

// "3", ">=1", "<=2", ">0"
bool countMatches(std::size_t count, const std::string& spec) {
  auto number = [&](std::size_t skip) { return std::stoul(spec.substr(skip)); };
  if (spec.rfind(">=", 0) == 0) return count >= number(2);
  if (spec.rfind("<=", 0) == 0) return count <= number(2);
  if (spec.rfind(">", 0) == 0) return count > number(1);
  if (spec.rfind("<", 0) == 0) return count < number(1);
  return count == number(0);
}

// Invariants every run must keep, whatever the case is about.
void checkSchemaInvariants(const std::vector<json>& records) {
  for (const auto& record : records) {
    ASSERT_TRUE(record.contains("event_type")) << record.dump();
    ASSERT_EQ(record["schema_version"], 1) << record.dump();
    ASSERT_TRUE(record["timestamp"].is_string()) << record.dump();
    std::string type = record["event_type"];
    if (type == "alert" || type == "visibility" || type == "encounter") {
      ASSERT_TRUE(record["evidence"].is_array()) << record.dump();
      ASSERT_FALSE(record["evidence"].empty()) << "a detection without evidence: " << record.dump();
      for (const auto& evidence : record["evidence"]) {
        for (const char* key : {"rule_id", "field", "value", "packet_time"})
          ASSERT_TRUE(evidence.contains(key)) << key << " missing in " << record.dump();
      }
      ASSERT_TRUE(record["device"]["ip"].is_string()) << record.dump();
      ASSERT_TRUE(record["service"]["id"].is_string()) << record.dump();
    }
  }
}

class RegressionCase : public ::testing::TestWithParam<std::string> {};

TEST_P(RegressionCase, MeetsExpectations) {
  const std::string name = GetParam();
  YAML::Node spec = YAML::LoadFile(std::string(BAAWATCH_CASES_DIR) + "/" + name + ".yaml");
  std::vector<std::string> args;
  std::vector<std::string> captures;
  if (spec["capture"]) {
    for (const auto& capture : spec["capture"].IsSequence() ? spec["capture"] : YAML::Node(std::vector<YAML::Node>{spec["capture"]}))
      captures.push_back(std::string(BAAWATCH_SOURCE_DIR) + "/" + capture.as<std::string>());
  }
  if (spec["shared"]) {
    fs::path corpus = sharedCorpus();
    if (!fs::is_directory(corpus)) GTEST_SKIP() << "skipped: shared corpus not found (" << corpus << ")";
    for (const auto& capture : spec["shared"].IsSequence() ? spec["shared"] : YAML::Node(std::vector<YAML::Node>{spec["shared"]}))
      captures.push_back((corpus / capture.as<std::string>()).string());
  }
  if (spec["generate"]) {
    // A capture too large to check in, written for the case by a generator of the tree
    // (e.g. bench/make_flood.py: a scan of 100,000 new flows).
    fs::path work = fs::temp_directory_path() / ("baawatch-regression-" + name);
    fs::create_directories(work);
    fs::path generated = work / "generated.pcap";
    std::string command = "python3 " + shellQuote(std::string(BAAWATCH_SOURCE_DIR) + "/" +
                                                  spec["generate"]["script"].as<std::string>()) +
                          " " + shellQuote(generated.string());
    if (spec["generate"]["args"])
      for (const auto& arg : spec["generate"]["args"]) command += " " + shellQuote(arg.as<std::string>());
    ASSERT_EQ(std::system(command.c_str()), 0) << "generator failed: " << command;
    captures.push_back(generated.string());
  }
  for (const auto& capture : captures) {
    args.push_back("-r");
    args.push_back(capture);
  }
  if (spec["args"]) {
    for (const auto& arg : spec["args"]) {
      std::string text = arg.as<std::string>();
      if (text.rfind("@src/", 0) == 0) text = std::string(BAAWATCH_SOURCE_DIR) + "/" + text.substr(5);
      args.push_back(text);
    }
  }
  RunResult run = runBaawatch(args, name);
  int expectedExit = spec["exit_code"] ? spec["exit_code"].as<int>() : 0;
  ASSERT_EQ(run.exitCode, expectedExit) << "stderr:\n" << run.stderrText;
  if (spec["stderr_contains"]) {
    for (const auto& text : spec["stderr_contains"])
      EXPECT_NE(run.stderrText.find(text.as<std::string>()), std::string::npos)
          << "stderr lacks '" << text.as<std::string>() << "':\n" << run.stderrText;
  }
  checkSchemaInvariants(run.records);
  if (!spec["expect"]) return;
  for (const auto& expectation : spec["expect"]) {
    std::string eventType = expectation["event_type"].as<std::string>();
    YAML::Node where = expectation["where"];
    std::size_t count = 0;
    for (const auto& record : run.records) {
      if (record.value("event_type", "") != eventType) continue;
      if (where && !recordMatches(record, where)) continue;
      ++count;
    }
    std::string countSpec = expectation["count"] ? expectation["count"].as<std::string>() : ">=1";
    std::stringstream description;
    description << eventType;
    if (where) description << " where " << YAML::Dump(where);
    EXPECT_TRUE(countMatches(count, countSpec))
        << name << ": expected " << countSpec << " " << description.str() << ", found " << count
        << (expectation["why"] ? " (" + expectation["why"].as<std::string>() + ")" : "");
  }
}

// Every capture of the shared corpus replays without a crash: exit 0, or a clean refusal of a link
// type we do not decode (802.11), never a signal.
TEST(SharedCorpus, EveryCaptureReplaysWithoutCrash) {
  fs::path corpus = sharedCorpus();
  if (!fs::is_directory(corpus)) GTEST_SKIP() << "skipped: shared corpus not found (" << corpus << ")";
  std::size_t replayed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
    std::string extension = entry.path().extension().string();
    if (extension != ".pcap" && extension != ".pcapng") continue;
    RunResult run = runBaawatch({"-r", entry.path().string(), "--flows"}, "corpus");
    bool refusedLinkType = run.exitCode == 1 &&
                           run.stderrText.find("unsupported link type") != std::string::npos;
    EXPECT_TRUE(run.exitCode == 0 || refusedLinkType)
        << entry.path() << " exit " << run.exitCode << "\n" << run.stderrText;
    if (run.exitCode == 0) {
      ASSERT_FALSE(run.records.empty()) << entry.path();
      EXPECT_EQ(run.records.back()["event_type"], "stats") << entry.path();
    }
    ++replayed;
  }
  EXPECT_GE(replayed, 60u) << "the corpus lists more than 60 captures";
}

// --threads N: the same records as one worker, ordering aside (issue #7). Compared per record
// type as sorted lists of whole records, without what names the run (record_id, the run id that
// starts every flow_id: "<run id>:<number>") and the sink's own queue figures; stats records are
// compared too, so counters and flow numbers must agree.
std::vector<std::string> normalisedRecords(const RunResult& run) {
  std::vector<std::string> records;
  for (json record : run.records) {
    record.erase("record_id");
    if (auto flowId = record.find("flow_id"); flowId != record.end() && flowId->is_string()) {
      const std::string& text = flowId->get_ref<const std::string&>();
      const std::size_t colon = text.find(':');
      EXPECT_NE(colon, std::string::npos) << "flow_id without its run id: " << text;
      if (colon != std::string::npos) *flowId = text.substr(colon + 1);
    }
    if (auto counters = record.find("counters"); counters != record.end() && counters->is_object()) {
      for (auto it = counters->begin(); it != counters->end();) {
        const std::string& name = it.key();
        bool runSpecific = name.rfind("sink.", 0) == 0 || name.rfind("syslog.", 0) == 0;
        it = runSpecific ? counters->erase(it) : std::next(it);
      }
    }
    records.push_back(record.dump());
  }
  std::sort(records.begin(), records.end());
  return records;
}

RunResult runSingleWorker(const fs::path& capture, const std::string& tag) {
  return runBaawatch({"-r", capture.string(), "--flows", "--threads", "1"}, tag + "-1");
}

void expectSameOutputWithWorkers(const fs::path& capture, const RunResult& single,
                                 const std::string& tag) {
  ASSERT_EQ(single.exitCode, 0) << capture << "\n" << single.stderrText;
  std::vector<std::string> expected = normalisedRecords(single);
  for (const char* workers : {"2", "3"}) {
    RunResult sharded =
        runBaawatch({"-r", capture.string(), "--flows", "--threads", workers}, tag + "-" + workers);
    ASSERT_EQ(sharded.exitCode, 0) << capture << " --threads " << workers << "\n"
                                   << sharded.stderrText;
    std::vector<std::string> actual = normalisedRecords(sharded);
    std::vector<std::string> missing;
    std::vector<std::string> extra;
    std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                        std::back_inserter(missing));
    std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    EXPECT_TRUE(missing.empty() && extra.empty())
        << capture << " --threads " << workers << ": " << missing.size()
        << " records of one worker missing, " << extra.size() << " extra"
        << (missing.empty() ? "" : "\n first missing: " + missing.front())
        << (extra.empty() ? "" : "\n first extra:   " + extra.front());
  }
}

std::vector<std::string> projectCaptures() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(BAAWATCH_SOURCE_DIR) / "pcaps")) {
    std::string extension = entry.path().extension().string();
    if (extension == ".pcap" || extension == ".pcapng") names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SameOutputWithWorkers : public ::testing::TestWithParam<std::string> {};

TEST_P(SameOutputWithWorkers, ProjectCapture) {
  std::string tag = "workers-" + GetParam();
  fs::path capture = fs::path(BAAWATCH_SOURCE_DIR) / "pcaps" / GetParam();
  RunResult single = runSingleWorker(capture, tag);
  if (single.exitCode != 0) {
    // Refused by design (unreadable file, link type we do not decode): refused the same way.
    RunResult sharded =
        runBaawatch({"-r", capture.string(), "--flows", "--threads", "2"}, tag + "-2");
    EXPECT_EQ(sharded.exitCode, single.exitCode) << sharded.stderrText;
    EXPECT_EQ(sharded.stderrText, single.stderrText);
    return;
  }
  expectSameOutputWithWorkers(capture, single, tag);
}

INSTANTIATE_TEST_SUITE_P(Workers, SameOutputWithWorkers, ::testing::ValuesIn(projectCaptures()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// The real captures: many flows, real DNS, calls spread over workers. Captures that alert are
// the ones that matter most; the test insists some do.
TEST(SharedCorpus, SameOutputWithWorkers) {
  fs::path corpus = sharedCorpus();
  if (!fs::is_directory(corpus)) GTEST_SKIP() << "skipped: shared corpus not found (" << corpus << ")";
  std::size_t alerts = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
    std::string extension = entry.path().extension().string();
    if (extension != ".pcap" && extension != ".pcapng") continue;
    RunResult single = runSingleWorker(entry.path(), "corpus-workers");
    if (single.exitCode != 0) continue;  // link types we refuse (EveryCaptureReplaysWithoutCrash)
    for (const auto& record : single.records) {
      if (record.value("event_type", "") == "alert") ++alerts;
    }
    expectSameOutputWithWorkers(entry.path(), single, "corpus-workers");
  }
  EXPECT_GT(alerts, 0u);
}

INSTANTIATE_TEST_SUITE_P(Cases, RegressionCase, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
