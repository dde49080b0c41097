#include "baawatch/sink/prometheus_text.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

using baawatch::testing::TempFolder;
using ::testing::HasSubstr;
using ::testing::Not;

// A stats record's counters as a live gateway with two syslog destinations and e-mail would have
// them.
Counters gatewayCounters() {
  Counters counters;
  counters.add("capture.packets", 123456);
  counters.add("capture.bytes", 98765432);
  counters.add("capture.kernel_drops", 7);
  counters.add("capture.interface_drops", 2);
  counters.add("capture.reopens", 1);
  counters.add("decode.malformed", 3);
  counters.add("decode.ipv4.truncated", 3);  // not exported: stays in the stats record
  counters.add("flow.created", 900);
  counters.add("flow.active", 42);
  counters.add("policy.alerts", 5);
  counters.add("policy.alerts_by_service.whatsapp", 3);
  counters.add("policy.alerts_by_service.facetime", 1);
  counters.add("policy.alerts_by_service.google-meet", 1);
  counters.add("policy.visibility_by_service.vpn", 2);
  counters.add("policy.suppressed", 11);
  counters.add("sink.queue.records", 20);
  counters.add("sink.queue.backlog", 4);
  counters.add("sink.queue.high_water", 9);
  counters.add("sink.queue.overflow", 0);
  counters.add("syslog.0.sent", 15);
  counters.add("syslog.0.failed", 1);
  counters.add("syslog.0.spooled", 6);
  counters.add("syslog.0.spool_pending", 2);
  counters.add("syslog.0.spool_bytes", 3000);
  counters.add("syslog.0.spool_overflow", 0);
  counters.add("syslog.0.reconnects", 1);
  counters.add("syslog.0.resent", 1);
  counters.add("syslog.1.sent", 16);
  counters.add("syslog.1.failed", 0);
  counters.add("email.sent", 3);
  counters.add("email.failed", 1);
  counters.add("email.spool_pending", 0);
  return counters;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(PrometheusText, HasTheDashboardFiguresWithServiceAndDestinationLabels) {
  std::string text = formatPrometheusText(gatewayCounters());
  for (const char* sample : {
           "baawatch_packets_total 123456\n",
           "baawatch_capture_kernel_drops_total 7\n",
           "baawatch_capture_interface_drops_total 2\n",
           "baawatch_flows_total 900\n",
           "baawatch_flows_active 42\n",
           "baawatch_alerts_total{service=\"facetime\"} 1\n",
           "baawatch_alerts_total{service=\"google-meet\"} 1\n",
           "baawatch_alerts_total{service=\"whatsapp\"} 3\n",
           "baawatch_visibility_total{service=\"vpn\"} 2\n",
           "baawatch_sink_queue_backlog 4\n",
           "baawatch_syslog_sent_total{destination=\"0\"} 15\n",
           "baawatch_syslog_sent_total{destination=\"1\"} 16\n",
           "baawatch_syslog_spool_records{destination=\"0\"} 2\n",
           "baawatch_syslog_spool_bytes{destination=\"0\"} 3000\n",
       }) {
    EXPECT_THAT(text, HasSubstr(sample));
  }
  EXPECT_THAT(text, HasSubstr("# TYPE baawatch_alerts_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE baawatch_flows_active gauge\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE baawatch_syslog_spool_bytes gauge\n"));
  // Only TCP destinations spool: destination 1 (UDP) has no spool sample.
  EXPECT_THAT(text, Not(HasSubstr("baawatch_syslog_spool_bytes{destination=\"1\"}")));
  // Counters outside the list stay in the stats record.
  EXPECT_THAT(text, Not(HasSubstr("truncated")));
}

TEST(PrometheusText, LabelledSamplesFollowTheirFamilyHeaderInOrder) {
  std::vector<std::string> lines = linesOf(formatPrometheusText(gatewayCounters()));
  auto at = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) - lines.begin();
  };
  auto help = at("# HELP baawatch_alerts_total Alerts written (suppressed repeats not included), "
                 "by service.");
  auto type = at("# TYPE baawatch_alerts_total counter");
  ASSERT_LT(help, static_cast<long>(lines.size()));
  EXPECT_EQ(type, help + 1);
  EXPECT_EQ(lines[type + 1], "baawatch_alerts_total{service=\"facetime\"} 1");
  EXPECT_EQ(lines[type + 2], "baawatch_alerts_total{service=\"google-meet\"} 1");
  EXPECT_EQ(lines[type + 3], "baawatch_alerts_total{service=\"whatsapp\"} 3");
}

