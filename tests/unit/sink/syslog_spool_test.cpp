// The TCP syslog destination's disk spool and its delivery through a real loopback receiver.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>
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

// A receiver that keeps up but never lets the spool run dry: the records it was sent give their
// disk space back, so the bound counts only what is pending and new records are still taken.
TEST(DiskSpool, DeliveredRecordsGiveTheirSpaceBack) {
  TempFolder folder;
  const std::string path = folder.path("spool");
  const std::uint64_t bound = 3 << 20;
  auto spool = DiskSpool::open(path, bound);
  ASSERT_TRUE(spool);
  const std::string record(1020, 'r');  // 1 KiB framed
  int stored = 0;
  while (spool->push(record) == DiskSpool::PushResult::kStored) ++stored;
  EXPECT_EQ(stored, 3072);
  for (int i = 0; i < 2048; ++i) {  // 2 MiB delivered, 1 MiB still pending
    ASSERT_TRUE(spool->front());
    spool->pop();
  }
  EXPECT_EQ(spool->pendingRecords(), 1024u);
  for (int i = 0; i < 1500; ++i) {
    ASSERT_EQ(spool->push(record), DiskSpool::PushResult::kStored) << "record " << i;
  }
  EXPECT_EQ(spool->pendingRecords(), 2524u);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  // The file keeps its offsets (4.5 MiB long) but holds only about the pending bytes.
  EXPECT_EQ(static_cast<std::uint64_t>(info.st_size), (3072u + 1500u) * 1024u);
  EXPECT_LE(static_cast<std::uint64_t>(info.st_blocks) * 512, bound) << "delivered head not freed";
  // And every pending record is still read back whole, in order.
  std::uint64_t left = spool->pendingRecords();
  for (std::uint64_t i = 0; i < left; ++i) {
    ASSERT_EQ(spool->front(), record);
    spool->pop();
  }
  EXPECT_TRUE(spool->empty());
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

// Everything a connection delivers until it has been quiet for `millis` (or closed).
std::string readUntilQuiet(int connection, int millis = 300) {
  std::string data;
  for (;;) {
    pollfd waiting{connection, POLLIN, 0};
    if (::poll(&waiting, 1, millis) <= 0) break;
    char buffer[65536];
    ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    data.append(buffer, static_cast<std::size_t>(got));
  }
  return data;
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
    return readUntilQuiet(connection_, millis);
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

// A TCP destination on loopback `port` that reconnects at once (no backoff in tests).
SyslogOptions loopbackTcp(std::uint16_t port, const std::string& spoolFile) {
  SyslogOptions options;
  options.transport = SyslogTransport::kTcp;
  options.host = "127.0.0.1";
  options.port = port;
  options.spoolFile = spoolFile;
  options.reconnectMinSeconds = 0;
  options.reconnectMaxSeconds = 0;
  return options;
}

TEST(SyslogSinkTcp, SpoolsWhileTheReceiverIsDownAndDeliversInOrderWhenItIsBack) {
  TempFolder folder;
  // Find a free port, then close it: the receiver is "down" on that port.
  std::uint16_t port;
  {
    Receiver probe;
    port = probe.port();
  }
  SyslogOptions options = loopbackTcp(port, folder.path("spool"));
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
  std::string stream = readUntilQuiet(connection);
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
  SyslogOptions options = loopbackTcp(receiver->port(), folder.path("spool"));
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

// What the receiver acknowledged longer ago than the resend window is not sent again when the
// connection breaks later, however long the link was quiet in between.
TEST(SyslogSinkTcp, DoesNotResendWhatWasAcknowledgedBeforeTheWindow) {
  TempFolder folder;
  auto receiver = std::make_unique<Receiver>();
  SyslogOptions options = loopbackTcp(receiver->port(), folder.path("spool"));
  options.resendWindowSeconds = 0.2;
  auto sink = SyslogSink::open(options);
  ASSERT_TRUE(sink) << sink.error();
  (*sink)->write(alert(1));
  EXPECT_EQ(recordIds(receiver->read(300)), (std::vector<std::string>{"s:r:1"}));
  ::usleep(300000);  // past the window, nothing sent since
  receiver.reset();
  (*sink)->write(alert(2));
  Counters counters = (*sink)->counters();
  EXPECT_EQ(counters.get("syslog.0.resent"), 0u);
  EXPECT_EQ(counters.get("syslog.0.spool_pending"), 1u);  // only the new record
}

// A receiver that accepts but stops reading, then dies: TCP had acknowledged only what fits in
// its receive buffer, so everything else the sink sent (sitting unacknowledged in the sink's send
// buffer when the stalled send timed out, long past the 3 s resend window) must be sent again
// after the reconnect. What can be lost is what the dead receiver had acknowledged and not read
// (plain TCP syslog has no application acknowledgement): at most its receive buffer.
TEST(SyslogSinkTcp, AReceiverThatStallsAndDiesLosesAtMostItsReceiveBuffer) {
  TempFolder folder;
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;  // a small receive buffer, inherited by the accepted connection
  ::setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::listen(listener, 4);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  SyslogOptions options = loopbackTcp(ntohs(address.sin_port), folder.path("spool"));
  options.resendWindowSeconds = 0.2;
  options.sendTimeoutSeconds = 0.5;
  auto sink = SyslogSink::open(options);
  ASSERT_TRUE(sink) << sink.error();
  int stalled = ::accept(listener, nullptr, nullptr);
  int receiveBuffer = 0;
  socklen_t size = sizeof receiveBuffer;
  ::getsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, &size);

  // Write until a send has blocked for the timeout and the sink spools, then a few more.
  int written = 0;
  while ((*sink)->counters().get("syslog.0.spooled") == 0 && written < 100000) {
    (*sink)->write(alert(++written));
  }
  ASSERT_GT((*sink)->counters().get("syslog.0.spooled"), 0u) << "the send never blocked";
  for (int extra = 0; extra < 5; ++extra) (*sink)->write(alert(++written));
  ::usleep(300000);  // well past the resend window
  // The receiver dies without reading: its unread buffer is gone (the kernel resets).
  struct linger abort {1, 0};
  ::setsockopt(stalled, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  ::close(stalled);

  (*sink)->flush();  // reconnects and delivers the spool
  int connection = ::accept(listener, nullptr, nullptr);
  std::string stream = readUntilQuiet(connection);
  ::close(connection);
  ::close(listener);
  std::vector<std::string> delivered = recordIds(stream);
  std::set<std::string> got(delivered.begin(), delivered.end());
  int missing = 0;
  for (int id = 1; id <= written; ++id) missing += got.count("s:r:" + std::to_string(id)) == 0;
  // Only a head of the stream can be missing (what the receiver acknowledged and never read):
  // the newest record arrived, and the missing ones fit in the receive buffer.
  EXPECT_EQ(got.count("s:r:" + std::to_string(written)), 1u);
  std::size_t frameBytes = frameOctetCounted(formatRfc5424(alert(1), record::EventType::kAlert, SyslogHeader{options.facility, options.appName, options.hostName, 1})).size();
  EXPECT_LE(static_cast<std::size_t>(missing) * frameBytes,
            static_cast<std::size_t>(receiveBuffer))
      << missing << " of " << written << " records lost; receive buffer " << receiveBuffer;
  EXPECT_GT((*sink)->counters().get("syslog.0.resent"), 0u);
}

}  // namespace
}  // namespace baawatch::sink
