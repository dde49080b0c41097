// The report from a generated log: CSV values, date filtering, the 164.402 flag around
// 2023-05-11, escaping of hostile values, the integrity line.
#include "baawatch/report/report.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "baawatch/report/report_writer.hpp"
#include "baawatch/report/time_format.hpp"
#include "unit/report/report_test_support.hpp"

namespace baawatch::report {
namespace {

using namespace baawatch::report::testing;
using nlohmann::json;

const DeviceSpec kLee{"mac:5a:3c:9e:41:07:2d", "192.168.10.23", "5a:3c:9e:41:07:2d", "dr-lee-iphone"};
const DeviceSpec kNurse{"mac:ba:1e:47:9c:33:05", "192.168.10.57", "ba:1e:47:9c:33:05", "nurse-pixel7"};
const DeviceSpec kExam{"mac:d4:81:d7:2c:6e:12", "192.168.10.42", "d4:81:d7:2c:6e:12", "exam-room-2"};
const DeviceSpec kReception{"mac:36:e1:9a:52:0c:7f", "192.168.10.29", "36:e1:9a:52:0c:7f", "reception-iphone"};

// Three days in March 2025, four services, four devices, noise around them.
std::vector<std::string> clinicLog() {
  EncounterSpec call{"e1", kLee, "whatsapp", "2025-03-10T09:00:00.000000Z",
                     "2025-03-10T09:05:00.000000Z", 300};
  call.rule = "no_baa.messaging";
  call.evidence = {evidenceJson("whatsapp.names", "dns.query", "g.whatsapp.net"),
                   evidenceJson("whatsapp.names", "tls.sni", "g.whatsapp.net")};
  EncounterSpec chat{"e2", kNurse, "whatsapp", "2025-03-10T14:00:00.000000Z",
                     "2025-03-10T14:01:00.000000Z", 60};
  chat.kind = "messaging";
  chat.rule = "no_baa.messaging";
  EncounterSpec facetime{"e3", kLee, "facetime", "2025-03-11T10:00:00.000000Z",
                         "2025-03-11T10:10:00.000000Z", 600};
  facetime.evidence = {
      evidenceJson("facetime.relay-space", "server.ip", "17.188.167.41 udp/3478 (documented relay port)"),
      evidenceJson("facetime.relay-multiplex", "behaviour",
                   "one 5-tuple carries STUN 2, TURN ChannelData 420, QUIC long header 3 with no SNI")};
  EncounterSpec zoom{"e4", kExam, "zoom", "2025-03-12T11:00:00.000000Z",
                     "2025-03-12T11:30:00.000000Z", 1800};
  zoom.action = "count";
  zoom.rule = "baa_on_file.zoom";
  EncounterSpec relay{"e5", kNurse, "icloud-private-relay", "2025-03-12T08:00:00.000000Z",
                      "2025-03-12T09:00:00.000000Z", 3600};
  relay.kind = "web";
  relay.action = "visibility";
  relay.rule = "visibility_loss";
  relay.evidence = {evidenceJson("icloud-private-relay.names", "quic.sni", "mask.icloud.com")};

  json alert = {{"event_type", "alert"}, {"schema_version", 1},
                {"timestamp", "2025-03-10T09:00:01.000000Z"}, {"device", deviceJson(kLee)},
                {"service", serviceJson("whatsapp")}, {"evidence", json::array()},
                {"policy", {{"rule", "no_baa.messaging"}, {"action", "alert"}, {"version", "policy-v1"}}},
                {"signatures_version", "sig-v7"}};
  json presence = {{"event_type", "counts"}, {"schema_version", 1},
                   {"timestamp", "2025-03-11T08:05:00.000000Z"},
                   {"interval_start", "2025-03-11T08:00:00.000000Z"},
                   {"interval_end", "2025-03-11T08:05:00.000000Z"}, {"service_id", "apple-push"},
                   {"category", "presence"}, {"device", deviceJson(kReception)},
                   {"flows_classified", 3}, {"counted", 3}};
  json stats = {{"event_type", "stats"}, {"timestamp", "2025-03-12T12:00:00.000000Z"},
                {"final", true}, {"counters", {{"capture.packets", 5}}}};
  json future = {{"event_type", "something_new"}, {"timestamp", "2025-03-11T00:00:00.000000Z"},
                 {"prev_hash", "abc"}, {"shiny", {1, 2, 3}}};
  return {alert.dump(),         encounterJson(call).dump(),  encounterJson(chat).dump(),
          presence.dump(),      encounterJson(facetime).dump(), "{not json at all",
          future.dump(),        encounterJson(relay).dump(), encounterJson(zoom).dump(),
          "",                   stats.dump()};
}

const CsvRow* findRow(const std::vector<CsvRow>& rows, const std::string& column,
                      const std::string& value) {
  auto found = std::find_if(rows.begin(), rows.end(),
                            [&](const CsvRow& row) { return row.at(column) == value; });
  return found == rows.end() ? nullptr : &*found;
}

ReportOutcome run(const ScratchDir& dir, std::vector<std::string> logs, ReportPeriod period = {}) {
  ReportRequest request;
  request.logs = std::move(logs);
  request.period = period;
  request.outDir = dir.file("out");
  request.generatedAt = *parseRfc3339("2026-11-23T09:14:00Z");
  ReportOutcome outcome = generateReport(request);
  EXPECT_TRUE(outcome.ok()) << outcome.error;
  return outcome;
}

TEST(Report, CountsWhatItReadAndThePeriod) {
  ScratchDir dir("counts");
  writeLines(dir.file("log.jsonl"), clinicLog());
  ReportOutcome outcome = run(dir, {dir.file("log.jsonl")});
  EXPECT_EQ(outcome.data.recordsRead, 9u);     // 11 lines: one empty, one damaged
  EXPECT_EQ(outcome.data.malformedLines, 1u);
  EXPECT_EQ(outcome.data.encounters.size(), 5u);
  ASSERT_TRUE(outcome.data.firstRecord);
  EXPECT_EQ(formatIsoSeconds(*outcome.data.firstRecord), "2025-03-10T09:00:00Z");
  EXPECT_EQ(formatIsoSeconds(*outcome.data.lastRecord), "2025-03-12T12:00:00Z");
  EXPECT_EQ(outcome.data.policyVersions.count("policy-v1"), 1u);
  EXPECT_EQ(outcome.data.signatureVersions.count("sig-v7"), 1u);
  EXPECT_EQ(outcome.filesWritten.size(), 6u);
}

TEST(Report, IgnoresTheLogsOwnBookkeepingRecords) {
  // chain_start and sink_recovery carry the wall clock of the day the file was opened (here a
  // year after the traffic): they must not stretch the period nor count as events.
  ScratchDir dir("bookkeeping");
  std::vector<std::string> lines = clinicLog();
  json start = {{"event_type", "chain_start"}, {"schema_version", 1},
                {"timestamp", "2026-06-01T00:00:00.000000Z"}, {"created", "2026-06-01T00:00:00.000000Z"},
                {"file", "log.jsonl"}, {"predecessor", nullptr}, {"hash_algorithm", "sha256"},
                {"chain", {{"prev_hash", std::string(64, 'a')}, {"hash", std::string(64, 'b')}}}};
  json recovery = {{"event_type", "sink_recovery"}, {"schema_version", 1},
                   {"timestamp", "2026-06-02T00:00:00.000000Z"},
                   {"partial_line", {{"offset", 10}, {"bytes", 3}, {"sha256", std::string(64, 'c')}}},
                   {"record_id", "gw:0123456789abcdef:1"}};
  lines.insert(lines.begin(), start.dump());
  lines.insert(lines.begin() + 4, recovery.dump());
  writeLines(dir.file("log.jsonl"), lines);
  ScratchDir plainDir("plain");
  writeLines(plainDir.file("log.jsonl"), clinicLog());
  ReportOutcome plain = run(plainDir, {plainDir.file("log.jsonl")});
  ReportOutcome outcome = run(dir, {dir.file("log.jsonl")});
  EXPECT_EQ(outcome.data.recordsRead, plain.data.recordsRead + 2);
  EXPECT_EQ(outcome.data.recordsInPeriod, plain.data.recordsInPeriod);
  EXPECT_EQ(outcome.data.encounters.size(), plain.data.encounters.size());
  ASSERT_TRUE(outcome.data.lastRecord);
  EXPECT_EQ(formatIsoSeconds(*outcome.data.lastRecord), "2025-03-12T12:00:00Z");
  EXPECT_EQ(outcome.data.recordsByType["sink_recovery"], 1u);

  // Within a period that only the bookkeeping records fall in, there is nothing.
  ScratchDir laterDir("later");
  writeLines(laterDir.file("log.jsonl"), lines);
  ReportOutcome later = run(laterDir, {laterDir.file("log.jsonl")},
                            ReportPeriod{*parseRfc3339("2026-05-01T00:00:00Z"), std::nullopt});
  EXPECT_EQ(later.data.recordsInPeriod, 0u);
  EXPECT_FALSE(later.data.firstRecord);
  EXPECT_TRUE(later.data.encounters.empty());
}

TEST(Report, ServicesCsv) {
  ScratchDir dir("services");
  writeLines(dir.file("log.jsonl"), clinicLog());
  run(dir, {dir.file("log.jsonl")});
  auto rows = readCsv(dir.file("out/services.csv"));
  const CsvRow* whatsapp = findRow(rows, "service_id", "whatsapp");
  ASSERT_NE(whatsapp, nullptr);
  EXPECT_EQ(whatsapp->at("vendor"), "Meta Platforms");
  EXPECT_EQ(whatsapp->at("baa_status"), "none");
  EXPECT_EQ(whatsapp->at("encounters"), "2");
  EXPECT_EQ(whatsapp->at("calls"), "1");
  EXPECT_EQ(whatsapp->at("devices"), "2");
  EXPECT_EQ(whatsapp->at("total_duration_seconds"), "360.000");
  EXPECT_EQ(whatsapp->at("total_duration"), "6 min");
  EXPECT_EQ(whatsapp->at("alerts"), "1");
  EXPECT_EQ(whatsapp->at("breach_assessments_required"), "2");
  const CsvRow* zoom = findRow(rows, "service_id", "zoom");
  ASSERT_NE(zoom, nullptr);
  EXPECT_EQ(zoom->at("baa_on_file"), "yes");
  EXPECT_EQ(zoom->at("breach_assessments_required"), "0");
  EXPECT_EQ(zoom->at("free_and_paid_tiers_look_alike"), "yes");
  const CsvRow* push = findRow(rows, "service_id", "apple-push");
  ASSERT_NE(push, nullptr);
  EXPECT_EQ(push->at("encounters"), "0");
  EXPECT_EQ(push->at("flows_counted"), "3");
}

TEST(Report, DevicesCsv) {
  ScratchDir dir("devices");
  writeLines(dir.file("log.jsonl"), clinicLog());
  run(dir, {dir.file("log.jsonl")});
  auto rows = readCsv(dir.file("out/devices.csv"));
  EXPECT_EQ(rows.size(), 4u);
  const CsvRow* lee = findRow(rows, "host_name", "dr-lee-iphone");
  ASSERT_NE(lee, nullptr);
  EXPECT_EQ(lee->at("mac"), "5a:3c:9e:41:07:2d");
  EXPECT_EQ(lee->at("addresses"), "192.168.10.23");
  EXPECT_EQ(lee->at("services"), "Apple FaceTime; WhatsApp");
  EXPECT_EQ(lee->at("encounters"), "2");
  const CsvRow* reception = findRow(rows, "host_name", "reception-iphone");
  ASSERT_NE(reception, nullptr);  // seen only in counts: still an inventory row
  EXPECT_EQ(reception->at("encounters"), "0");
}

TEST(Report, EncountersCsvHasEvidenceInWordsAndTheFlag) {
  ScratchDir dir("encounters");
  writeLines(dir.file("log.jsonl"), clinicLog());
  run(dir, {dir.file("log.jsonl")});
  auto rows = readCsv(dir.file("out/encounters.csv"));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].at("encounter_id"), "e1");  // sorted by start
  EXPECT_EQ(rows[0].at("start"), "2025-03-10T09:00:00Z");
  EXPECT_EQ(rows[0].at("bytes_from_device"), "1000");
  EXPECT_NE(rows[0].at("evidence").find("The device looked up the name g.whatsapp.net"),
            std::string::npos);
  EXPECT_EQ(rows[0].at("breach_assessment_required"), "yes");
  const CsvRow* facetime = findRow(rows, "encounter_id", "e3");
  ASSERT_NE(facetime, nullptr);
  EXPECT_EQ(facetime->at("summary"),
            "Apple FaceTime call via Apple relay 17.188.167.41 (STUN, TURN and QUIC multiplexed "
            "on one connection, no server name sent)");
  const CsvRow* zoom = findRow(rows, "encounter_id", "e4");
  ASSERT_NE(zoom, nullptr);
  EXPECT_EQ(zoom->at("breach_assessment_required"), "no");
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("evidence").find('{'), std::string::npos) << "raw JSON in " << row.at("evidence");
  }
}

