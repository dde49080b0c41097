// The replay's progress line and its summary in plain words: what a person at the terminal reads.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "daemon/replay_progress.hpp"
#include "daemon/replay_summary.hpp"

namespace baawatch::daemon {
namespace {

nlohmann::json record(const std::string& type, const std::string& service,
                      const std::string& deviceId, const std::string& host, const std::string& ip,
                      const std::string& time = "2026-12-03T10:00:00.000000Z") {
  nlohmann::json device = {{"id", deviceId}, {"ip", ip}, {"mac", nullptr}, {"host_name", nullptr}};
  if (!host.empty()) device["host_name"] = host;
  return {{"event_type", type}, {"timestamp", time}, {"service", {{"name", service}}},
          {"device", device}};
}

TEST(ReplaySummary, GroupsDigits) {
  EXPECT_EQ(groupDigits(0), "0");
  EXPECT_EQ(groupDigits(999), "999");
  EXPECT_EQ(groupDigits(1000), "1,000");
  EXPECT_EQ(groupDigits(45112), "45,112");
  EXPECT_EQ(groupDigits(1234567), "1,234,567");
}

TEST(ReplaySummary, TalliesAlertsByServiceAndDevice) {
  AlertTally tally({.byServiceAndDevice = true});
  tally.write(record("alert", "WhatsApp", "mac:1", "ipad-front-desk", "10.0.0.5"));
  tally.write(record("alert", "FaceTime", "mac:2", "", "10.0.0.7"));
  tally.write(record("alert", "WhatsApp", "mac:1", "ipad-front-desk", "10.0.0.5"));
  tally.write(record("visibility", "VPN", "mac:2", "", "10.0.0.7"));
  tally.write(record("encounter", "WhatsApp", "mac:1", "ipad-front-desk", "10.0.0.5"));
  tally.write({{"event_type", "stats"}});

  ReplaySummary summary;
  summary.filesRead = 1;
  summary.packets = 45112;
  summary.flows = 1204;
  summary.alerts = tally.alerts();
  summary.alertsByService = tally.alertsByService();
  summary.visibility = tally.visibility();
  summary.visibilityByService = tally.visibilityByService();
  summary.outputs = {"/var/log/baawatch/alerts.jsonl", "syslog udp 192.0.2.1:514"};
  EXPECT_EQ(summaryText(summary),
            "read 1 file: 45,112 packets, 1,204 flows\n"
            "3 alerts: WhatsApp 2 (ipad-front-desk 10.0.0.5), FaceTime 1 (10.0.0.7)\n"
            "1 visibility record: VPN 1 (10.0.0.7)\n"
            "records written to /var/log/baawatch/alerts.jsonl, syslog udp 192.0.2.1:514\n");
}

TEST(ReplaySummary, CountsPerDeviceWhenAServiceHasSeveral) {
  AlertTally tally({.byServiceAndDevice = true});
  tally.write(record("alert", "WhatsApp", "mac:1", "ipad-front-desk", "10.0.0.5"));
  for (int i = 0; i < 2; ++i) tally.write(record("alert", "WhatsApp", "mac:3", "reception-pc", "10.0.0.9"));
  ReplaySummary summary;
  summary.filesRead = 3;
  summary.filesSkipped = 1;
  summary.packets = 1;
  summary.flows = 1;
  summary.alerts = tally.alerts();
  summary.alertsByService = tally.alertsByService();
  EXPECT_EQ(summaryText(summary),
            "read 3 files (1 could not be read): 1 packet, 1 flow\n"
            "3 alerts: WhatsApp 3 (reception-pc 10.0.0.9: 2, ipad-front-desk 10.0.0.5: 1)\n");
}

TEST(ReplaySummary, SaysSoWhenNothingWasFound) {
  ReplaySummary summary;
  summary.filesRead = 1;
  summary.outputs = {"standard output"};
  EXPECT_EQ(summaryText(summary),
            "read 1 file: 0 packets, 0 flows\nno alerts\nrecords written to standard output\n");
}

// A daemon keeps only the day's count, not who and what: months of alerts stay a few bytes.
TEST(ReplaySummary, CountsAlertsOfTheLatestDay) {
  AlertTally tally({});
  tally.write(record("alert", "WhatsApp", "mac:1", "a", "10.0.0.5", "2026-12-02T23:59:59.000000Z"));
  tally.write(record("alert", "WhatsApp", "mac:1", "a", "10.0.0.5", "2026-12-03T00:00:01.000000Z"));
  tally.write(record("alert", "Signal", "mac:1", "a", "10.0.0.5", "2026-12-03T08:00:00.000000Z"));
  EXPECT_EQ(tally.alerts(), 3u);
  EXPECT_EQ(tally.alertsOn("2026-12-03"), 2u);
  EXPECT_EQ(tally.alertsOn("2026-12-02"), 0u);
  EXPECT_TRUE(tally.alertsByService().empty());
}

TEST(ReplayProgress, LineNamesFilePercentRateAndTimeLeft) {
  ProgressView view{"/captures/monday.pcap", 2, 5, 0.417, 52300.4, 754};
  EXPECT_EQ(progressLine(view, 80), "monday.pcap (2/5)   41%  52,300 packets/s  12:34 left");
  view.secondsLeft = 3725;
  EXPECT_EQ(progressLine(view, 80), "monday.pcap (2/5)   41%  52,300 packets/s  1:02:05 left");
}

TEST(ReplayProgress, LineBeforeTheRateSettlesAndWithoutASize) {
  ProgressView view{"capture.pcap", 1, 1, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(progressLine(view, 80), "capture.pcap  -- packets/s  --:-- left");
}

// Never wider than the terminal, or every redraw would start a new line.
TEST(ReplayProgress, LongNamesAreShortenedFromTheLeft) {
  ProgressView view{"a-very-long-capture-name-from-the-front-desk-switch-2026-12-03.pcap", 1, 1,
                    0.5, 1000, 10};
  std::string line = progressLine(view, 50);
  EXPECT_EQ(line.size(), 49u);
  EXPECT_EQ(line, "...6-12-03.pcap   50%  1,000 packets/s  0:10 left");
}

}  // namespace
}  // namespace baawatch::daemon
