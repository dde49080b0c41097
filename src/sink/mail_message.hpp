#pragma once
// What the e-mail sink writes: the digest and the immediate alert mail in plain words, and the
// RFC 5322 message around them. Words come from the report's own phrases (report/plain_words),
// so a mail and `baawatch report` describe one encounter alike. Records hold no payload byte, and
// nothing here adds one: only names, addresses, times, counts and our own words. Text from the
// wire (host names, server names) is freed of control characters before it goes anywhere, and
// header text is RFC 2047-encoded, so a crafted DHCP host name cannot add a header or a line.
// Pure functions and one value type; single-threaded.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/common/timestamp.hpp"
#include "baawatch/report/report_builder.hpp"
#include "baawatch/report/report_data.hpp"
#include "baawatch/sink/email_sink.hpp"

namespace baawatch::sink {

// One `alert` or `visibility` record as a mail tells it.
struct MailAlert {
  Timestamp time;
  bool visibility = false;
  report::DeviceRef device;
  report::ServiceRef service;
  std::string severity;                 // info, low, medium, high, critical
  std::string kind;                     // call, messaging, web, presence
  std::string media;
  std::string policyRule;
  std::string policyReason;
  std::vector<std::string> evidence;    // in words
  std::string server;                   // "157.240.229.60 port 443 (tcp)"
  std::string alertId;
  std::string site;
  std::string sensor;
  bool mailedAtOnce = false;
};

// nullopt for a record that is not an alert or visibility record, or has no usable timestamp.
std::optional<MailAlert> readMailAlert(const nlohmann::json& record);
// The record's severity is `threshold` or higher; a record without one never is.
bool severityAtLeast(std::string_view severity, policy::Severity threshold);

struct MailText {
  std::string subject;  // one line, may hold UTF-8 (renderMail encodes it)
  std::string body;     // lines ended by '\n'
};

// Who the mail speaks for and where the full log is.
struct MailContext {
  std::string sensor;   // used when no record named its site
  std::string logPath;  // for the `baawatch report` line; "-" or empty: "the JSON-lines log"
  std::string immediateSeverity = "high";  // the configured threshold, for the alert mail's words
};

// The period a digest covers, on the sensor's clock.
struct DigestSpan {
  DigestPeriod period = DigestPeriod::kDaily;
  Timestamp from;
  Timestamp to;
  bool stoppedEarly = false;  // the sensor stopped before the period ended
};

// The records of one digest period. Alerts are listed up to kMaxListed (the rest counted);
// encounters are read into a report::ReportBuilder up to kMaxRead (the rest counted), which
// gives the per-service and per-device summaries and each encounter's words.
class DigestBook {
 public:
  static constexpr std::size_t kMaxListed = 100;   // alerts and encounters written out per mail
  static constexpr std::size_t kMaxRead = 10000;   // encounters kept per period

  // alert, visibility and encounter records; anything else is ignored.
  void add(const nlohmann::json& record, bool mailedAtOnce);
  bool empty() const { return alerts_.empty() && alertsNotListed_ == 0 && encounters_ == 0; }
  std::uint64_t alertCount() const { return alerts_.size() + alertsNotListed_; }
  // The digest; the book is spent afterwards (start a new one).
  MailText compose(const DigestSpan& span, const MailContext& context);

 private:
  report::ReportBuilder report_;
  std::vector<MailAlert> alerts_;
  std::uint64_t alertsNotListed_ = 0;
  std::uint64_t encounters_ = 0;         // encounter records read into report_
  std::uint64_t encountersNotRead_ = 0;  // beyond kMaxRead
  std::string site_;                     // of the latest record
};

// The mail for one alert at or above the immediate severity.
MailText composeAlertMail(const MailAlert& alert, const MailContext& context);

struct MailHeaders {
  std::string from;
  std::vector<std::string> to;
  std::string messageId;   // without the angle brackets
  Timestamp date;
  std::string kind;        // "digest" or "alert": X-Baawatch-Kind, for the clinic's mail filters
};

// RFC 5322 and MIME: CRLF line ends, Subject RFC 2047-encoded when it is not ASCII and folded,
// a text/plain UTF-8 body in quoted-printable (so every line is 7-bit and at most 76 characters,
// whatever the server's extensions), Auto-Submitted (RFC 3834) so that no autoresponder answers.
std::string renderMail(const MailHeaders& headers, const MailText& text);

// RFC 2045 §6.7: '\n' in `text` becomes a hard line break (CRLF), long lines get soft breaks.
std::string quotedPrintable(std::string_view text);
// An unstructured header value: as is when printable ASCII, else RFC 2047 "B" encoded words of
// whole UTF-8 characters; folded so no line passes 78 characters.
std::string encodeHeaderText(std::string_view name, std::string_view value);
// RFC 5322 §3.3, in UTC: "Tue, 11 Mar 2025 14:02:07 +0000".
std::string rfc5322Date(Timestamp time);
// RFC 4648 base64 (encoded words, AUTH).
std::string base64Encode(std::string_view bytes);
// Text from a record made safe for a mail: control characters (C0, DEL, C1) become spaces.
std::string plainText(std::string_view text);

}  // namespace baawatch::sink
