// The JSON-lines sink's line format, with records as the record builder makes them.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/record/record_builder.hpp"
#include "baawatch/sink/record_sink.hpp"
#include "unit/fixtures/sample_records.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

using nlohmann::json;
using namespace baawatch::testing::records;

// ---- JSON lines sink ------------------------------------------------------------------------

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// These tests are about the line format; the hash chain (its chain_start line and `chain`
// fields) has its own tests in hash_chain_test.cpp and json_lines_sink_test.cpp.
JsonLinesSinkOptions unchainedOptions() {
  JsonLinesSinkOptions options;
  options.hashChain = false;
  return options;
}

TEST(JsonLinesSinkTest, InvalidUtf8HostNameIsWrittenAsValidJson) {
  baawatch::testing::TempFolder folder;
  const std::string path = folder.path("out.jsonl");
  // A DHCP host name as it came off the wire: Latin-1 "Jos\xe9" and a lone continuation byte.
  const std::string broken = std::string("Jos\xe9-ipad\x80", 10);
  {
    auto sink = JsonLinesSink::open(path, unchainedOptions());
    ASSERT_TRUE(sink.has_value()) << sink.error();
    (*sink)->write(
        builder().decision(sampleFlow(), verdict(), device(broken), alertDecision(), kTime));
    EXPECT_EQ((*sink)->written(), 1u);
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 1u);
  json parsed;
  ASSERT_NO_THROW(parsed = json::parse(lines[0])) << lines[0];
  const std::string hostName = parsed.at("device").at("host_name");
  EXPECT_EQ(hostName.rfind("Jos", 0), 0u) << hostName;
  EXPECT_NE(hostName.find("-ipad"), std::string::npos) << hostName;
  EXPECT_EQ(hostName.find('\xe9'), std::string::npos) << "raw invalid byte kept";
  EXPECT_EQ(parsed.at("service").at("id"), "whatsapp");  // the rest of the record is intact
}

TEST(JsonLinesSinkTest, AppendsOneLinePerRecord) {
  baawatch::testing::TempFolder folder;
  const std::string path = folder.write("out.jsonl", "{\"earlier\":true}\n");
  {
    auto sink = JsonLinesSink::open(path, unchainedOptions());
    ASSERT_TRUE(sink.has_value()) << sink.error();
    json withNewline = builder().stats(Counters{}, kTime, false);
    withNewline["note"] = "two\nlines";  // escaped inside the string, never a raw newline
    (*sink)->write(withNewline);
    (*sink)->write(builder().encounter(encounter()));
    (*sink)->write(builder().counts(counts()));
    (*sink)->flush();
    EXPECT_EQ((*sink)->written(), 3u);
  }
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "{\"earlier\":true}");
  EXPECT_EQ(json::parse(lines[1]).at("event_type"), "stats");
  EXPECT_EQ(json::parse(lines[1]).at("note"), "two\nlines");
  EXPECT_EQ(json::parse(lines[2]).at("event_type"), "encounter");
  EXPECT_EQ(json::parse(lines[3]).at("event_type"), "counts");
}

TEST(JsonLinesSinkTest, OpenFailureNamesThePath) {
  auto sink = JsonLinesSink::open("/nonexistent-folder-baawatch/out.jsonl");
  ASSERT_FALSE(sink.has_value());
  EXPECT_NE(sink.error().find("/nonexistent-folder-baawatch/out.jsonl"), std::string::npos)
      << sink.error();
}

}  // namespace
}  // namespace baawatch::sink
