// The e-mail sink with a transport of the test's own: what is mailed when, the spool while the
// mail server is down (and across a restart), refused mails moved aside, the counters. The real
// SMTP conversation and sendmail are tested against a real server in
// tests/integration/email_digest.sh.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "baawatch/sink/email_sink.hpp"
#include "sink/mail_transport.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

using baawatch::testing::TempFolder;
using nlohmann::json;
using namespace std::chrono_literals;

// The mail server as the test sees it: what it took, and how it answers now.
struct FakeServer {
  std::mutex mutex;
  std::vector<std::string> messages;
  std::vector<MailEnvelope> envelopes;
  DeliveryOutcome answer = DeliveryOutcome::kSent;
  std::atomic<int> attempts{0};

  std::vector<std::string> taken() {
    std::lock_guard lock(mutex);
    return messages;
  }
  void answerWith(DeliveryOutcome outcome) {
    std::lock_guard lock(mutex);
    answer = outcome;
  }
};

class FakeTransport : public MailTransport {
 public:
  explicit FakeTransport(std::shared_ptr<FakeServer> server) : server_(std::move(server)) {}
  DeliveryResult deliver(const MailEnvelope& envelope, std::string_view message,
                         Clock::time_point) override {
    ++server_->attempts;
    std::lock_guard lock(server_->mutex);
    if (server_->answer != DeliveryOutcome::kSent) {
      return {server_->answer, server_->answer == DeliveryOutcome::kRejected
                                   ? "fake: 550 no such mailbox"
                                   : "fake: cannot connect: Connection refused"};
    }
    server_->messages.emplace_back(message);
    server_->envelopes.push_back(envelope);
    return {DeliveryOutcome::kSent, {}};
  }

 private:
  std::shared_ptr<FakeServer> server_;
};

// The wall clock the sink reads, moved by the test.
struct TestClock {
  std::atomic<Microseconds> now{1700000000250000};  // 2023-11-14T22:13:20.25Z
  EmailSink::WallClock function() {
    return [this] { return Timestamp{now.load()}; };
  }
};

EmailOptions options(const TempFolder& folder) {
  EmailOptions email;
  email.to = {"office@clinic.example"};
  email.from = "baawatch@clinic.example";
  email.digest = DigestPeriod::kHourly;
  email.spoolDir = folder.path("mail");
  email.sensor = "gw1";
  email.logPath = "/var/log/baawatch/alerts.jsonl";
  email.retryBackoffSeconds = 0.01;  // the test waits for events, never for a backoff
  email.maxBackoffSeconds = 0.02;
  email.shutdownWaitSeconds = 2;
  return email;
}

json alert(const std::string& severity) {
  return {{"event_type", "alert"},
          {"timestamp", "2023-11-14T22:13:20.250000Z"},
          {"site", "Main Street Clinic"},
          {"severity", severity},
          {"kind", "messaging"},
          {"alert_id", "mac:3c:22:fb:12:34:56|whatsapp|whatsapp.names|" + severity},
          {"device", {{"id", "mac:3c:22:fb:12:34:56"}, {"ip", "192.168.1.42"},
                      {"mac", "3c:22:fb:12:34:56"}, {"host_name", "dr-lee-iphone"}}},
          {"service", {{"id", "whatsapp"}, {"name", "WhatsApp"}, {"vendor", "Meta Platforms"},
                       {"category", "messaging"}, {"baa_status", "none"}}},
          {"policy", {{"rule", "no_baa.messaging"}, {"action", "alert"},
                      {"reason", "Meta Platforms offers no BAA for WhatsApp"}}}};
}

std::unique_ptr<EmailSink> openSink(EmailOptions email, std::shared_ptr<FakeServer> server,
                                    TestClock& clock, std::vector<std::string>* log = nullptr) {
  auto lines = std::make_shared<std::mutex>();
  auto sink = EmailSink::open(
      std::move(email),
      [log, lines](const std::string& line) {
        std::lock_guard lock(*lines);
        if (log) log->push_back(line);
      },
      std::make_unique<FakeTransport>(std::move(server)), clock.function());
  EXPECT_TRUE(sink) << (sink ? "" : sink.error());
  return sink ? std::move(*sink) : nullptr;
}

