// The status file `baawatch status` reads: written at open, on stats records, for alerts at most
// every two seconds (flush), and at the end with running false; alerts counted per UTC day.
#include "daemon/status_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace baawatch::daemon {
namespace {

namespace fs = std::filesystem;

class StatusFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("baawatch-status-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(folder_);
    path_ = (folder_ / "status.json").string();
  }
  void TearDown() override { fs::remove_all(folder_); }
  nlohmann::json read() const {
    std::ifstream file(path_);
    return nlohmann::json::parse(file);
  }
  std::unique_ptr<StatusFileTarget> open() {
    auto target = StatusFileTarget::open({path_, "gw-1", "eth1", nullptr});
    EXPECT_TRUE(target.has_value());
    return target ? std::move(*target) : nullptr;
  }
  static nlohmann::json alert(const std::string& service, const std::string& time) {
    return {{"event_type", "alert"}, {"timestamp", time}, {"service", {{"id", service}}}};
  }
  fs::path folder_;
  std::string path_;
};

TEST_F(StatusFileTest, OpenWritesTheProcessAndNothingCountedYet) {
  auto target = open();
  nlohmann::json state = read();
  EXPECT_EQ(state["pid"], static_cast<long long>(::getpid()));
  EXPECT_EQ(state["sensor"], "gw-1");
  EXPECT_EQ(state["interface"], "eth1");
  EXPECT_TRUE(state["running"].get<bool>());
  EXPECT_TRUE(state["stats"].is_null());
  EXPECT_EQ(state["alerts_today"]["total"], 0);
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
}

TEST_F(StatusFileTest, StatsRecordsGiveTheFiguresAndSpools) {
  auto target = open();
  target->write({{"event_type", "stats"},
                 {"timestamp", "2026-12-07T10:00:00.000000Z"},
                 {"counters",
                  {{"capture.packets", 1234},
                   {"capture.kernel_drops", 5},
                   {"capture.interface_drops", 1},
                   {"sink.queue.backlog", 7},
                   {"syslog.0.spool_pending", 40},
                   {"syslog.0.spool_bytes", 9000},
                   {"email.spool_pending", 2}}}});
  nlohmann::json stats = read()["stats"];
  EXPECT_EQ(stats["packets"], 1234);
  EXPECT_EQ(stats["kernel_drops"], 5);
  EXPECT_EQ(stats["interface_drops"], 1);
  EXPECT_EQ(stats["sink_backlog"], 7);
  EXPECT_EQ(stats["spools"]["syslog.0"]["records"], 40);
  EXPECT_EQ(stats["spools"]["syslog.0"]["bytes"], 9000);
  EXPECT_EQ(stats["spools"]["email"]["records"], 2);
  EXPECT_EQ(stats["time"], "2026-12-07T10:00:00.000000Z");
}

TEST_F(StatusFileTest, AlertsArePerUtcDayByService) {
  auto target = open();
  target->write(alert("whatsapp", "2026-12-06T23:59:59.000000Z"));
  target->write(alert("whatsapp", "2026-12-07T00:00:01.000000Z"));
  target->write(alert("facetime", "2026-12-07T08:00:00.000000Z"));
  target->write(alert("whatsapp", "2026-12-07T09:00:00.000000Z"));
  target->write({{"event_type", "encounter"}, {"timestamp", "2026-12-07T09:00:00Z"}});
  nlohmann::json alerts = target->state(true)["alerts_today"];
  EXPECT_EQ(alerts["day"], "2026-12-07");
  EXPECT_EQ(alerts["total"], 3);
  EXPECT_EQ(alerts["by_service"]["whatsapp"], 2);
  EXPECT_EQ(alerts["by_service"]["facetime"], 1);
  // Written by the next flush (at most every two seconds), not with every alert.
  target->write({{"event_type", "stats"},
                 {"timestamp", "2026-12-07T09:00:01Z"},
                 {"counters", nlohmann::json::object()}});
  EXPECT_EQ(read()["alerts_today"]["total"], 3);
}

TEST_F(StatusFileTest, TheEndSaysNotRunning) {
  {
    auto target = open();
    target->write(alert("signal", "2026-12-07T09:00:00.000000Z"));
  }
  nlohmann::json state = read();
  EXPECT_FALSE(state["running"].get<bool>());
  EXPECT_EQ(state["alerts_today"]["by_service"]["signal"], 1);
}

TEST_F(StatusFileTest, AMissingFolderIsAnError) {
  auto target =
      StatusFileTarget::open({(folder_ / "gone" / "status.json").string(), "", "", nullptr});
  ASSERT_FALSE(target.has_value());
  EXPECT_NE(target.error().find("does not exist"), std::string::npos) << target.error();
}

}  // namespace
}  // namespace baawatch::daemon
