#pragma once
// The two ways a syslog message leaves (syslog_sink.hpp states the delivery contract).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "baawatch/sink/disk_spool.hpp"
#include "baawatch/sink/syslog_sink.hpp"
#include "tls_session.hpp"

namespace baawatch::sink {

// UDP (RFC 5426: one message per datagram) or a local datagram socket. Loss cannot be told:
// failed sends are counted. The local socket connects again when its receiver made a new socket
// at the same path.
class DatagramTransport : public MessageTransport {
 public:
  static Expected<std::unique_ptr<DatagramTransport>, std::string> open(
      const SyslogOptions& options);
  void send(const std::string& message) override;
  void addCounters(Counters& counters, const std::string& prefix) const override;

 private:
  explicit DatagramTransport(const SyslogOptions& options) : options_(options) {}
  bool connectUnix();  // errno set when false

  const SyslogOptions& options_;  // owned by the SyslogSink that owns this
  UniqueFd socket_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> reconnects_{0};
};

// TCP or TLS (RFC 5425) with octet-counting frames, a disk spool while the receiver is away (or
// its certificate is refused), and resending of what the receiver may not have read when a
// connection broke. Over TLS nothing is ever sent before the handshake verified the receiver.
class StreamTransport : public MessageTransport {
 public:
  static Expected<std::unique_ptr<StreamTransport>, std::string> open(const SyslogOptions& options,
                                                                      SyslogLog log);
  void send(const std::string& message) override;
  // Reconnects if needed (ignoring the backoff) and delivers the spool.
  void flush() override;
  void idle() override;
  void addCounters(Counters& counters, const std::string& prefix) const override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Sent {
    Clock::time_point at;
    std::string frame;
    std::uint64_t wireBytes;  // what it took on the socket (TLS adds record overhead)
  };
  StreamTransport(const SyslogOptions& options, SyslogLog log, DiskSpool spool,
                  std::optional<TlsClientContext> tls);
  // TLS: the handshake on a fresh connection; false (logged, counted) when it failed.
  bool startTls(int fd);
  void deliver(std::string frame);
  bool connect(bool force);
  bool peerClosed();
  bool connected();  // the bookkeeping of a connection that is ready for frames
  // All of the bytes, or false with sendError_ set; `wireBytes` what they took on the socket.
  bool sendAll(std::string_view bytes, std::uint64_t& wireBytes);
  void disconnect(const char* why);
  // Keeps a sent frame for resending until the receiver's TCP acknowledged it and the resend
  // window has passed.
  void remember(std::string frame, std::uint64_t wireBytes);
  // Drops the frames the receiver acknowledged (as of the last send) outside the resend window.
  void trimRecent();
  void drainSpool();
  bool spool(const std::string& frame);  // false when the spool refused it (full, I/O error)
  void log(const std::string& line) const {
    if (log_) log_(line);
  }

  const SyslogOptions& options_;  // owned by the SyslogSink that owns this
  SyslogLog log_;
  std::string name_;
  UniqueFd socket_;
  std::optional<TlsClientContext> tls_;  // kTls
  std::optional<TlsSession> session_;    // kTls, while connected
  std::string sendError_;
  std::string lastTlsFailure_;           // logged once until it changes or a handshake works
  DiskSpool spool_;
  // At most this many acknowledged bytes are kept for the resend window (unacknowledged ones are
  // bounded by the socket's send buffer).
  static constexpr std::uint64_t kAckedKeepBytes = 1 << 20;
  std::deque<Sent> recent_;           // frames that may still need resending, oldest first
  std::uint64_t recentBytes_ = 0;
  std::uint64_t unacknowledgedBytes_ = 0;  // SIOCOUTQ at the last send: the tail of recent_
  Clock::time_point nextAttempt_{};
  double backoff_;
  bool everConnected_ = false;

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> spooled_{0};
  std::atomic<std::uint64_t> spoolOverflow_{0};
  std::atomic<std::uint64_t> spoolPending_{0};
  std::atomic<std::uint64_t> spoolBytes_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> resent_{0};
  std::atomic<std::uint64_t> tlsFailed_{0};
};

}  // namespace baawatch::sink
