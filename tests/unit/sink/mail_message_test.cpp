// The e-mail sink's messages: the alert mail and the digest in plain words, and the RFC 5322 /
// MIME form around them (quoted-printable, encoded words, dot-stuffing).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sink/mail_message.hpp"
#include "sink/mail_transport.hpp"

namespace baawatch::sink {
namespace {

using nlohmann::json;

// As the record builder writes them (docs/output-schema.md), with the fields a mail reads.
json alertRecord(const std::string& severity = "high", const std::string& hostName = "dr-lee-iphone",
                 const std::string& time = "2023-11-14T22:13:20.250000Z") {
  return json::parse(R"({
    "event_type": "alert", "timestamp": ")" + time + R"(", "record_id": "gw1:0011223344556677:3",
    "sensor": "gw1", "site": "Main Street Clinic",
    "alert_id": "mac:3c:22:fb:12:34:56|whatsapp|whatsapp.names",
    "device": {"id": "mac:3c:22:fb:12:34:56", "ip": "192.168.1.42", "mac": "3c:22:fb:12:34:56",
               "host_name": null},
    "service": {"id": "whatsapp", "name": "WhatsApp", "vendor": "Meta Platforms",
                "category": "messaging", "baa_status": "none", "baa_statement": "No BAA.",
                "baa_source": "https://example.com"},
    "severity": ")" + severity + R"(", "kind": "messaging", "confidence": "high",
    "evidence": [{"rule_id": "whatsapp.names", "field": "tls.sni", "value": "g.whatsapp.net",
                  "packet_time": "2023-11-14T22:13:20.100000Z", "confidence": "high",
                  "reason": "WhatsApp's own domain."}],
    "flow": {"client_ip": "192.168.1.42", "client_port": 51000, "server_ip": "157.240.1.53",
             "server_port": 443, "protocol": "tcp", "vlan": 0},
    "policy": {"rule": "no_baa.messaging", "action": "alert",
               "reason": "Meta Platforms offers no BAA for WhatsApp", "version": "builtin"},
    "payload_marker": "PHIMARK-never-in-a-mail"
  })")
      .patch(json::array({{{"op", "replace"}, {"path", "/device/host_name"},
                           {"value", hostName.empty() ? json() : json(hostName)}}}));
}

json encounterRecord(const std::string& action = "alert", const std::string& serviceId = "whatsapp") {
  json record = json::parse(R"({
    "event_type": "encounter", "timestamp": "2023-11-14T22:17:20.000000Z", "sensor": "gw1",
    "site": "Main Street Clinic", "encounter_id": "63fc7f8992e13c5b",
    "device": {"id": "mac:3c:22:fb:12:34:56", "ip": "192.168.1.42", "mac": "3c:22:fb:12:34:56",
               "host_name": "dr-lee-iphone"},
    "service": {"id": "whatsapp", "name": "WhatsApp", "vendor": "Meta Platforms",
                "category": "messaging", "baa_status": "none"},
    "start": "2023-11-14T22:13:20.000000Z", "end": "2023-11-14T22:17:20.000000Z",
    "duration_seconds": 240, "kind": "call", "confidence": "high", "flows": 3,
    "from_device": {"packets": 10, "bytes": 1500000, "payload_bytes": 1400000},
    "to_device": {"packets": 10, "bytes": 2500000, "payload_bytes": 2400000},
    "remote_addresses": ["157.240.1.53"],
    "evidence": [{"rule_id": "whatsapp.names", "field": "dns.query", "value": "g.whatsapp.net",
                  "confidence": "high", "reason": "r"}],
    "alerts": 1, "policy": {"rule": "no_baa.messaging", "action": "alert", "version": "builtin"}
  })");
  record["policy"]["action"] = action;
  if (serviceId != "whatsapp") {
    record["service"] = {{"id", serviceId}, {"name", "Zoom"}, {"vendor", "Zoom"},
                         {"category", "video"}, {"baa_status", "available"}};
    record["encounter_id"] = "aaaa" + serviceId;
    record["policy"]["rule"] = "baa_on_file";
  }
  return record;
}

const MailContext kContext{"gw1", "/var/log/baawatch/alerts.jsonl", "high"};

