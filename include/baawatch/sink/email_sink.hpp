#pragma once
// E-mail for a clinic without a SIEM (docs/gateway.md, "E-mail"): alerts, lost-visibility
// records and encounters put into plain words - which device used which service when, how to
// read the report - never a payload byte (records hold none). An alert at or above
// `immediateSeverity` is mailed at once; everything else waits for the hourly or daily digest.
//
// Delivery: SMTP (RFC 5321) with STARTTLS (RFC 3207; TLS 1.2 or 1.3, the server's certificate
// checked against `smtp.caFile` or the system's CA store, and its name) and AUTH PLAIN or LOGIN
// (RFC 4954), or the local sendmail interface (`sendmail -t -oi`, the message on its standard
// input). Every mail is written to a disk spool in `spoolDir` before it is sent and leaves it only
// once the server took it (250 after DATA, or sendmail's exit status 0), so a mail server that is
// down loses nothing: mails wait, in order, and are tried again with a backoff doubling from
// `retryBackoffSeconds` to `maxBackoffSeconds`, also after a restart. A mail the server refuses
// outright (5xx) is tried `maxRetries` more times (a refusal can be a configuration being fixed),
// then moved to `<spoolDir>/rejected/` as a .eml file and counted; it is never dropped unseen.
// Delivery is at least once: a connection lost after the message was sent but before the server's
// answer sends it again (with the same Message-ID).
//
// Threads: write(), flush(), idle() run on the writer thread (AsyncSink) and only gather records,
// build mails and append them to the spool; a delivery thread of the sink's own talks to the mail
// server, so a slow or silent server delays neither the packet thread nor the other outputs.
// counters() is thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/common/timestamp.hpp"
#include "baawatch/policy/policy.hpp"
#include "baawatch/sink/async_sink.hpp"

namespace baawatch::sink {

enum class DigestPeriod : std::uint8_t { kHourly, kDaily };
enum class MailTransportKind : std::uint8_t { kSmtp, kSendmail };
enum class StartTls : std::uint8_t { kRequired, kNone };

struct SmtpOptions {
  std::string host;
  std::uint16_t port = 587;           // the submission port (RFC 6409)
  StartTls startTls = StartTls::kRequired;
  std::string caFile;                 // empty: the system's CA store
  std::string serverName;             // the name the certificate must carry; empty: host
  std::string username;               // empty: no AUTH
  std::string passwordFile;           // with username: its first line is the password
  double timeoutSeconds = 30;         // one delivery: connect, conversation and the answer to DATA
  bool operator==(const SmtpOptions&) const = default;
};

// As the configuration gives it (docs/configuration.md, output.email); main() adds the fields
// below the line.
struct EmailOptions {
  std::vector<std::string> to;
  std::string from;
  DigestPeriod digest = DigestPeriod::kDaily;
  std::optional<policy::Severity> immediateSeverity = policy::Severity::kHigh;  // none: never
  bool sendEmpty = false;             // mail a digest with nothing in it ("nothing seen")
  MailTransportKind transport = MailTransportKind::kSmtp;
  SmtpOptions smtp;
  std::string sendmailPath = "/usr/sbin/sendmail";
  std::string spoolDir;               // the loader's default: <state_directory>/mail
  std::uint64_t spoolMaxBytes = 64ull << 20;
  unsigned maxRetries = 3;            // further tries of a mail the server refused (5xx)
  double retryBackoffSeconds = 30;
  double maxBackoffSeconds = 900;
  // --- filled in by main()
  std::string sensor;                 // named in every mail when its records carry no site
  std::string logPath;                // the JSON-lines log `baawatch report` reads; "-": stdout
  std::string heloName = "localhost"; // EHLO: this machine's name
  std::string runId;                  // makes Message-IDs unique across restarts
  double shutdownWaitSeconds = 10;    // at exit: how long pending mails may still be tried
  bool operator==(const EmailOptions&) const = default;
};

// Operational log lines (server unreachable, certificate refused, mail moved aside), one each.
using EmailLog = std::function<void(const std::string&)>;

class MailTransport;  // src/sink/mail_transport.hpp

class EmailSink : public SinkTarget {
 public:
  using WallClock = std::function<Timestamp()>;
  // Opens (creates) the spool folder and its spool, reads the password file and sets up TLS; a
  // mail server that is down is not an error here. Mails left in the spool by an earlier run are
  // sent first.
  static Expected<std::unique_ptr<EmailSink>, std::string> open(EmailOptions options,
                                                                EmailLog log = {});
  // For tests: another transport and a wall clock of the test's.
  static Expected<std::unique_ptr<EmailSink>, std::string> open(
      EmailOptions options, EmailLog log, std::unique_ptr<MailTransport> transport,
      WallClock clock);
  // Mails the digest gathered so far (when it holds anything, or sendEmpty), lets the delivery
  // thread try what is pending for at most shutdownWaitSeconds (and a delivery under way its
  // timeout), and stops it; what was not delivered stays in the spool for the next start.
  ~EmailSink() override;

  void write(const nlohmann::json& record) override;
  void flush() override;
  void idle() override;
  // email.sent, .failed, .retried, .spooled, .rejected, .spool_pending, .spool_overflow,
  // .digests, .immediate.
  Counters counters() const override;
  // "mail smtp HOST:PORT to ADDRESS, ... (daily digest, at once from severity high)".
  std::string describe() const;
  // Waits until the spool is empty (every mail delivered or moved aside) or `limit` passed;
  // true when it is empty. For tests.
  bool waitUntilDelivered(std::chrono::milliseconds limit);

 private:
  struct State;
  explicit EmailSink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The first digest boundary after `now`: the next full hour, or the next 00:00, both UTC.
Timestamp nextDigestBoundary(Timestamp now, DigestPeriod period);
std::string_view toString(DigestPeriod period);  // "hourly", "daily"

// "mail smtp HOST:PORT", "mail sendmail PATH": how logs and errors name the destination.
std::string describeEmailDestination(const EmailOptions& options);

// Checks at load time what open() would find wrong, with the option at fault: the CA file
// ("ca_file"), the password file ("password_file"), the sendmail program ("sendmail_path").
struct EmailOptionError {
  std::string option;
  std::string message;
};
std::optional<EmailOptionError> checkEmailFiles(const EmailOptions& options);

}  // namespace baawatch::sink