TEST(PrometheusText, FileReplayWithoutCaptureCountersStillHasEveryUnlabelledFamily) {
  Counters counters;
  counters.add("capture.packets", 10);
  std::string text = formatPrometheusText(counters);
  EXPECT_THAT(text, HasSubstr("baawatch_packets_total 10\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_capture_kernel_drops_total 0\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_flows_active 0\n"));
  // No alert yet: the labelled family is left out rather than written without samples.
  EXPECT_THAT(text, Not(HasSubstr("baawatch_alerts_total")));
  EXPECT_THAT(text, Not(HasSubstr("destination=")));
  // No e-mail configured: its figures are not shown as zeros of a mail set up.
  EXPECT_THAT(text, Not(HasSubstr("baawatch_email_")));
}

TEST(PrometheusText, EmailFiguresWhenMailIsConfigured) {
  Counters counters;
  counters.add("email.sent", 4);
  counters.add("email.failed", 2);
  counters.add("email.retried", 2);
  counters.add("email.spooled", 1);
  counters.add("email.rejected", 0);
  counters.add("email.spool_overflow", 0);
  counters.add("email.spool_pending", 1);
  std::string text = formatPrometheusText(counters);
  EXPECT_THAT(text, HasSubstr("# TYPE baawatch_email_sent_total counter\nbaawatch_email_sent_total 4\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_email_failed_total 2\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_email_retried_total 2\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_email_spooled_total 1\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_email_rejected_total 0\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_email_spool_overflow_total 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE baawatch_email_spool_mails gauge\nbaawatch_email_spool_mails 1\n"));
}

TEST(PrometheusText, SyslogLabelIsTheDestinationIndexOnly) {
  Counters counters;
  counters.add("syslog.0.sent", 1);
  counters.add("syslog.x.sent", 2);      // not an index
  counters.add("syslog.0.y.sent", 3);    // not <N>.sent
  counters.add("syslog.12.sent", 4);
  std::string text = formatPrometheusText(counters);
  EXPECT_THAT(text, HasSubstr("baawatch_syslog_sent_total{destination=\"0\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("baawatch_syslog_sent_total{destination=\"12\"} 4\n"));
  EXPECT_THAT(text, Not(HasSubstr("destination=\"x\"")));
  EXPECT_THAT(text, Not(HasSubstr("destination=\"0.y\"")));
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  EXPECT_EQ(escapePrometheusLabelValue("plain-id"), "plain-id");
  EXPECT_EQ(escapePrometheusLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Counters counters;
  counters.add("policy.alerts_by_service.we\"ird", 1);
  EXPECT_THAT(formatPrometheusText(counters),
              HasSubstr("baawatch_alerts_total{service=\"we\\\"ird\"} 1\n"));
}

// The text format (exposition format 0.0.4) checked line by line: every line is a HELP, a TYPE
// or a sample; each family has exactly one HELP and one TYPE before its samples; counters end in
// _total and gauges do not; no duplicate series; a trailing newline.
TEST(PrometheusText, EveryLineIsValidExpositionFormat) {
  std::string text = formatPrometheusText(gatewayCounters());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const std::regex help(R"(# HELP (baawatch_[a-z_]+) [^\\\n]+)");
  const std::regex type(R"(# TYPE (baawatch_[a-z_]+) (counter|gauge))");
  const std::regex sample(
      R"((baawatch_[a-z_]+)(\{[a-z_]+="(?:[^"\\\n]|\\["\\n])*"\})? (0|[1-9][0-9]*))");
  std::map<std::string, std::string> types;
  std::set<std::string> helps;
  std::set<std::string> series;
  std::string current;
  for (const auto& line : linesOf(text)) {
    std::smatch match;
    if (std::regex_match(line, match, help)) {
      EXPECT_TRUE(helps.insert(match[1]).second) << "second HELP: " << line;
      current = match[1];
    } else if (std::regex_match(line, match, type)) {
      EXPECT_EQ(match[1], current) << "TYPE without its HELP just before: " << line;
      EXPECT_TRUE(types.emplace(match[1], match[2]).second) << "second TYPE: " << line;
      bool total = std::string(match[1]).ends_with("_total");
      EXPECT_EQ(total, match[2] == "counter") << line;
    } else if (std::regex_match(line, match, sample)) {
      EXPECT_EQ(match[1], current) << "sample outside its family: " << line;
      EXPECT_TRUE(types.count(match[1])) << "sample before its TYPE: " << line;
      EXPECT_TRUE(series.insert(std::string(match[1]) + std::string(match[2])).second)
          << "duplicate series: " << line;
    } else {
      ADD_FAILURE() << "not exposition format: '" << line << "'";
    }
  }
  EXPECT_GE(types.size(), 20u);
}

// The real parser and linter, when promtool (Debian package `prometheus`) is there; not installed
// by .ci/install-deps because that package also starts a server.
TEST(PrometheusText, PromtoolAcceptsTheOutput) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (apt-get install prometheus)";
  }
  TempFolder folder;
  std::string file = folder.write("baawatch.prom", formatPrometheusText(gatewayCounters()));
  std::string command = "promtool check metrics < '" + file + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  int status = ::pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_EQ(output, "");  // no lint complaint either
}

