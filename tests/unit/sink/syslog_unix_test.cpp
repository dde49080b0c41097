// The local-socket syslog destination (/dev/log style) through a real unix datagram receiver
// that restarts, as rsyslog or journald do: the new socket at the same path gets the records.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "baawatch/sink/syslog_sink.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

using baawatch::testing::TempFolder;

// A datagram socket bound at `path` (unlinked first, as a restarting syslog daemon does).
class UnixReceiver {
 public:
  explicit UnixReceiver(const std::string& path) : path_(path) {
    ::unlink(path.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~UnixReceiver() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  // The next message within `millis`, or "" when none came.
  std::string receive(int millis = 2000) {
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, millis) <= 0) return {};
    char buffer[65536];
    ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    return got > 0 ? std::string(buffer, static_cast<std::size_t>(got)) : std::string();
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

nlohmann::json alert(int sequence) {
  return {{"event_type", "alert"}, {"timestamp", "2024-05-01T10:00:00Z"},
          {"record_id", "s:r:" + std::to_string(sequence)}};
}

SyslogOptions unixOptions(const std::string& path) {
  SyslogOptions options;
  options.transport = SyslogTransport::kUnix;
  options.socketPath = path;
  options.counterPrefix = "syslog.0";
  return options;
}

TEST(SyslogSinkUnix, ARestartedReceiverGetsTheNextRecords) {
  TempFolder folder;
  std::string path = folder.path("log.sock");
  auto first = std::make_unique<UnixReceiver>(path);
  ASSERT_TRUE(first->bound());
  auto sink = SyslogSink::open(unixOptions(path));
  ASSERT_TRUE(sink) << sink.error();
  (*sink)->write(alert(1));
  EXPECT_NE(first->receive().find("s:r:1"), std::string::npos);

  // The receiver restarts: its old socket closes and a new one is bound at the same path.
  first.reset();
  UnixReceiver second(path);
  ASSERT_TRUE(second.bound());
  (*sink)->write(alert(2));
  EXPECT_NE(second.receive().find("s:r:2"), std::string::npos);
  (*sink)->write(alert(3));
  EXPECT_NE(second.receive().find("s:r:3"), std::string::npos);

  Counters counters = (*sink)->counters();
  EXPECT_EQ(counters.get("syslog.0.sent"), 3u);
  EXPECT_EQ(counters.get("syslog.0.failed"), 0u);
  EXPECT_EQ(counters.get("syslog.0.reconnects"), 1u);
}

TEST(SyslogSinkUnix, RecordsWhileTheReceiverIsDownAreCountedAsFailed) {
  TempFolder folder;
  std::string path = folder.path("log.sock");
  auto receiver = std::make_unique<UnixReceiver>(path);
  auto sink = SyslogSink::open(unixOptions(path));
  ASSERT_TRUE(sink) << sink.error();
  receiver.reset();  // down, and its path gone
  (*sink)->write(alert(1));
  (*sink)->write(alert(2));
  UnixReceiver back(path);
  (*sink)->write(alert(3));
  EXPECT_NE(back.receive().find("s:r:3"), std::string::npos);
  Counters counters = (*sink)->counters();
  EXPECT_EQ(counters.get("syslog.0.failed"), 2u);
  EXPECT_EQ(counters.get("syslog.0.sent"), 1u);
  EXPECT_GE(counters.get("syslog.0.reconnects"), 1u);
}

TEST(SyslogSinkUnix, APathThatIsNotASocketIsRefusedAtStart) {
  TempFolder folder;
  std::string path = folder.write("not-a-socket", "plain file\n");
  auto sink = SyslogSink::open(unixOptions(path));
  ASSERT_FALSE(sink);
  EXPECT_NE(sink.error().find(path), std::string::npos) << sink.error();
}

}  // namespace
}  // namespace baawatch::sink
