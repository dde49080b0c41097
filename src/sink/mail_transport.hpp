#pragma once
// How one mail leaves (email_sink.hpp states the delivery contract): SMTP with STARTTLS and AUTH,
// or the local sendmail program. Used on the e-mail sink's delivery thread only.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "baawatch/common/expected.hpp"
#include "baawatch/sink/email_sink.hpp"

namespace baawatch::sink {

struct MailEnvelope {
  std::string from;
  std::vector<std::string> to;
  bool operator==(const MailEnvelope&) const = default;
};

enum class DeliveryOutcome : std::uint8_t {
  kSent,       // the server took it (250 after DATA; sendmail exited 0)
  kTransient,  // not now: unreachable, TLS refused, 4xx, AUTH refused, timeout; try again later
  kRejected,   // the server refused this mail (5xx to MAIL, every RCPT, or DATA)
};

struct DeliveryResult {
  DeliveryOutcome outcome = DeliveryOutcome::kTransient;
  std::string detail;  // what happened, for the log: "connect to 10.0.0.5:587: Connection refused"
};

class MailTransport {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~MailTransport() = default;
  // `message`: RFC 5322 with CRLF line ends, as renderMail() makes it. Returns by `deadline`
  // (give or take one poll).
  virtual DeliveryResult deliver(const MailEnvelope& envelope, std::string_view message,
                                 Clock::time_point deadline) = 0;
};

// SMTP submission. `password` is the password file's first line (empty without AUTH).
Expected<std::unique_ptr<MailTransport>, std::string> openSmtpTransport(const SmtpOptions& options,
                                                                        std::string password,
                                                                        std::string heloName);
// `sendmail -t -oi`: recipients from the message's To: header, a line holding only "." is data.
std::unique_ptr<MailTransport> openSendmailTransport(std::string path);

// SMTP's transparency (RFC 5321 §4.5.2): a line starting with '.' gets another, and the message
// ends with CRLF "." CRLF.
std::string dotStuffed(std::string_view message);

}  // namespace baawatch::sink
