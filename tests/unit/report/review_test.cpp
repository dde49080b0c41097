// Decisions that are kept: the dispositions file (errors name file:line:field), the 60-day
// deadline of 45 CFR 164.404(b), decided encounters shown as decided with the open ones first,
// device owners from a CSV, and the private MAC addresses of one phone joined by host name.
#include "baawatch/report/review.hpp"

#include <gtest/gtest.h>

#include "baawatch/report/report.hpp"
#include "baawatch/report/time_format.hpp"
#include "unit/report/report_test_support.hpp"

namespace baawatch::report {
namespace {

using namespace baawatch::report::testing;
using nlohmann::json;

const DeviceSpec kLee{"mac:5a:3c:9e:41:07:2d", "192.168.10.23", "5a:3c:9e:41:07:2d", "dr-lee-iphone"};
const DeviceSpec kNurse{"mac:00:1b:63:9c:33:05", "192.168.10.57", "00:1b:63:9c:33:05", "nurse-pixel7"};

Timestamp day(const char* text) { return *parseDate(text); }

std::vector<std::string> threeEncounters() {
  EncounterSpec decided{"e-decided", kLee, "whatsapp", "2026-11-02T09:00:00.000000Z",
                        "2026-11-02T09:05:00.000000Z", 300};
  EncounterSpec open{"e-open", kNurse, "facetime", "2026-11-03T10:00:00.000000Z",
                     "2026-11-03T10:10:00.000000Z", 600};
  EncounterSpec breach{"e-breach", kLee, "facetime", "2026-11-04T11:00:00.000000Z",
                       "2026-11-04T11:20:00.000000Z", 1200};
  return {encounterJson(decided).dump(), encounterJson(open).dump(), encounterJson(breach).dump()};
}

TEST(Dispositions, ReadsDecisionsAndALaterLineRevisesAnEarlierOne) {
  ScratchDir dir("dispositions");
  writeLines(dir.file("d.jsonl"),
             {R"({"encounter_id":"e1","reviewer":"J. Doe","date":"2026-12-01","decision":"breach","reasons":"x"})",
              "",
              R"({"encounter_id":"e1","reviewer":"J. Doe","date":"2026-12-02","decision":"low_probability","reasons":"messages deleted, vendor confirmed"})",
              R"({"encounter_id":"e2","reviewer":"A. Roe","date":"2026-12-02","decision":"breach","reasons":"photos of a chart","discovered":"2026-11-20"})"});
  DispositionsLoad load = loadDispositions(dir.file("d.jsonl"));
  ASSERT_TRUE(load.error.empty()) << load.error;
  EXPECT_EQ(load.dispositions.decisions, 3u);
  ASSERT_EQ(load.dispositions.byEncounter.size(), 2u);
  const Disposition& first = load.dispositions.byEncounter.at("e1");
  EXPECT_EQ(first.decision, ReviewDecision::kLowProbability);
  EXPECT_EQ(first.line, 3u);
  EXPECT_EQ(first.date, day("2026-12-02"));
  const Disposition& second = load.dispositions.byEncounter.at("e2");
  EXPECT_EQ(second.decision, ReviewDecision::kBreach);
  ASSERT_TRUE(second.discovered.has_value());
  EXPECT_EQ(*second.discovered, day("2026-11-20"));
  // What `baawatch review` appends reads back the same.
  writeLines(dir.file("again.jsonl"), {dispositionLine(second)});
  DispositionsLoad again = loadDispositions(dir.file("again.jsonl"));
  ASSERT_TRUE(again.error.empty()) << again.error;
  EXPECT_EQ(again.dispositions.byEncounter.at("e2").reasons, "photos of a chart");
  EXPECT_EQ(again.dispositions.byEncounter.at("e2").discovered, second.discovered);
}

struct BadDisposition {
  const char* name;
  const char* line;
  const char* error;
};

class BadDispositionTest : public ::testing::TestWithParam<BadDisposition> {};

TEST_P(BadDispositionTest, IsRefusedWithFileLineAndField) {
  ScratchDir dir("bad-disposition");
  writeLines(dir.file("d.jsonl"),
             {R"({"encounter_id":"e1","reviewer":"J. Doe","date":"2026-12-01","decision":"breach","reasons":"x"})",
              GetParam().line});
  DispositionsLoad load = loadDispositions(dir.file("d.jsonl"));
  EXPECT_EQ(load.error, dir.file("d.jsonl") + ":2: " + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadDispositionTest,
    ::testing::Values(
        BadDisposition{"not_json", "encounter e1 is fine", "not a JSON object (one decision per line)"},
        BadDisposition{"no_reviewer",
                       R"({"encounter_id":"e1","date":"2026-12-01","decision":"breach","reasons":"x"})",
                       "reviewer: missing or empty (a text is required)"},
        BadDisposition{"unknown_decision",
                       R"({"encounter_id":"e1","reviewer":"J","date":"2026-12-01","decision":"maybe","reasons":"x"})",
                       "decision: 'maybe' is not a decision (expected low_probability or breach)"},
        BadDisposition{"bad_date",
                       R"({"encounter_id":"e1","reviewer":"J","date":"01/12/2026","decision":"breach","reasons":"x"})",
                       "date: missing or not a day (YYYY-MM-DD)"},
        BadDisposition{"bad_discovered",
                       R"({"encounter_id":"e1","reviewer":"J","date":"2026-12-01","decision":"breach","reasons":"x","discovered":"soon"})",
                       "discovered: not a day (YYYY-MM-DD)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Dispositions, NotificationIsDueSixtyCalendarDaysAfterDiscovery) {
  EXPECT_EQ(notificationDeadline(day("2026-11-20")), day("2027-01-19"));
  EXPECT_EQ(notificationDeadline(*parseRfc3339("2024-01-01T23:59:00Z")), day("2024-03-01"));  // leap year
}

TEST(DeviceOwners, ByMacOrHostNameWhateverTheCase) {
  ScratchDir dir("owners");
  writeLines(dir.file("owners.csv"), {"device,person,role", "5A:3C:9E:41:07:2D,Dr. Lee,physician",
                                      "\"Nurse-Pixel7\",\"Sam Roe, RN\",", "front-desk-ipad,Front desk"});
  DeviceOwnersLoad load = loadDeviceOwners(dir.file("owners.csv"));
  ASSERT_TRUE(load.error.empty()) << load.error;
  const DeviceOwner* lee = load.owners.find("5a:3c:9e:41:07:2d", "");
  ASSERT_NE(lee, nullptr);
  EXPECT_EQ(lee->words(), "Dr. Lee (physician)");
  const DeviceOwner* nurse = load.owners.find("00:00:00:00:00:01", "nurse-pixel7");
  ASSERT_NE(nurse, nullptr);
  EXPECT_EQ(nurse->words(), "Sam Roe, RN");
  EXPECT_EQ(load.owners.find("00:00:00:00:00:02", "unknown"), nullptr);

  writeLines(dir.file("dup.csv"), {"device,person,role", "ipad,A", "iPad,B"});
  EXPECT_EQ(loadDeviceOwners(dir.file("dup.csv")).error,
            dir.file("dup.csv") + ":3: device: 'iPad' is already named on line 2");
  writeLines(dir.file("noheader.csv"), {"ipad,A"});
  EXPECT_EQ(loadDeviceOwners(dir.file("noheader.csv")).error,
            dir.file("noheader.csv") + ":1: the first line must be the header device,person,role");
}

TEST(PrivateMac, IsTheLocallyAdministeredBit) {
  EXPECT_TRUE(isPrivateMac("5a:3c:9e:41:07:2d"));
  EXPECT_TRUE(isPrivateMac("f6:00:00:00:00:01"));
  EXPECT_FALSE(isPrivateMac("00:1b:63:9c:33:05"));
  EXPECT_FALSE(isPrivateMac("3c:22:fb:12:34:56"));
  EXPECT_FALSE(isPrivateMac(""));
}

TEST(Review, DecidedEncountersAreShownDecidedAndOpenOnesComeFirst) {
  ScratchDir dir("review");
  writeLines(dir.file("log.jsonl"), threeEncounters());
  writeLines(dir.file("d.jsonl"),
             {R"({"encounter_id":"e-decided","reviewer":"J. Doe, privacy officer","date":"2026-11-10","decision":"low_probability","reasons":"Scheduling chat only; messages deleted."})",
              R"({"encounter_id":"e-breach","reviewer":"J. Doe, privacy officer","date":"2026-11-12","decision":"breach","reasons":"A patient photo was sent."})",
              R"({"encounter_id":"e-elsewhere","reviewer":"J. Doe","date":"2026-11-12","decision":"breach","reasons":"another month"})"});
  ReportRequest request;
  request.logs = {dir.file("log.jsonl")};
  request.outDir = dir.file("out");
  request.dispositionsFile = dir.file("d.jsonl");
  request.generatedAt = *parseRfc3339("2026-12-04T08:00:00Z");
  ReportOutcome outcome = generateReport(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  const ReportData& data = outcome.data;
  ASSERT_EQ(data.encounters.size(), 3u);
  EXPECT_EQ(data.encounters[0].id, "e-open");  // open first, then the decided by start
  EXPECT_EQ(data.encounters[1].id, "e-decided");
  EXPECT_EQ(data.encounters[2].id, "e-breach");
  EXPECT_EQ(data.open, 1u);
  EXPECT_EQ(data.decided, 2u);
  EXPECT_EQ(data.breaches, 1u);
  EXPECT_EQ(data.unmatchedDispositions, std::vector<std::string>{"e-elsewhere"});
  // No discovery day given: the day the monitor recorded the encounter; 60 days on.
  ASSERT_TRUE(data.encounters[2].notifyBy.has_value());
  EXPECT_EQ(*data.encounters[2].discovered, day("2026-11-04"));
  EXPECT_EQ(*data.encounters[2].notifyBy, day("2027-01-03"));
  EXPECT_FALSE(data.encounters[1].notifyBy.has_value());

  std::string html = readText(dir.file("out/report.html"));
  EXPECT_NE(html.find("1 open (listed first), 2 decided (1 to notify as a breach)"), std::string::npos);
  // The summary's figure says how many of those needing an assessment are still open.
  EXPECT_NE(html.find("<b>3</b>needed a breach risk assessment: 1 open, 2 decided</div>"),
            std::string::npos);
  EXPECT_NE(html.find("Decided: low probability that health information was compromised"),
            std::string::npos);
  EXPECT_NE(html.find("Scheduling chat only; messages deleted."), std::string::npos);
  EXPECT_NE(html.find("Decided: breach to notify"), std::string::npos);
  EXPECT_NE(html.find("no later than Sun 3 Jan 2027"), std::string::npos) << html;
  EXPECT_NE(html.find("open: no decision recorded"), std::string::npos);
  EXPECT_LT(html.find("data-encounter-id=\"e-open\""), html.find("data-encounter-id=\"e-decided\""));
  // Only the open one still has the empty box.
  std::size_t boxes = 0;
  for (auto at = html.find("class=\"disposition\""); at != std::string::npos;
       at = html.find("class=\"disposition\"", at + 1))
    ++boxes;
  EXPECT_EQ(boxes, 1u);

  auto rows = readCsv(dir.file("out/encounters.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["review_status"], "open");
  EXPECT_EQ(rows[2]["decision"], "breach");
  EXPECT_EQ(rows[2]["reviewer"], "J. Doe, privacy officer");
  EXPECT_EQ(rows[2]["discovered"], "2026-11-04");
  EXPECT_EQ(rows[2]["notify_by"], "2027-01-03");
}

TEST(Review, APassedDeadlineIsSaid) {
  ScratchDir dir("review-late");
  writeLines(dir.file("log.jsonl"), threeEncounters());
  writeLines(dir.file("d.jsonl"),
             {R"({"encounter_id":"e-breach","reviewer":"J","date":"2026-11-12","decision":"breach","reasons":"r","discovered":"2026-11-05"})"});
  ReportRequest request;
  request.logs = {dir.file("log.jsonl")};
  request.outDir = dir.file("out");
  request.dispositionsFile = dir.file("d.jsonl");
  request.generatedAt = *parseRfc3339("2027-01-05T08:00:00Z");  // deadline 2027-01-04
  ReportOutcome outcome = generateReport(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  std::string html = readText(dir.file("out/report.html"));
  EXPECT_NE(html.find("This deadline has passed."), std::string::npos);
  EXPECT_NE(html.find("discovery on Thu 5 Nov 2026."), std::string::npos) << html;
}

TEST(Review, ABadDispositionsFileStopsTheReport) {
  ScratchDir dir("review-bad");
  writeLines(dir.file("log.jsonl"), threeEncounters());
  writeLines(dir.file("d.jsonl"), {R"({"encounter_id":"e-open"})"});
  ReportRequest request;
  request.logs = {dir.file("log.jsonl")};
  request.outDir = dir.file("out");
  request.dispositionsFile = dir.file("d.jsonl");
  ReportOutcome outcome = generateReport(request);
  EXPECT_EQ(outcome.error, dir.file("d.jsonl") + ":1: reviewer: missing or empty (a text is required)");
}

TEST(Review, OwnersNameDevicesAndPrivateAddressesOfOnePhoneAreJoined) {
  ScratchDir dir("owners-join");
  // The same iPhone on three private addresses, one after the other; a second phone also
  // called "iPhone" at the same time as one of them is another device and stays apart.
  auto phone = [](const std::string& mac, const std::string& host) {
    return DeviceSpec{"mac:" + mac, "192.168.10.30", mac, host};
  };
  std::vector<std::string> lines;
  EncounterSpec a{"j1", phone("5a:00:00:00:00:01", "Dr-Lee-iPhone"), "whatsapp",
                  "2026-10-01T09:00:00Z", "2026-10-01T09:05:00Z", 300};
  EncounterSpec b{"j2", phone("6e:00:00:00:00:02", "dr-lee-iphone"), "whatsapp",
                  "2026-10-15T09:00:00Z", "2026-10-15T09:05:00Z", 300};
  EncounterSpec c{"j3", phone("fa:00:00:00:00:03", "Dr-Lee-iPhone"), "facetime",
                  "2026-11-01T09:00:00Z", "2026-11-01T09:05:00Z", 300};
  EncounterSpec d{"j4", phone("7a:00:00:00:00:04", "iPhone"), "whatsapp", "2026-10-01T09:00:00Z",
                  "2026-10-01T10:00:00Z", 3600};
  EncounterSpec e{"j5", phone("7e:00:00:00:00:05", "iPhone"), "whatsapp", "2026-10-01T09:30:00Z",
                  "2026-10-01T09:40:00Z", 600};
  for (const auto* spec : {&a, &b, &c, &d, &e}) lines.push_back(encounterJson(*spec).dump());
  writeLines(dir.file("log.jsonl"), lines);
  writeLines(dir.file("owners.csv"), {"device,person,role", "6e:00:00:00:00:02,Dr. Lee,physician"});
  ReportRequest request;
  request.logs = {dir.file("log.jsonl")};
  request.outDir = dir.file("out");
  request.ownersFile = dir.file("owners.csv");
  ReportOutcome outcome = generateReport(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  const ReportData& data = outcome.data;
  EXPECT_EQ(data.joinedDevices, 2u);
  ASSERT_EQ(data.devices.size(), 3u);  // Dr. Lee's phone, and the two "iPhone"s
  const DeviceSummary& lee = data.devices.at("mac:fa:00:00:00:00:03");
  EXPECT_EQ(lee.joinedMacs,
            (std::vector<std::string>{"5a:00:00:00:00:01", "6e:00:00:00:00:02", "fa:00:00:00:00:03"}));
  EXPECT_EQ(lee.encounters, 3u);
  EXPECT_EQ(*lee.firstSeen, *parseRfc3339("2026-10-01T09:00:00Z"));
  EXPECT_EQ(lee.owner, "Dr. Lee (physician)");  // named through one of its earlier addresses
  EXPECT_EQ(data.services.at("whatsapp").devices.size(), 3u);
  EXPECT_TRUE(data.devices.at("mac:7a:00:00:00:00:04").joinedMacs.empty());
  EXPECT_TRUE(data.devices.at("mac:7e:00:00:00:00:05").joinedMacs.empty());
  for (const auto& entry : data.encounters) {
    if (entry.id == "j2") {
      EXPECT_EQ(entry.owner, "Dr. Lee (physician)");
    }
  }

  std::string html = readText(dir.file("out/report.html"));
  EXPECT_NE(html.find("3 private addresses of one device, joined by the host name Dr-Lee-iPhone"),
            std::string::npos);
  auto devices = readCsv(dir.file("out/devices.csv"));
  bool found = false;
  for (auto& row : devices) {
    if (row["device_id"] != "mac:fa:00:00:00:00:03") continue;
    found = true;
    EXPECT_EQ(row["owner"], "Dr. Lee (physician)");
    EXPECT_EQ(row["joined_macs"], "5a:00:00:00:00:01; 6e:00:00:00:00:02; fa:00:00:00:00:03");
    EXPECT_EQ(row["joined_by"], "the host name Dr-Lee-iPhone");
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace baawatch::report

namespace baawatch::report {
namespace {

using testing::DeviceSpec;
using testing::EncounterSpec;

TEST(Review, AddressesOfOneDeviceAreJoinedByAStableDhcpClientId) {
  ScratchDir dir("client-id-join");
  // A laptop whose DHCP client id is a DUID (RFC 4361) on two private addresses, one after the
  // other and under two host names; another device with the same id at the same time is not it.
  const std::string duid = "ff:00:00:00:01:00:01:2a:3b:4c:5d";
  auto device = [&](const std::string& mac, const std::string& host, const std::string& id) {
    return DeviceSpec{"mac:" + mac, "192.168.10.31", mac, host, id};
  };
  EncounterSpec a{"c1",
                  device("5a:00:00:00:00:11", "frontdesk-pc", duid),
                  "whatsapp",
                  "2026-10-01T09:00:00Z",
                  "2026-10-01T09:05:00Z",
                  300};
  EncounterSpec b{"c2",
                  device("6e:00:00:00:00:12", "FRONTDESK", duid),
                  "whatsapp",
                  "2026-10-20T09:00:00Z",
                  "2026-10-20T09:05:00Z",
                  300};
  EncounterSpec c{"c3",
                  device("7a:00:00:00:00:13", "other", "ff:01:02:03:04"),
                  "whatsapp",
                  "2026-10-01T09:00:00Z",
                  "2026-10-01T10:00:00Z",
                  3600};
  EncounterSpec d{"c4",
                  device("7e:00:00:00:00:14", "other2", "ff:01:02:03:04"),
                  "whatsapp",
                  "2026-10-01T09:30:00Z",
                  "2026-10-01T09:40:00Z",
                  600};
  std::vector<std::string> lines;
  for (const auto* spec : {&a, &b, &c, &d}) lines.push_back(testing::encounterJson(*spec).dump());
  writeLines(dir.file("log.jsonl"), lines);
  ReportRequest request;
  request.logs = {dir.file("log.jsonl")};
  request.outDir = dir.file("out");
  ReportOutcome outcome = generateReport(request);
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  const ReportData& data = outcome.data;
  EXPECT_EQ(data.joinedDevices, 1u);
  ASSERT_EQ(data.devices.size(), 3u);
  const DeviceSummary& desk = data.devices.at("mac:6e:00:00:00:00:12");
  EXPECT_EQ(desk.joinedMacs, (std::vector<std::string>{"5a:00:00:00:00:11", "6e:00:00:00:00:12"}));
  EXPECT_EQ(desk.joinedBy, "the DHCP client id " + duid);
  EXPECT_EQ(desk.encounters, 2u);
  EXPECT_TRUE(data.devices.at("mac:7a:00:00:00:00:13").joinedMacs.empty());
  std::string html = readText(dir.file("out/report.html"));
  EXPECT_NE(html.find("2 private addresses of one device, joined by the DHCP client id " + duid),
            std::string::npos);
}

}  // namespace
}  // namespace baawatch::report