TEST(Report, DailyAndVisibilityCsv) {
  ScratchDir dir("daily");
  writeLines(dir.file("log.jsonl"), clinicLog());
  run(dir, {dir.file("log.jsonl")});
  auto daily = readCsv(dir.file("out/daily.csv"));
  ASSERT_EQ(daily.size(), 4u);
  EXPECT_EQ(daily[0].at("date"), "2025-03-10");
  EXPECT_EQ(daily[0].at("service_id"), "whatsapp");
  EXPECT_EQ(daily[0].at("encounters"), "2");
  EXPECT_EQ(daily[1].at("date"), "2025-03-11");
  EXPECT_EQ(daily[1].at("service_id"), "facetime");
  EXPECT_EQ(daily[1].at("encounters"), "1");
  auto visibility = readCsv(dir.file("out/visibility.csv"));
  ASSERT_EQ(visibility.size(), 1u);
  EXPECT_EQ(visibility[0].at("host_name"), "nurse-pixel7");
  EXPECT_EQ(visibility[0].at("service"), "iCloud Private Relay");
  EXPECT_EQ(visibility[0].at("duration_seconds"), "3600.000");
  EXPECT_EQ(visibility[0].at("encounter_id"), "e5");
}

TEST(Report, DateFilterKeepsOnlyTheDaysAsked) {
  ScratchDir dir("filter");
  writeLines(dir.file("log.jsonl"), clinicLog());
  ReportPeriod period{parseDate("2025-03-11"), dayStart(dayNumber(*parseDate("2025-03-11")) + 1)};
  ReportOutcome outcome = run(dir, {dir.file("log.jsonl")}, period);
  EXPECT_EQ(outcome.data.recordsRead, 9u);  // all read ...
  EXPECT_EQ(outcome.data.recordsInPeriod, 3u);  // ... facetime, the counts record, the new type
  auto rows = readCsv(dir.file("out/encounters.csv"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("encounter_id"), "e3");
  auto daily = readCsv(dir.file("out/daily.csv"));
  ASSERT_EQ(daily.size(), 1u);
  EXPECT_EQ(daily[0].at("date"), "2025-03-11");
  EXPECT_TRUE(readCsv(dir.file("out/visibility.csv")).empty());
}

TEST(Report, EncounterSpanningTheStartOfThePeriodIsIncluded) {
  ScratchDir dir("overlap");
  EncounterSpec late{"late", kLee, "facetime", "2025-03-10T23:50:00.000000Z",
                     "2025-03-11T00:20:00.000000Z", 1800};
  writeLines(dir.file("log.jsonl"), {encounterJson(late).dump()});
  ReportOutcome outcome = run(dir, {dir.file("log.jsonl")}, {parseDate("2025-03-11"), std::nullopt});
  EXPECT_EQ(outcome.data.encounters.size(), 1u);
}

EncounterEntry flagged(const std::string& start, const std::string& end,
                       const std::string& service, const std::string& action,
                       const std::string& rule) {
  ScratchDir dir("flag");
  EncounterSpec spec{"x", kLee, service, start, end, 60};
  spec.action = action;
  spec.rule = rule;
  writeLines(dir.file("log.jsonl"), {encounterJson(spec).dump()});
  ReportOutcome outcome = run(dir, {dir.file("log.jsonl")});
  EXPECT_EQ(outcome.data.encounters.size(), 1u);
  return outcome.data.encounters.empty() ? EncounterEntry{} : outcome.data.encounters.front();
}

TEST(Report, BreachFlagStartsAfterTheEnforcementDiscretion) {
  // During the discretion: no flag.
  EXPECT_FALSE(flagged("2023-05-10T10:00:00Z", "2023-05-10T10:01:00Z", "whatsapp", "alert",
                       "no_baa.messaging").assessmentRequired);
  EXPECT_FALSE(flagged("2023-05-11T23:58:00Z", "2023-05-11T23:59:00Z", "whatsapp", "alert",
                       "no_baa.messaging").assessmentRequired);
  // After it: flagged, and within the telehealth transition until 2023-08-09.
  EncounterEntry after = flagged("2023-05-12T10:00:00Z", "2023-05-12T10:01:00Z", "whatsapp",
                                 "alert", "no_baa.messaging");
  EXPECT_TRUE(after.assessmentRequired);
  EXPECT_TRUE(after.inTransitionPeriod);
  EncounterEntry later = flagged("2023-08-10T10:00:00Z", "2023-08-10T10:01:00Z", "facetime",
                                 "alert", "no_baa.video");
  EXPECT_TRUE(later.assessmentRequired);
  EXPECT_FALSE(later.inTransitionPeriod);
  // A call running across midnight into 12 May is partly uncovered.
  EXPECT_TRUE(flagged("2023-05-11T23:50:00Z", "2023-05-12T00:10:00Z", "facetime", "alert",
                      "no_baa.video").assessmentRequired);
}

TEST(Report, BreachFlagFollowsTheBaa) {
  EXPECT_FALSE(flagged("2025-01-10T10:00:00Z", "2025-01-10T10:30:00Z", "zoom", "count",
                       "baa_on_file.zoom").assessmentRequired);
  // An exemption is not a BAA: a vendor that signs none still needs the assessment.
  EXPECT_TRUE(flagged("2025-01-10T10:00:00Z", "2025-01-10T10:30:00Z", "whatsapp", "count",
                      "exempt.front-desk").assessmentRequired);
  EXPECT_TRUE(flagged("2025-01-10T10:00:00Z", "2025-01-10T10:30:00Z", "zoom", "alert",
                      "no_baa.video").assessmentRequired);
}

TEST(Report, HtmlEscapesEverythingFromTheLog) {
  ScratchDir dir("escape");
  DeviceSpec hostile{"mac:00:11:22:33:44:55", "192.168.10.99", "00:11:22:33:44:55",
                     "<script>alert(1)</script>"};
  EncounterSpec spec{"<img src=x onerror=alert(2)>", hostile, "whatsapp",
                     "2025-03-10T09:00:00Z", "2025-03-10T09:05:00Z", 300};
  spec.evidence = {evidenceJson("whatsapp.names", "tls.sni", "\"><svg onload=alert(3)>")};
  json record = encounterJson(spec);
  record["clinic"] = "Smith & Sons <Family> Practice";
  record["policy"]["version"] = "</code><script>x</script>";
  writeLines(dir.file("log.jsonl"), {record.dump()});
  run(dir, {dir.file("log.jsonl")});
  std::string html = readText(dir.file("out/report.html"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<svg onload"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Smith &amp; Sons &lt;Family&gt; Practice"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;svg onload=alert(3)&gt;"), std::string::npos);
  EXPECT_EQ(escapeHtml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
}

TEST(Report, CsvQuotesAndDefusesFormulas) {
  EXPECT_EQ(csvField("plain"), "plain");
  EXPECT_EQ(csvField("a,b"), "\"a,b\"");
  EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csvField("@SUM(A1)"), "'@SUM(A1)");
}

TEST(Report, HtmlHasTheSectionsAndTheFlag) {
  ScratchDir dir("html");
  writeLines(dir.file("log.jsonl"), clinicLog());
  run(dir, {dir.file("log.jsonl")});
  std::string html = readText(dir.file("out/report.html"));
  for (const char* needle :
       {"this log carries no integrity chain", "id=\"services-table\"", "id=\"daily-chart\"",
        "id=\"devices-table\"", "id=\"visibility-table\"",
        "Breach risk assessment required (45 CFR 164.402)", "Reviewer's disposition",
        "Mon 10 Mar 2025, 09:00 UTC", "11 May 2023", "9 August 2023",
        "Free and paid plans look the same", "policy-v1", "sig-v7"}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // nothing fetched
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(Report, SameEncounterInTwoLogsCountsOnce) {
  ScratchDir dir("dedupe");
  writeLines(dir.file("a.jsonl"), clinicLog());
  writeLines(dir.file("b.jsonl"), clinicLog());
  ReportOutcome outcome = run(dir, {dir.file("a.jsonl"), dir.file("b.jsonl")});
  EXPECT_EQ(outcome.data.encounters.size(), 5u);
  EXPECT_EQ(outcome.data.duplicateEncounters, 5u);
}

TEST(Report, VisibilityRecordWithoutItsEncounterIsAPeriodWithNoEnd) {
  ScratchDir dir("visibility");
  json record = {{"event_type", "visibility"}, {"timestamp", "2025-03-10T09:00:00Z"},
                 {"device", deviceJson(kNurse)}, {"service", serviceJson("icloud-private-relay")},
                 {"evidence", {evidenceJson("icloud-private-relay.names", "tls.sni", "mask.icloud.com")}},
                 {"policy", {{"rule", "visibility_loss"}, {"action", "visibility"}, {"version", "p"}}}};
  writeLines(dir.file("log.jsonl"), {record.dump()});
  ReportOutcome outcome = run(dir, {dir.file("log.jsonl")});
  ASSERT_EQ(outcome.data.visibility.size(), 1u);
  EXPECT_FALSE(outcome.data.visibility[0].end);
  auto rows = readCsv(dir.file("out/visibility.csv"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("end"), "");
  EXPECT_NE(rows[0].at("evidence").find("mask.icloud.com"), std::string::npos);
}

TEST(Report, ChainIsVerifiedOnlyWhenTheLogCarriesOne) {
  ScratchDir dir("chain");
  json record = encounterJson({"c1", kLee, "facetime", "2025-03-10T09:00:00Z",
                               "2025-03-10T09:05:00Z", 300});
  record["chain"] = {{"prev_hash", "00"}, {"hash", "11"}};
  writeLines(dir.file("log.jsonl"), {record.dump()});
  int calls = 0;
  ReportRequest request;
  request.logs = {dir.file("log.jsonl")};
  request.outDir = dir.file("out");
  request.verifyChain = [&](const std::vector<std::string>&) {
    ++calls;
    return ChainStatus{0, 0, true, false, "log.jsonl:1: altered"};
  };
  ReportOutcome outcome = generateReport(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(outcome.data.chain.carriesChain());
  std::string html = readText(dir.file("out/report.html"));
  EXPECT_NE(html.find("hash chain is <b>broken</b>"), std::string::npos);
  EXPECT_NE(html.find("log.jsonl:1: altered"), std::string::npos);
}

TEST(Report, UnreadableLogIsAnError) {
  ScratchDir dir("missing");
  ReportRequest request;
  request.logs = {dir.file("nope.jsonl")};
  request.outDir = dir.file("out");
  ReportOutcome outcome = generateReport(request);
  EXPECT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error.find("nope.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace baawatch::report
