#pragma once
// Records as RFC 5424 syslog messages (syslog_format.hpp) to one destination: UDP (RFC 5426), a
// local datagram socket (/dev/log), TCP with octet counting (RFC 6587 §3.4.1), or TLS (RFC 5425:
// TLS 1.2 or 1.3, octet counting).
//
// TLS: the receiver's certificate must chain to `caFile` and carry `serverName` (default: the
// host); with `certFile` and `keyFile` we show our own (mutual TLS). A receiver whose certificate
// fails, or that refuses ours, is logged (once per reason) and counted (`.tls_failed`), and the
// records wait in the spool: nothing is ever sent without a verified session.
//
// Delivery over TCP and TLS: while the receiver cannot be reached, messages go to a bounded DiskSpool and
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
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/sink/async_sink.hpp"
#include "baawatch/record/ecs_record.hpp"
#include "baawatch/record/event_type.hpp"
#include "baawatch/sink/syslog_format.hpp"
#include "baawatch/sink/tls_files.hpp"

namespace baawatch::sink {

enum class SyslogTransport : std::uint8_t { kUdp, kTcp, kUnix, kTls };

// One destination, as the configuration gives it (docs/configuration.md, output.syslog): the
// settings hold this struct itself, so a reload compares it whole.
struct SyslogOptions {
  SyslogTransport transport = SyslogTransport::kUdp;
  std::string host;                       // kUdp, kTcp, kTls: name or address
  std::uint16_t port = 514;
  std::string socketPath = "/dev/log";    // kUnix
  int facility = 20;                      // local4
  std::string appName = "baawatch";
  std::string hostName;                   // HOSTNAME field: the sensor name
  std::string spoolFile;                  // kTcp, kTls: required
  std::string caFile;                     // kTls: CA certificates (PEM) the receiver's must chain to
  std::string serverName;                 // kTls: name the receiver's certificate must carry; empty: host
  std::string certFile;                   // kTls, mutual TLS: our certificate chain (PEM)
  std::string keyFile;                    // and its private key (PEM)
  std::uint64_t spoolMaxBytes = 256ull << 20;
  std::vector<record::EventType> eventTypes;     // empty: alert, visibility, encounter
  record::RecordFormat format = record::RecordFormat::kDefault;  // MSG: the record in this form
  std::string counterPrefix = "syslog.0"; // counters are <prefix>.sent, .spooled, ...
  double resendWindowSeconds = 3;
  double sendTimeoutSeconds = 5;          // a send blocked this long ends the connection
  double reconnectMinSeconds = 1;
  double reconnectMaxSeconds = 10;
  bool operator==(const SyslogOptions&) const = default;
};

// Connection lost / restored / spool problems, one line each, for the operational log.
using SyslogLog = std::function<void(const std::string&)>;

// How formatted messages leave: datagrams (UDP, unix) or a stream with a spool (TCP). Private
// implementations in src/sink/; SyslogSink picks one from the options.
class MessageTransport {
 public:
  virtual ~MessageTransport() = default;
  virtual void send(const std::string& message) = 0;
  virtual void flush() {}
  virtual void idle() {}
  virtual void addCounters(Counters& counters, const std::string& prefix) const = 0;
};

class SyslogSink : public SinkTarget {
 public:
  // Opens the spool (TCP) and the socket; a receiver that is down is not an error here, a spool
  // that cannot be opened or a local socket path that is not a socket is.
  static Expected<std::unique_ptr<SyslogSink>, std::string> open(SyslogOptions options,
                                                                 SyslogLog log = {});
  ~SyslogSink() override;

  void write(const nlohmann::json& record) override;
  // TCP: reconnects if needed (ignoring the backoff) and delivers the spool.
  void flush() override;
  void idle() override;
  Counters counters() const override;
  std::string describe() const;

 private:
  SyslogSink(SyslogOptions options, std::unique_ptr<MessageTransport> transport);
  bool wanted(record::EventType type) const;

  SyslogOptions options_;
  SyslogHeader header_;
  std::unique_ptr<MessageTransport> transport_;
};

// kTls: the destination's CA file, certificate and key, as a connection reads them.
TlsClientFiles syslogTlsFiles(const SyslogOptions& options);
// kTls: loads them as a connection will, so that the configuration is refused at load time
// (with the option at fault) rather than at the first connection.
std::optional<TlsFileError> checkSyslogTlsFiles(const SyslogOptions& options);

// "syslog tcp HOST:PORT", "syslog unix PATH": how logs and errors name a destination.
std::string describeSyslogDestination(const SyslogOptions& options);

}  // namespace baawatch::sink
