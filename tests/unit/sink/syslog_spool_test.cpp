// The TCP syslog destination's disk spool and its delivery through a real loopback receiver.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "baawatch/sink/disk_spool.hpp"
#include "baawatch/sink/syslog_sink.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::sink {
namespace {

using baawatch::testing::TempFolder;

TEST(DiskSpool, KeepsOrderAcrossReopenAndTruncatesWhenDrained) {
  TempFolder folder;
  std::string path = folder.path("spool");
  {
    auto spool = DiskSpool::open(path, 1 << 20);
    ASSERT_TRUE(spool) << spool.error();
    EXPECT_EQ(spool->push("one"), DiskSpool::PushResult::kStored);
    EXPECT_EQ(spool->push("two"), DiskSpool::PushResult::kStored);
    EXPECT_EQ(spool->push("three"), DiskSpool::PushResult::kStored);
    EXPECT_EQ(spool->front(), "one");
    spool->pop();
  }
  auto spool = DiskSpool::open(path, 1 << 20);  // a restart picks up where delivery stopped
  ASSERT_TRUE(spool) << spool.error();
  EXPECT_EQ(spool->pendingRecords(), 2u);
  EXPECT_EQ(spool->front(), "two");
  spool->pop();
  EXPECT_EQ(spool->front(), "three");
  spool->pop();
  EXPECT_TRUE(spool->empty());
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(DiskSpool, RefusesRecordsBeyondItsBound) {
  TempFolder folder;
  auto spool = DiskSpool::open(folder.path("spool"), 20);
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->push("0123456789"), DiskSpool::PushResult::kStored);  // 14 bytes framed
  EXPECT_EQ(spool->push("0123456789"), DiskSpool::PushResult::kFull);
  EXPECT_EQ(spool->pendingRecords(), 1u);
}

TEST(DiskSpool, CutsATornLastRecordOnOpen) {
  TempFolder folder;
  std::string path = folder.path("spool");
  {
    auto spool = DiskSpool::open(path, 1 << 20);
    ASSERT_TRUE(spool);
    spool->push("whole");
  }
  // A crash mid-append: a length that promises more bytes than follow.
  std::FILE* file = std::fopen(path.c_str(), "ab");
  const char torn[] = {0, 0, 0, 50, 'x'};
  std::fwrite(torn, 1, sizeof torn, file);
  std::fclose(file);
  auto spool = DiskSpool::open(path, 1 << 20);
  ASSERT_TRUE(spool);
  EXPECT_EQ(spool->pendingRecords(), 1u);
  EXPECT_EQ(spool->front(), "whole");
  EXPECT_EQ(std::filesystem::file_size(path), 9u);
}

// A loopback TCP listener standing in for rsyslog.
class Receiver {
 public:
  Receiver() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 4);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Receiver() {
    if (connection_ >= 0) ::close(connection_);
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  // Everything received within `millis`.
  std::string read(int millis) {
    if (connection_ < 0) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, millis) <= 0) return {};
      connection_ = ::accept(listener_, nullptr, nullptr);
    }
    std::string data;
    for (;;) {
      pollfd waiting{connection_, POLLIN, 0};
      if (::poll(&waiting, 1, millis) <= 0) break;
      char buffer[4096];
      ssize_t got = ::recv(connection_, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      data.append(buffer, static_cast<std::size_t>(got));
    }
    return data;
  }

 private:
  int listener_ = -1;
  int connection_ = -1;
  std::uint16_t port_ = 0;
};

// Record ids in the order the frames arrived.
std::vector<std::string> recordIds(const std::string& stream) {
  std::vector<std::string> ids;
  std::size_t at = 0;
  while (at < stream.size()) {
    std::size_t space = stream.find(' ', at);
    std::size_t length = std::stoul(stream.substr(at, space - at));
    std::string message = stream.substr(space + 1, length);
    auto body = nlohmann::json::parse(message.substr(message.find("] {") + 2));
    ids.push_back(body["record_id"]);
    at = space + 1 + length;
  }
  return ids;
}

nlohmann::json alert(int sequence) {
  return {{"event_type", "alert"}, {"timestamp", "2024-05-01T10:00:00Z"},
          {"record_id", "s:r:" + std::to_string(sequence)}};
}

TEST(SyslogSinkTcp, SpoolsWhileTheReceiverIsDownAndDeliversInOrderWhenItIsBack) {
  TempFolder folder;
  // Find a free port, then close it: the receiver is "down" on that port.
  std::uint16_t port;
  {
    Receiver probe;
    port = probe.port();
  }
  SyslogOptions options;
  options.transport = SyslogTransport::kTcp;
  options.host = "127.0.0.1";
  options.port = port;
  options.spoolFile = folder.path("spool");
  options.reconnectMinSeconds = 0;
  options.reconnectMaxSeconds = 0;
  auto sink = SyslogSink::open(options);
  ASSERT_TRUE(sink) << sink.error();
  (*sink)->write(alert(1));
  (*sink)->write(alert(2));
  (*sink)->write(nlohmann::json{{"event_type", "stats"}});  // not wanted by default: never sent
  Counters down = (*sink)->counters();
  EXPECT_EQ(down.get("syslog.0.spooled"), 2u);
  EXPECT_EQ(down.get("syslog.0.spool_pending"), 2u);
  // Two frames (header, structured data and the JSON: well over 50 bytes each) with their
  // 4-byte length prefixes.
  EXPECT_GT(down.get("syslog.0.spool_bytes"), 2u * 50u);
  EXPECT_EQ(down.get("syslog.0.sent"), 0u);

  // The receiver comes back on the same port (SO_REUSEADDR on a fresh listener).
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::listen(listener, 4);
  (*sink)->write(alert(3));
  (*sink)->flush();
  int connection = ::accept(listener, nullptr, nullptr);
  std::string stream;
  for (;;) {
    pollfd waiting{connection, POLLIN, 0};
    if (::poll(&waiting, 1, 300) <= 0) break;
    char buffer[4096];
    ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    stream.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(connection);
  ::close(listener);
  EXPECT_EQ(recordIds(stream), (std::vector<std::string>{"s:r:1", "s:r:2", "s:r:3"}));
  Counters up = (*sink)->counters();
  EXPECT_EQ(up.get("syslog.0.sent"), 3u);
  EXPECT_EQ(up.get("syslog.0.spool_pending"), 0u);
  EXPECT_EQ(up.get("syslog.0.spool_bytes"), 0u);
}

TEST(SyslogSinkTcp, ResendsWhatWasSentJustBeforeTheReceiverClosed) {
  TempFolder folder;
  auto receiver = std::make_unique<Receiver>();
  SyslogOptions options;
  options.transport = SyslogTransport::kTcp;
  options.host = "127.0.0.1";
  options.port = receiver->port();
  options.spoolFile = folder.path("spool");
  options.reconnectMinSeconds = 0;
  options.reconnectMaxSeconds = 0;
  auto sink = SyslogSink::open(options);
  ASSERT_TRUE(sink) << sink.error();
  (*sink)->write(alert(1));
  EXPECT_EQ(recordIds(receiver->read(300)), (std::vector<std::string>{"s:r:1"}));
  receiver.reset();  // the receiver dies
  (*sink)->write(alert(2));
  Counters counters = (*sink)->counters();
  EXPECT_EQ(counters.get("syslog.0.resent"), 1u);
  EXPECT_EQ(counters.get("syslog.0.spool_pending"), 2u);  // 1 again (maybe unread) and 2
}

}  // namespace
}  // namespace baawatch::sink