TEST(MailMessage, AlertMailSaysWhichDeviceUsedWhichServiceWhen) {
  auto alert = readMailAlert(alertRecord());
  ASSERT_TRUE(alert);
  alert->mailedAtOnce = true;  // as the sink marks it
  MailText mail = composeAlertMail(*alert, kContext);
  EXPECT_EQ(mail.subject, "[baawatch] High alert at Main Street Clinic: dr-lee-iphone used WhatsApp");
  for (const char* words : {
           "dr-lee-iphone used WhatsApp (messaging) at Tue 14 Nov 2023, 22:13 UTC, at Main "
           "Street Clinic (sensor gw1).",
           "   Device: dr-lee-iphone, address 192.168.1.42, MAC 3c:22:fb:12:34:56\n",
           "   Service: WhatsApp (Meta Platforms): No BAA offered by the vendor\n",
           "   Why it matters: Meta Platforms offers no BAA for WhatsApp (severity high)\n",
           "   Seen: Encrypted connection to g.whatsapp.net (the server name the device sent)\n",
           "   Connection: to 157.240.1.53 port 443 (tcp)\n",
           "   Alert id: mac:3c:22:fb:12:34:56|whatsapp|whatsapp.names (mailed at once",
           "alerts of severity high and above at once",
           "    baawatch report /var/log/baawatch/alerts.jsonl --from 2023-11-14 --to 2023-11-14\n",
       }) {
    EXPECT_NE(mail.body.find(words), std::string::npos) << "missing: " << words << "\n" << mail.body;
  }
  // A field the mail does not know never reaches it.
  EXPECT_EQ(mail.body.find("PHIMARK"), std::string::npos);
}

TEST(MailMessage, DeviceWithoutANameIsNamedByItsMac) {
  auto alert = readMailAlert(alertRecord("high", ""));
  ASSERT_TRUE(alert);
  MailText mail = composeAlertMail(*alert, kContext);
  EXPECT_EQ(mail.subject,
            "[baawatch] High alert at Main Street Clinic: 3c:22:fb:12:34:56 used WhatsApp");
  EXPECT_NE(mail.body.find("   Device: 3c:22:fb:12:34:56, address 192.168.1.42, no device name "
                           "seen\n"),
            std::string::npos)
      << mail.body;
}

TEST(MailMessage, AHostNameFromTheWireCannotAddAHeaderOrALine) {
  auto alert = readMailAlert(alertRecord("high", "evil\r\nBcc: all@example.org\n\x01x"));
  ASSERT_TRUE(alert);
  MailText text = composeAlertMail(*alert, kContext);
  MailHeaders headers{"baawatch@clinic.example", {"office@clinic.example"}, "id@clinic.example",
                      Timestamp{1700000000250000}, "alert"};
  std::string mail = renderMail(headers, text);
  std::string head = mail.substr(0, mail.find("\r\n\r\n"));
  EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
  EXPECT_EQ(text.subject.find('\n'), std::string::npos);
  EXPECT_NE(text.body.find("   Device: evil  Bcc: all@example.org  x, address"), std::string::npos)
      << text.body;
}

TEST(MailMessage, ReadsOnlyAlertAndVisibilityRecords) {
  EXPECT_FALSE(readMailAlert(encounterRecord()));
  json noTime = alertRecord();
  noTime.erase("timestamp");
  EXPECT_FALSE(readMailAlert(noTime));
  json visibility = alertRecord();
  visibility["event_type"] = "visibility";
  auto alert = readMailAlert(visibility);
  ASSERT_TRUE(alert);
  EXPECT_TRUE(alert->visibility);
}

TEST(MailMessage, SeverityThreshold) {
  EXPECT_TRUE(severityAtLeast("high", policy::Severity::kHigh));
  EXPECT_TRUE(severityAtLeast("critical", policy::Severity::kHigh));
  EXPECT_FALSE(severityAtLeast("medium", policy::Severity::kHigh));
  EXPECT_FALSE(severityAtLeast("", policy::Severity::kInfo));
  EXPECT_FALSE(severityAtLeast("urgent", policy::Severity::kInfo));
}