// Prometheus' official Python client parses the file back (python3-prometheus-client, installed
// by .ci/install-deps): every sample, with its labels, must come out with the value we wrote.
TEST(PrometheusText, OfficialPythonParserReadsEverySample) {
  // Debian's python3 (the package installs into it, not into any other python3 on the PATH).
  if (std::system("/usr/bin/python3 -c 'import prometheus_client.parser' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-prometheus-client not installed";
  }
  TempFolder folder;
  std::string text = formatPrometheusText(gatewayCounters());
  std::string file = folder.write("baawatch.prom", text);
  std::string command =
      "/usr/bin/python3 -c 'import sys; from prometheus_client.parser import text_string_to_metric_families as p\n"
      "n = 0\n"
      "for family in p(open(sys.argv[1]).read()):\n"
      "    for sample in family.samples:\n"
      "        n += 1\n"
      "print(n)' '" + file + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  int status = ::pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << output;
  // As many samples as non-comment lines we wrote.
  std::size_t samples = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') ++samples;
  }
  EXPECT_GT(samples, 0u);
  EXPECT_EQ(std::stoul(output), samples) << output;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json statsRecord(const Counters& counters) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [name, value] : counters.values()) values[name] = value;
  return {{"event_type", "stats"}, {"final", false}, {"counters", values}};
}

TEST(PrometheusFileTarget, EachStatsRecordReplacesTheFileWholeAndReadable) {
  TempFolder folder;
  std::string path = folder.path("baawatch.prom");
  auto target = PrometheusFileTarget::open({path, nullptr});
  ASSERT_TRUE(target) << target.error();
  EXPECT_FALSE(std::filesystem::exists(path));  // nothing before the first stats record

  (*target)->write(nlohmann::json{{"event_type", "alert"}});
  EXPECT_FALSE(std::filesystem::exists(path));

  Counters first;
  first.add("capture.packets", 1);
  (*target)->write(statsRecord(first));
  EXPECT_EQ(readFile(path), formatPrometheusText(first));
  Counters second = gatewayCounters();
  (*target)->write(statsRecord(second));
  EXPECT_EQ(readFile(path), formatPrometheusText(second));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  struct stat info{};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);  // node_exporter reads it as a user of its own
  EXPECT_EQ((*target)->counters().get("metrics_file.written"), 2u);
  EXPECT_EQ((*target)->counters().get("metrics_file.write_errors"), 0u);
}

TEST(PrometheusFileTarget, OpenRefusesAMissingFolderOrANameTheCollectorIgnores) {
  TempFolder folder;
  auto missing = PrometheusFileTarget::open({folder.path("none/baawatch.prom"), nullptr});
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error(), HasSubstr("does not exist"));
  auto wrongName = PrometheusFileTarget::open({folder.path("baawatch.txt"), nullptr});
  ASSERT_FALSE(wrongName);
  EXPECT_THAT(wrongName.error(), HasSubstr("must end in .prom"));
}

TEST(PrometheusFileTarget, WriteErrorsAreCountedAndLoggedOncePerStreak) {
  TempFolder folder;
  std::string dir = folder.path("state");
  std::filesystem::create_directories(dir);
  std::vector<std::string> logged;
  auto target = PrometheusFileTarget::open(
      {dir + "/baawatch.prom", [&logged](const std::string& line) { logged.push_back(line); }});
  ASSERT_TRUE(target) << target.error();
  std::filesystem::remove_all(dir);  // the folder goes away under the running daemon
  Counters counters;
  counters.add("capture.packets", 1);
  (*target)->write(statsRecord(counters));
  (*target)->write(statsRecord(counters));
  EXPECT_EQ((*target)->counters().get("metrics_file.write_errors"), 2u);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_THAT(logged[0], HasSubstr("baawatch.prom.tmp"));
  std::filesystem::create_directories(dir);
  (*target)->write(statsRecord(counters));
  EXPECT_EQ(readFile(dir + "/baawatch.prom"), formatPrometheusText(counters));
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_THAT(logged[1], HasSubstr("again"));
}

}  // namespace
}  // namespace baawatch::sink