// Polls a condition the sink's thread makes true; the bound only ends a test that hangs.
template <class Condition>
bool eventually(Condition condition) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The header section with folded lines joined again (RFC 5322 §2.2.3).
std::string unfolded(std::string message) {
  for (std::size_t at; (at = message.find("\r\n ")) != std::string::npos;) message.erase(at, 2);
  return message;
}

std::string kindOf(const std::string& message) {
  auto at = message.find("X-Baawatch-Kind: ");
  return at == std::string::npos ? "" : message.substr(at + 17, message.find("\r\n", at) - at - 17);
}

TEST(EmailSink, HighSeverityGoesAtOnceTheRestWaitsForTheDigest) {
  TempFolder folder;
  auto server = std::make_shared<FakeServer>();
  TestClock clock;
  auto sink = openSink(options(folder), server, clock);
  ASSERT_TRUE(sink);
  sink->write(alert("high"));
  ASSERT_TRUE(sink->waitUntilDelivered(60s));
  ASSERT_EQ(server->taken().size(), 1u);
  EXPECT_EQ(kindOf(server->taken()[0]), "alert");
  EXPECT_NE(unfolded(server->taken()[0]).find("Subject: [baawatch] High alert at Main Street Clinic: "
                                    "dr-lee-iphone used WhatsApp"),
            std::string::npos);
  sink->write(alert("medium"));
  sink->write(json{{"event_type", "stats"}, {"counters", json::object()}});
  sink->idle();
  ASSERT_TRUE(sink->waitUntilDelivered(60s));
  EXPECT_EQ(server->taken().size(), 1u) << "a medium alert waits for the digest";

  clock.now = 1700002800000000;  // 23:00: the hour is over
  sink->idle();
  ASSERT_TRUE(sink->waitUntilDelivered(60s));
  auto taken = server->taken();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(kindOf(taken[1]), "digest");
  EXPECT_NE(unfolded(taken[1]).find("Subject: [baawatch] Main Street Clinic: 2 alerts, 0 encounters "
                          "(hourly digest to Tue 14 Nov 2023, 23:00 UTC)"),
            std::string::npos)
      << taken[1];
  EXPECT_EQ(server->envelopes[1], (MailEnvelope{"baawatch@clinic.example", {"office@clinic.example"}}));

  // The next hour gathered nothing: no mail (send_empty is off), also not at the stop.
  clock.now = 1700006400000000;
  sink->idle();
  Counters counters = sink->counters();
  EXPECT_EQ(counters.get("email.immediate"), 1u);
  EXPECT_EQ(counters.get("email.digests"), 1u);
  EXPECT_EQ(counters.get("email.sent"), 2u);
  EXPECT_EQ(counters.get("email.failed"), 0u);
  EXPECT_EQ(counters.get("email.spool_pending"), 0u);
  sink.reset();
  EXPECT_EQ(server->taken().size(), 2u);
}

TEST(EmailSink, TheDigestGatheredIsMailedWhenTheSensorStops) {
  TempFolder folder;
  auto server = std::make_shared<FakeServer>();
  TestClock clock;
  EmailOptions email = options(folder);
  email.immediateSeverity.reset();  // immediate_severity: none
  auto sink = openSink(email, server, clock);
  ASSERT_TRUE(sink);
  sink->write(alert("critical"));
  sink.reset();
  auto taken = server->taken();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(kindOf(taken[0]), "digest");
  EXPECT_NE(taken[0].find("The sensor stopped before the period ended"), std::string::npos);
}