TEST(MailMessage, DigestCountsListsAndSaysHowToReadIt) {
  DigestBook book;
  book.add(alertRecord("high"), true);
  book.add(alertRecord("medium", "dr-lee-iphone", "2023-11-14T22:10:00.000000Z"), false);
  book.add(encounterRecord("alert"), false);
  book.add(encounterRecord("count", "zoom"), false);  // BAA on file: counted, not listed
  book.add(json{{"event_type", "counts"}, {"timestamp", "2023-11-14T22:15:00Z"}}, false);
  EXPECT_FALSE(book.empty());
  EXPECT_EQ(book.alertCount(), 2u);
  DigestSpan span{DigestPeriod::kHourly, Timestamp{1699999200000000},
                  Timestamp{1700002800000000}, false};
  MailText mail = book.compose(span, kContext);
  EXPECT_EQ(mail.subject, "[baawatch] Main Street Clinic: 2 alerts, 1 encounter (hourly digest to "
                          "Tue 14 Nov 2023, 23:00 UTC)");
  const std::string& body = mail.body;
  for (const char* words : {
           "Hourly digest from baawatch at Main Street Clinic (sensor gw1), for Tue 14 Nov 2023, "
           "22:00 UTC to Tue 14 Nov 2023, 23:00 UTC.\n",
           "In this period: 2 alerts and 1 encounter, on 1 device, with 2 services.\n",
           "- WhatsApp (Meta Platforms): 2 alerts, 1 encounter (1 call) on 1 device. No BAA "
           "offered by the vendor.\n",
           "- Zoom: 0 alerts, 1 encounter (1 call) on 1 device. BAA on file.\n",
           "\nAlerts (2)\n----------\n"
           "1. Tue 14 Nov 2023, 22:10 UTC: dr-lee-iphone used WhatsApp (messaging)\n",
           "2. Tue 14 Nov 2023, 22:13 UTC: dr-lee-iphone used WhatsApp (messaging)\n",
           "(mailed at once when it happened)\n",
           "\nEncounters (1)\n--------------\n"
           "1. dr-lee-iphone: WhatsApp call to g.whatsapp.net\n"
           "   From Tue 14 Nov 2023, 22:13 UTC to Tue 14 Nov 2023, 22:17 UTC (4 min), 3 "
           "connections\n",
           "   Data: 1.5 MB sent by the device, 2.5 MB received\n",
           "   Needs a breach risk assessment (45 CFR 164.402)",
           "   Encounter id: 63fc7f8992e13c5b\n",
           "1 encounter with services the policy only counts (BAA on file, presence, exemptions) "
           "is in the log and the report, not here.\n",
           "An encounter still going on at the end of the period is in the next digest.\n",
           "    baawatch report /var/log/baawatch/alerts.jsonl --from 2023-11-14 --to 2023-11-14\n",
       }) {
    EXPECT_NE(body.find(words), std::string::npos) << "missing: " << words << "\n" << body;
  }
  EXPECT_EQ(body.find("PHIMARK"), std::string::npos);
  EXPECT_EQ(body.find("aaaazoom"), std::string::npos) << "a counted encounter is not listed";
}

TEST(MailMessage, DigestListsAtMostAHundredOfEachAndCountsTheRest) {
  DigestBook book;
  for (int i = 0; i < 105; ++i) book.add(alertRecord("medium"), false);
  MailText mail = book.compose({DigestPeriod::kDaily, Timestamp{0}, Timestamp{86400000000}, false},
                               MailContext{"gw1", "-", "high"});
  EXPECT_NE(mail.subject.find("105 alerts, 0 encounters (daily digest"), std::string::npos)
      << mail.subject;
  EXPECT_NE(mail.body.find("\n100. "), std::string::npos);
  EXPECT_EQ(mail.body.find("\n101. "), std::string::npos);
  EXPECT_NE(mail.body.find("5 more alerts are not listed here (at most 100 per mail)"),
            std::string::npos);
  // No log file known (JSON lines on stdout): the command is shown with a placeholder.
  EXPECT_NE(mail.body.find("    baawatch report LOG --from"), std::string::npos);
  EXPECT_NE(mail.body.find("LOG is the JSON-lines log the sensor writes"), std::string::npos);
}

TEST(MailMessage, EmptyDigestSaysSoAndAStopIsNamed) {
  DigestBook book;
  EXPECT_TRUE(book.empty());
  MailText mail = book.compose(
      {DigestPeriod::kDaily, Timestamp{1700000000000000}, Timestamp{1700003600000000}, true},
      kContext);
  EXPECT_EQ(mail.subject,
            "[baawatch] gw1: nothing to report (daily digest to Tue 14 Nov 2023, 23:13 UTC)");
  EXPECT_NE(mail.body.find("The sensor stopped before the period ended"), std::string::npos);
  EXPECT_NE(mail.body.find("Nothing to report in this period"), std::string::npos);
}

TEST(MailMessage, DigestBoundariesAreWholeHoursAndDaysUtc) {
  // 2023-11-14T22:13:20.25Z
  Timestamp now{1700000000250000};
  EXPECT_EQ(nextDigestBoundary(now, DigestPeriod::kHourly).micros, 1700002800000000);  // 23:00
  EXPECT_EQ(nextDigestBoundary(now, DigestPeriod::kDaily).micros, 1700006400000000);   // 00:00
  Timestamp onTheHour{1700002800000000};
  EXPECT_EQ(nextDigestBoundary(onTheHour, DigestPeriod::kHourly).micros, 1700006400000000);
}

