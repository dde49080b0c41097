// Runs baawatch on each regression case's capture and checks its JSON-lines output against the
// case's declarative expectations (tests/regression/README.md). Cases over the shared corpus are
// skipped, saying so, when the corpus is absent.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

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
  fs::path work = fs::temp_directory_path() / ("baawatch-regression-" + tag);
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

// Follows a dotted path ("service.id") into a record; null when absent. Keys may themselves hold
// dots (counter names such as "decode.ipv4.truncated"), so the longest key that fits wins.
const json* lookupPath(const json& record, const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
  const json* node = &record;
  std::size_t index = 0;
  while (index < parts.size()) {
    if (!node->is_object()) return nullptr;
    bool found = false;
    for (std::size_t end = parts.size(); end > index; --end) {
      std::string key = parts[index];
      for (std::size_t i = index + 1; i < end; ++i) key += "." + parts[i];
      if (node->contains(key)) {
        node = &(*node)[key];
        index = end;
        found = true;
        break;
      }
    }
    if (!found) return nullptr;
  }
  return node;
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
  if (actual->is_string()) return actual->get<std::string>() == want;
  if (actual->is_boolean()) return (actual->get<bool>() ? "true" : "false") == want;
  if (actual->is_number()) return actual->dump() == want;
  return false;
}

bool recordMatches(const json& record, const YAML::Node& where) {
  for (const auto& condition : where) {
    if (!valueMatches(lookupPath(record, condition.first.as<std::string>()), condition.second))
      return false;
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

INSTANTIATE_TEST_SUITE_P(Cases, RegressionCase, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
