#pragma once
// Records as RFC 5424 syslog messages to one destination: UDP (RFC 5426), TCP with octet
// counting (RFC 6587 §3.4.1), or a local datagram socket (/dev/log).
//
// Message: PRI from the facility and the record's severity, TIMESTAMP the record's, HOSTNAME the
// sensor, APP-NAME configurable, PROCID our pid, MSGID the event type (`alert`, `encounter`, ...),
// STRUCTURED-DATA `[baawatch@32473 ...]` with the record's key fields (record_id, service, device,
// ip, host_name, severity, ...), and MSG the whole JSON record. Format: docs/gateway.md.
//
// Delivery over TCP: while the receiver cannot be reached, messages go to a bounded DiskSpool and
// leave it in order once it is back (reconnects with backoff). When a connection breaks, every
// message the receiver's TCP had not acknowledged at the last send, and those acknowledged in the
// resend window before it (a receiving program that dies may not have read them), are sent again
// after the reconnect: receivers drop the duplicates by record_id. Plain TCP syslog has no
// application acknowledgement (RFC 6587), so a receiver that acknowledged a message, kept it
// unread longer than the window and then died loses it; that is the protocol's limit. UDP and
// the local socket cannot tell loss; failures there are counted. The local socket connects again
// when its receiver has restarted (a new socket at the same path), counted as reconnects.
//
// Thread: everything but counters() runs on the writer thread (AsyncSink).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/sink/async_sink.hpp"
#include "baawatch/sink/disk_spool.hpp"
#include "baawatch/record/event_type.hpp"

namespace baawatch::sink {

enum class SyslogTransport : std::uint8_t { kUdp, kTcp, kUnix };

struct SyslogOptions {
  SyslogTransport transport = SyslogTransport::kUdp;
  std::string host;                       // kUdp, kTcp: name or address
  std::uint16_t port = 514;
  std::string socketPath = "/dev/log";    // kUnix
  int facility = 20;                      // local4
  std::string appName = "baawatch";
  std::string hostName;                   // HOSTNAME field: the sensor name
  std::string spoolFile;                  // kTcp: required
  std::uint64_t spoolMaxBytes = 256ull << 20;
  std::vector<record::EventType> eventTypes;  // empty: alert, visibility, encounter
  std::string counterPrefix = "syslog.0"; // counters are <prefix>.sent, .spooled, ...
  double resendWindowSeconds = 3;
  double sendTimeoutSeconds = 5;          // a send blocked this long ends the connection
  double reconnectMinSeconds = 1;
  double reconnectMaxSeconds = 10;
  // Connection lost / restored / spool problems, one line each, for the operational log.
  std::function<void(const std::string&)> log;
};

// The SD-ID: our private enterprise number form (RFC 5424 §7.2.2 uses 32473 for examples;
// documented as a placeholder until a PEN is registered).
inline constexpr std::string_view kSyslogSdId = "baawatch@32473";

// RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with a backslash.
std::string escapeSdParamValue(std::string_view value);
// One RFC 5424 message (no framing, no trailing newline).
std::string formatRfc5424(const nlohmann::json& record, const SyslogOptions& options, int procId);
// RFC 6587 §3.4.1 octet-counting frame: "LEN SP MSG".
std::string frameOctetCounted(std::string_view message);

class SyslogSink : public SinkTarget {
 public:
  // Opens the spool (TCP) and the socket; a receiver that is down is not an error here, a spool
  // that cannot be opened or a local socket path that is not a socket is.
  static Expected<std::unique_ptr<SyslogSink>, std::string> open(SyslogOptions options);
  ~SyslogSink() override;

  void write(const nlohmann::json& record) override;
  // TCP: reconnects if needed (ignoring the backoff) and delivers the spool.
  void flush() override;
  void idle() override;
  Counters counters() const override;
  std::string describe() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Sent {
    Clock::time_point at;
    std::string frame;
  };
  explicit SyslogSink(SyslogOptions options);
  bool wanted(const nlohmann::json& record) const;
  void deliverTcp(std::string frame);
  bool connectTcp(bool force);
  bool peerClosed() const;
  bool sendAll(std::string_view bytes);
  void disconnect(const char* why);
  // Keeps a sent frame for resending until the receiver's TCP acknowledged it and the resend
  // window has passed.
  void remember(std::string frame);
  // Drops the frames the receiver acknowledged (as of the last send) outside the resend window.
  void trimRecent();
  void drainSpool();
  bool spool(const std::string& frame);  // false when the spool refused it (full, I/O error)
  void sendDatagram(const std::string& message);
  bool connectUnix();  // errno set when false

  SyslogOptions options_;
  int procId_;
  UniqueFd socket_;
  std::optional<DiskSpool> spool_;
  // At most this many acknowledged bytes are kept for the resend window (unacknowledged ones are
  // bounded by the socket's send buffer).
  static constexpr std::uint64_t kAckedKeepBytes = 1 << 20;
  std::deque<Sent> recent_;           // TCP frames that may still need resending, oldest first
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
};

}  // namespace baawatch::sink