TEST(MailMessage, RendersSevenBitMailWithTheHeadersItPromises) {
  MailText text{"[baawatch] Clínica São José: 1 alert, 0 encounters (hourly digest)",
                std::string("Line one = two\n.starts with a dot\nFrom here\ntrailing space \n") +
                    std::string(200, 'x') + "\nÜnïcode ✓\n"};
  MailHeaders headers{"baawatch@clinic.example",
                      {"office@clinic.example", "it@msp.example"},
                      "baawatch.0011223344556677.1@clinic.example",
                      Timestamp{1700000000250000},
                      "digest"};
  std::string mail = renderMail(headers, text);
  std::string head = mail.substr(0, mail.find("\r\n\r\n") + 2);
  for (const char* line : {"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n",
                           "From: baawatch@clinic.example\r\n",
                           "To: office@clinic.example, it@msp.example\r\n",
                           "Message-ID: <baawatch.0011223344556677.1@clinic.example>\r\n",
                           "MIME-Version: 1.0\r\n",
                           "Content-Type: text/plain; charset=utf-8\r\n",
                           "Content-Transfer-Encoding: quoted-printable\r\n",
                           "Auto-Submitted: auto-generated\r\n", "X-Baawatch-Kind: digest\r\n"}) {
    EXPECT_NE(head.find(line), std::string::npos) << "missing header: " << line << head;
  }
  EXPECT_NE(head.find("Subject: =?UTF-8?B?"), std::string::npos) << head;
  // Every line 7-bit, CRLF-ended, at most 78 characters (76 in the body).
  std::size_t start = 0;
  bool inBody = false;
  while (start < mail.size()) {
    std::size_t end = mail.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "a line without CRLF at " << start;
    std::string line = mail.substr(start, end - start);
    EXPECT_LE(line.size(), inBody ? 76u : 78u) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
    for (unsigned char c : line) EXPECT_TRUE(c >= 32 && c < 127) << line;
    if (line.empty()) inBody = true;
    start = end + 2;
  }
  std::string body = mail.substr(head.size() + 2);
  EXPECT_NE(body.find("Line one =3D two\r\n"), std::string::npos) << body;
  EXPECT_NE(body.find("=2Estarts with a dot\r\n"), std::string::npos);
  EXPECT_NE(body.find("=46rom here\r\n"), std::string::npos);
  EXPECT_NE(body.find("trailing space=20\r\n"), std::string::npos);
  EXPECT_NE(body.find("=C3=9Cn=C3=AFcode =E2=9C=93\r\n"), std::string::npos);
}

TEST(MailMessage, QuotedPrintableSoftBreaksKeepTheText) {
  std::string line(300, 'a');
  line += "=é";
  std::string encoded = quotedPrintable(line + "\n");
  std::string decoded;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else if (encoded[i] == '=') {
      decoded.push_back(static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else if (encoded.compare(i, 2, "\r\n") == 0) {
      decoded.push_back('\n');
      ++i;
    } else {
      decoded.push_back(encoded[i]);
    }
  }
  EXPECT_EQ(decoded, line + "\n");
}

TEST(MailMessage, EncodedWordsHoldWholeCharacters) {
  EXPECT_EQ(encodeHeaderText("Subject", "plain ascii"), "Subject: plain ascii");
  std::string long_(120, 'x');
  std::string folded = encodeHeaderText("Subject", "a " + long_ + " b");
  EXPECT_EQ(folded, "Subject: a\r\n " + long_ + "\r\n b");  // folded between words, none cut
  std::string encoded = encodeHeaderText("Subject", std::string(30, 'x') + "ééééééé");
  // 30 + 14 bytes: the first word holds 30 x and 4 é (38 bytes), the é after it is not split.
  EXPECT_EQ(encoded.substr(0, encoded.find("\r\n")),
            "Subject: =?UTF-8?B?" + base64Encode(std::string(30, 'x') + "éééé") + "?=");
}

TEST(MailMessage, PlainTextTakesOutControlCharacters) {
  EXPECT_EQ(plainText("a\r\nb\tc\x7f" "d\xc2\x85" "e é"), "a  b c d e é");
}

TEST(MailTransport, DotStuffingAndTheEndOfData) {
  EXPECT_EQ(dotStuffed("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n.\r\n");
  EXPECT_EQ(dotStuffed("no line end"), "no line end\r\n.\r\n");
}

}  // namespace
}  // namespace baawatch::sink