TEST(EmailSink, WhileTheServerIsDownMailsWaitAndAreDeliveredOnceAfterARestart) {
  TempFolder folder;
  auto server = std::make_shared<FakeServer>();
  server->answerWith(DeliveryOutcome::kTransient);
  TestClock clock;
  std::vector<std::string> log;
  {
    auto sink = openSink(options(folder), server, clock, &log);
    ASSERT_TRUE(sink);
    sink->write(alert("high"));
    sink->write(alert("critical"));
    ASSERT_TRUE(eventually([&] { return sink->counters().get("email.retried") >= 2; }));
    Counters counters = sink->counters();
    EXPECT_EQ(counters.get("email.sent"), 0u);
    EXPECT_GE(counters.get("email.failed"), 3u);
    EXPECT_EQ(counters.get("email.spooled"), 2u) << "both waited: the one tried and the one behind";
    EXPECT_EQ(counters.get("email.spool_pending"), 2u);
  }  // stopped: the digest of both alerts joins them in the spool
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.front().find("fake: cannot connect: Connection refused; "), std::string::npos)
      << log.front();
  EXPECT_NE(log.front().find(" in the spool, next try in "), std::string::npos) << log.front();
  EXPECT_NE(log.back().find("3 mails wait in the spool"), std::string::npos) << log.back();
  EXPECT_TRUE(server->taken().empty());

  server->answerWith(DeliveryOutcome::kSent);  // the server is back; the sensor starts again
  {
    auto sink = openSink(options(folder), server, clock);
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->waitUntilDelivered(60s));
    auto taken = server->taken();
    ASSERT_EQ(taken.size(), 3u);
    EXPECT_NE(taken[0].find("High alert"), std::string::npos) << "in the order they were made";
    EXPECT_NE(taken[1].find("Critical alert"), std::string::npos);
    EXPECT_EQ(kindOf(taken[2]), "digest");
    EXPECT_EQ(sink->counters().get("email.retried"), 3u) << "all three had waited";
    EXPECT_EQ(sink->counters().get("email.sent"), 3u);
    EXPECT_EQ(sink->counters().get("email.spooled"), 0u) << "counted by the run they waited in";
  }
  {
    auto sink = openSink(options(folder), server, clock);  // nothing left: nothing sent twice
    ASSERT_TRUE(sink);
    ASSERT_TRUE(sink->waitUntilDelivered(60s));
  }
  EXPECT_EQ(server->taken().size(), 3u);
}

TEST(EmailSink, AMailTheServerRefusesIsTriedAgainThenKeptAside) {
  TempFolder folder;
  auto server = std::make_shared<FakeServer>();
  server->answerWith(DeliveryOutcome::kRejected);
  TestClock clock;
  EmailOptions email = options(folder);
  email.maxRetries = 2;
  std::vector<std::string> log;
  auto sink = openSink(email, server, clock, &log);
  ASSERT_TRUE(sink);
  sink->write(alert("high"));
  ASSERT_TRUE(sink->waitUntilDelivered(60s));
  EXPECT_EQ(server->attempts.load(), 3) << "the first try and max_retries more";
  Counters counters = sink->counters();
  EXPECT_EQ(counters.get("email.rejected"), 1u);
  EXPECT_EQ(counters.get("email.retried"), 2u);
  EXPECT_EQ(counters.get("email.sent"), 0u);
  std::vector<std::filesystem::path> aside;
  for (const auto& entry : std::filesystem::directory_iterator(folder.path("mail/rejected"))) {
    aside.push_back(entry.path());
  }
  ASSERT_EQ(aside.size(), 1u);
  EXPECT_EQ(aside[0].extension(), ".eml");
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log.back().find("fake: 550 no such mailbox (refused 3 times); the mail is kept in"),
            std::string::npos)
      << log.back();
}

TEST(EmailSink, AFullSpoolLosesTheMailAndCountsIt) {
  TempFolder folder;
  auto server = std::make_shared<FakeServer>();
  server->answerWith(DeliveryOutcome::kTransient);
  TestClock clock;
  EmailOptions email = options(folder);
  email.spoolMaxBytes = 512;  // smaller than one alert mail
  auto sink = openSink(email, server, clock);
  ASSERT_TRUE(sink);
  sink->write(alert("high"));
  EXPECT_EQ(sink->counters().get("email.spool_overflow"), 1u);
  EXPECT_EQ(sink->counters().get("email.immediate"), 0u);
}

TEST(EmailSink, NamesItsDestination) {
  EmailOptions email;
  email.to = {"a@x.example", "b@y.example"};
  email.smtp.host = "mail.example";
  EXPECT_EQ(describeEmailDestination(email), "mail smtp mail.example:587");
  email.transport = MailTransportKind::kSendmail;
  EXPECT_EQ(describeEmailDestination(email), "mail sendmail /usr/sbin/sendmail");
}

}  // namespace
}  // namespace baawatch::sink
