#include "mail_message.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <ctime>

#include "baawatch/report/plain_words.hpp"
#include "baawatch/report/record_fields.hpp"
#include "baawatch/report/time_format.hpp"

namespace baawatch::sink {
namespace {

using nlohmann::json;

constexpr Microseconds kHour = 3600LL * 1'000'000;
constexpr Microseconds kDay = 24 * kHour;
// A digest lists many entries: the strongest few observations each, the rest is in the report.
constexpr std::size_t kEvidencePerEntry = 4;

std::string textOf(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return {};
  return found->get<std::string>();
}

const json* childOf(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

std::string plural(std::uint64_t count, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

std::string serviceName(const report::ServiceRef& service) {
  std::string name = service.name.empty() ? service.id : service.name;
  return plainText(name.empty() ? std::string("an unnamed service") : name);
}

std::string serviceWithVendor(const report::ServiceRef& service) {
  std::string name = serviceName(service);
  if (service.vendor.empty() || service.name.find(service.vendor) != std::string::npos) return name;
  return fmt::format("{} ({})", name, plainText(service.vendor));
}

// What a person calls the device, then how else the network knows it.
std::string deviceWords(const report::DeviceRef& device) {
  std::string label = plainText(device.label());
  std::vector<std::string> also;
  if (!device.ip.empty() && device.ip != device.label()) also.push_back("address " + device.ip);
  if (!device.mac.empty() && device.mac != device.label()) also.push_back("MAC " + device.mac);
  if (device.hostName.empty()) also.push_back("no device name seen");
  std::string text = label;
  for (std::size_t i = 0; i < also.size(); ++i) text += (i == 0 ? ", " : ", ") + also[i];
  return text;
}

std::string baaWords(const report::ServiceRef& service, std::string_view policyRule) {
  // The report's own sentence for a service's BAA status.
  report::ServiceSummary summary;
  summary.service = service;
  summary.baaOnFile = policyRule.starts_with("baa_on_file");
  return summary.baaWords();
}

std::string capitalised(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
  return text;
}

std::string siteOr(const std::string& site, const MailContext& context) {
  return plainText(site.empty() ? context.sensor : site);
}

// A section title and its underline.
std::string heading(std::string_view title) {
  return fmt::format("\n{}\n{}\n", title, std::string(title.size(), '-'));
}

// The paragraphs every mail ends with: what the words mean and where the whole story is.
// `from` and `to`: the packet times the mail is about, the days `baawatch report` is asked for.
void appendHowToRead(std::string& body, const MailContext& context, Timestamp from, Timestamp to) {
  std::string log = context.logPath.empty() || context.logPath == "-"
                        ? std::string("LOG")
                        : plainText(context.logPath);
  body += heading("How to read this");
  body +=
      "An alert means a device on the clinic's network used a messaging or video service for "
      "which the clinic's policy has no Business Associate Agreement (BAA): what staff send over "
      "it is not covered by one. An encounter is one device using one service from its first to "
      "its last connection; one encounter can hold several alerts. A service that hides traffic "
      "from the monitor (a VPN, iCloud Private Relay, encrypted DNS) is named because while it "
      "is on, baawatch cannot see what the device uses.\n\n";
  body +=
      "Devices are named as the network knows them: the name the device gave itself, its address "
      "and its hardware (MAC) address. Times are UTC. baawatch never records what was said or "
      "sent: this mail holds only which device talked to which service, when and how much.\n\n";
  body += "For the whole picture, with the evidence, the breach risk assessments and a place for "
          "your decisions, run on the sensor:\n\n";
  body += fmt::format("    baawatch report {} --from {} --to {}\n\n", log,
                      report::formatIsoDay(report::dayNumber(from)),
                      report::formatIsoDay(report::dayNumber(to)));
  body += "and open baawatch-report/report.html (docs/report.md says what it shows).";
  if (log == "LOG") body += " LOG is the JSON-lines log the sensor writes (output.json).";
  body += " Every alert and encounter id in this mail is in the log and in the report.\n";
}

void appendAlert(std::string& body, std::size_t number, const MailAlert& alert,
                 std::size_t evidenceShown) {
  std::string device = plainText(alert.device.label());
  std::string what = alert.visibility
                         ? fmt::format("{} used {}, which hides its traffic from the monitor",
                                       device, serviceName(alert.service))
                         : fmt::format("{} used {} ({})", device, serviceName(alert.service),
                                       report::kindWords(alert.kind, alert.media));
  body += fmt::format("{}. {}: {}\n", number, report::formatReadable(alert.time), what);
  body += fmt::format("   Device: {}\n", deviceWords(alert.device));
  body += fmt::format("   Service: {}: {}\n", serviceWithVendor(alert.service),
                      baaWords(alert.service, alert.policyRule));
  if (!alert.policyReason.empty() || !alert.severity.empty()) {
    body += fmt::format("   Why it matters: {}{}\n", plainText(alert.policyReason),
                        alert.severity.empty()
                            ? std::string()
                            : fmt::format(" (severity {})", plainText(alert.severity)));
  }
  for (std::size_t i = 0; i < alert.evidence.size() && i < evidenceShown; ++i) {
    body += fmt::format("   Seen: {}\n", alert.evidence[i]);
  }
  if (!alert.server.empty()) body += fmt::format("   Connection: to {}\n", alert.server);
  body += fmt::format("   Alert id: {}{}\n", plainText(alert.alertId),
                      alert.mailedAtOnce ? " (mailed at once when it happened)" : "");
}

void appendEncounter(std::string& body, std::size_t number, const report::EncounterEntry& entry) {
  body += fmt::format("{}. {}: {}\n", number, plainText(entry.device.label()),
                      plainText(entry.headline));
  body += fmt::format("   From {} to {} ({}), {}\n", report::formatReadable(entry.start),
                      report::formatReadable(entry.end),
                      report::formatDuration(entry.durationSeconds),
                      plural(entry.flows, "connection", "connections"));
  body += fmt::format("   Device: {}\n", deviceWords(entry.device));
  body += fmt::format("   Service: {}: {}\n", serviceWithVendor(entry.service),
                      baaWords(entry.service, entry.policyRule));
  body += fmt::format("   Data: {} sent by the device, {} received\n",
                      report::formatBytes(static_cast<double>(entry.bytesFromDevice)),
                      report::formatBytes(static_cast<double>(entry.bytesToDevice)));
  for (std::size_t i = 0; i < entry.evidence.size() && i < kEvidencePerEntry; ++i) {
    body += fmt::format("   Seen: {}\n", plainText(entry.evidence[i].words));
  }
  if (entry.assessmentRequired) {
    body += "   Needs a breach risk assessment (45 CFR 164.402): the report has the facts and a "
            "box for the decision.\n";
  }
  body += fmt::format("   Encounter id: {}\n", plainText(entry.id));
}

bool listedEncounter(const report::EncounterEntry& entry) {
  return entry.policyAction == "alert" || entry.policyAction == "visibility";
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

bool printableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 32 && c < 127; });
}

// Length of the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte).
std::size_t sequenceLength(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::string base64Encode(std::string_view bytes) { return base64(bytes); }

std::string_view toString(DigestPeriod period) {
  return period == DigestPeriod::kHourly ? "hourly" : "daily";
}

Timestamp nextDigestBoundary(Timestamp now, DigestPeriod period) {
  Microseconds length = period == DigestPeriod::kHourly ? kHour : kDay;
  return {(now.micros / length + 1) * length};
}

std::string plainText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) {
      out.push_back(' ');
    } else if (byte == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out.push_back(' ');  // a C1 control (U+0080..U+009F)
      ++i;
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
  return out;
}

bool severityAtLeast(std::string_view severity, policy::Severity threshold) {
  auto named = policy::severityNamed(severity);
  return named && *named >= threshold;
}

std::optional<MailAlert> readMailAlert(const json& record) {
  std::string type = textOf(record, "event_type");
  if (type != "alert" && type != "visibility") return std::nullopt;
  auto time = report::parseRfc3339(textOf(record, "timestamp"));
  if (!time) return std::nullopt;
  MailAlert alert;
  alert.time = *time;
  alert.visibility = type == "visibility";
  alert.device = report::deviceOf(record);
  alert.service = report::serviceOf(record);
  alert.severity = textOf(record, "severity");
  alert.kind = textOf(record, "kind");
  alert.media = textOf(record, "media");
  if (const json* policy = childOf(record, "policy")) {
    alert.policyRule = textOf(*policy, "rule");
    alert.policyReason = textOf(*policy, "reason");
  }
  for (const auto& item : report::evidenceOf(record)) {
    std::string words = plainText(report::describeEvidence(item, alert.service));
    if (std::find(alert.evidence.begin(), alert.evidence.end(), words) == alert.evidence.end()) {
      alert.evidence.push_back(std::move(words));
    }
  }
  if (const json* flow = childOf(record, "flow")) {
    std::string server = textOf(*flow, "server_ip");
    auto port = flow->find("server_port");
    if (!server.empty()) {
      alert.server = server;
      if (port != flow->end() && port->is_number_unsigned()) {
        alert.server += fmt::format(" port {}", port->get<std::uint64_t>());
      }
      if (auto protocol = textOf(*flow, "protocol"); !protocol.empty()) {
        alert.server += fmt::format(" ({})", plainText(protocol));
      }
    }
  }
  alert.alertId = textOf(record, "alert_id");
  alert.site = textOf(record, "site");
  alert.sensor = textOf(record, "sensor");
  return alert;
}

void DigestBook::add(const json& record, bool mailedAtOnce) {
  std::string type = textOf(record, "event_type");
  if (type == "alert" || type == "visibility") {
    auto alert = readMailAlert(record);
    if (!alert) return;
    alert->mailedAtOnce = mailedAtOnce;
    if (alerts_.size() < kMaxListed) {
      alerts_.push_back(std::move(*alert));
    } else {
      ++alertsNotListed_;
    }
    report_.addRecord(record);  // the per-service and per-device summaries
  } else if (type == "encounter") {
    if (encounters_ >= kMaxRead) {
      ++encountersNotRead_;
      return;
    }
    ++encounters_;
    report_.addRecord(record);
  } else {
    return;
  }
  if (auto site = textOf(record, "site"); !site.empty()) site_ = site;
}

MailText DigestBook::compose(const DigestSpan& span, const MailContext& context) {
  report::ReportData data = report_.finish();
  std::vector<const report::EncounterEntry*> listed;
  std::uint64_t countedOnly = 0;
  for (const auto& entry : data.encounters) {
    if (listedEncounter(entry)) {
      listed.push_back(&entry);
    } else {
      ++countedOnly;
    }
  }
  std::uint64_t alerts = alertCount();
  std::uint64_t encounters = listed.size() + encountersNotRead_;
  std::string site = siteOr(site_, context);
  std::string period = capitalised(std::string(toString(span.period)));

  MailText mail;
  mail.subject =
      alerts == 0 && encounters == 0
          ? fmt::format("[baawatch] {}: nothing to report ({} digest to {})", site,
                        toString(span.period), report::formatReadable(span.to))
          : fmt::format("[baawatch] {}: {}, {} ({} digest to {})", site,
                        plural(alerts, "alert", "alerts"),
                        plural(encounters, "encounter", "encounters"), toString(span.period),
                        report::formatReadable(span.to));
  std::string& body = mail.body;
  body += fmt::format("{} digest from baawatch at {} (sensor {}), for {} to {}.\n", period, site,
                      plainText(context.sensor), report::formatReadable(span.from),
                      report::formatReadable(span.to));
  if (span.stoppedEarly) {
    body += "The sensor stopped before the period ended: this digest covers what it saw until "
            "then.\n";
  }
  body += "\n";
  if (alerts == 0 && encounters == 0) {
    body += "Nothing to report in this period: no alert and no encounter with a service the "
            "policy alerts on.\n";
  } else {
    body += fmt::format("In this period: {} and {}, on {}, with {}.\n",
                        plural(alerts, "alert", "alerts"),
                        plural(encounters, "encounter", "encounters"),
                        plural(data.devices.size(), "device", "devices"),
                        plural(data.services.size(), "service", "services"));
  }

  if (!data.services.empty()) {
    body += heading("Services");
    for (const auto& [id, service] : data.services) {
      body += fmt::format("- {}: {}, {}{} on {}. {}.\n", serviceWithVendor(service.service),
                          plural(service.alerts, "alert", "alerts"),
                          plural(service.encounters, "encounter", "encounters"),
                          service.calls > 0
                              ? fmt::format(" ({})", plural(service.calls, "call", "calls"))
                              : std::string(),
                          plural(service.devices.empty() ? 1 : service.devices.size(), "device",
                                 "devices"),
                          service.baaWords());
    }
  }

  if (!alerts_.empty()) {
    body += heading(fmt::format("Alerts ({})", alerts));
    std::stable_sort(alerts_.begin(), alerts_.end(),
                     [](const MailAlert& a, const MailAlert& b) { return a.time < b.time; });
    for (std::size_t i = 0; i < alerts_.size(); ++i) {
      appendAlert(body, i + 1, alerts_[i], kEvidencePerEntry);
    }
    if (alertsNotListed_ > 0) {
      body += fmt::format("{} not listed here (at most {} per mail): see the report.\n",
                          plural(alertsNotListed_, "more alert is", "more alerts are"),
                          kMaxListed);
    }
  }

  if (!listed.empty() || encountersNotRead_ > 0) {
    body += heading(fmt::format("Encounters ({})", encounters));
    std::size_t shown = std::min(listed.size(), kMaxListed);
    for (std::size_t i = 0; i < shown; ++i) appendEncounter(body, i + 1, *listed[i]);
    std::uint64_t hidden = (listed.size() - shown) + encountersNotRead_;
    if (hidden > 0) {
      body += fmt::format("{} not listed here (at most {} per mail): see the report.\n",
                          plural(hidden, "more encounter is", "more encounters are"), kMaxListed);
    }
  }
  if (!span.stoppedEarly) {
    // An encounter is written when it ends (at a stop, every open one is ended first).
    body += "\nAn encounter still going on at the end of the period is in the next digest.\n";
  }
  if (countedOnly > 0) {
    body += fmt::format(
        "{} with services the policy only counts (BAA on file, presence, exemptions) {} in the "
        "log and the report, not here.\n",
        plural(countedOnly, "encounter", "encounters"), countedOnly == 1 ? "is" : "are");
  }
  // The records' own (packet) times: on a live sensor the period's days, for a capture its own.
  appendHowToRead(body, context, data.firstRecord.value_or(span.from),
                  data.lastRecord.value_or(span.to));
  return mail;
}

MailText composeAlertMail(const MailAlert& alert, const MailContext& context) {
  std::string site = siteOr(alert.site, context);
  std::string device = plainText(alert.device.label());
  MailText mail;
  mail.subject = fmt::format("[baawatch] {} alert at {}: {} used {}",
                             capitalised(plainText(alert.severity)), site, device,
                             serviceName(alert.service));
  std::string& body = mail.body;
  std::string sensor = alert.sensor.empty() ? context.sensor : alert.sensor;
  body += fmt::format("{} used {} ({}) at {}, at {} (sensor {}).\n\n", device,
                      serviceName(alert.service),
                      alert.visibility ? std::string("it hides traffic from the monitor")
                                       : report::kindWords(alert.kind, alert.media),
                      report::formatReadable(alert.time), site, plainText(sensor));
  appendAlert(body, 1, alert, alert.evidence.size());
  body += fmt::format(
      "\nThis alert was mailed at once because its severity is {} (the configuration mails "
      "alerts of severity {} and above at once). It is listed again in the next digest, with the "
      "encounter it belongs to once that has ended.\n",
      plainText(alert.severity), context.immediateSeverity);
  appendHowToRead(body, context, alert.time, alert.time);
  return mail;
}

std::string rfc5322Date(Timestamp time) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t seconds = static_cast<std::time_t>(time.micros / 1'000'000);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[parts.tm_wday], parts.tm_mday,
                     kMonths[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour, parts.tm_min,
                     parts.tm_sec);
}

std::string quotedPrintable(std::string_view text) {
  // RFC 2045 §6.7: at most 76 characters a line, a soft break "=" counting as one.
  constexpr std::size_t kMaxLine = 76;
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    bool last = end == std::string_view::npos;
    std::string_view line = text.substr(start, last ? std::string_view::npos : end - start);
    if (last && line.empty()) break;  // the text ended with '\n'
    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto byte = static_cast<unsigned char>(line[i]);
      bool atEnd = i + 1 == line.size();
      // "From " at a line's start is mangled by mbox files; '.' alone is SMTP's end of data.
      bool guard = i == 0 && (line.starts_with("From ") || line[0] == '.');
      std::string token;
      if (byte == '=' || byte > 126 || (byte < 32 && byte != '\t') ||
          ((byte == ' ' || byte == '\t') && atEnd) || guard) {
        token = fmt::format("={:02X}", byte);
      } else {
        token.assign(1, static_cast<char>(byte));
      }
      if (column + token.size() > kMaxLine - 1) {
        out += "=\r\n";
        column = 0;
      }
      out += token;
      column += token.size();
    }
    out += "\r\n";
    if (last) break;
    start = end + 1;
  }
  return out;
}

std::string encodeHeaderText(std::string_view name, std::string_view value) {
  std::string text = plainText(value);
  std::string out = std::string(name) + ":";
  std::size_t column = out.size();
  if (printableAscii(text)) {
    // Fold between words (RFC 5322 §2.2.3) so no line passes 78 characters where avoidable.
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t space = text.find(' ', start);
      std::string_view word = std::string_view(text).substr(
          start, space == std::string::npos ? std::string::npos : space - start);
      if (column + 1 + word.size() > 78 && column > name.size() + 1) {
        out += "\r\n";
        column = 0;
      }
      out += ' ';
      out += word;
      column += 1 + word.size();
      if (space == std::string::npos) break;
      start = space + 1;
    }
    return out;
  }
  // RFC 2047 encoded words of at most 39 bytes (52 characters of base64), cut between whole UTF-8
  // characters; the folding white space between two encoded words is not part of the text.
  std::size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    std::size_t end = start;
    while (end < text.size()) {
      std::size_t next = end + sequenceLength(static_cast<unsigned char>(text[end]));
      if (next - start > 39) break;
      end = std::min(next, text.size());
    }
    if (end == start) end = std::min(start + 1, text.size());
    out += first ? " " : "\r\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(text).substr(start, end - start)) + "?=";
    first = false;
    start = end;
  }
  return out;
}

std::string renderMail(const MailHeaders& headers, const MailText& text) {
  std::string to;
  for (const auto& address : headers.to) to += (to.empty() ? "" : ", ") + address;
  std::string mail;
  mail += "Date: " + rfc5322Date(headers.date) + "\r\n";
  mail += "From: " + headers.from + "\r\n";
  mail += encodeHeaderText("To", to) + "\r\n";
  mail += encodeHeaderText("Subject", text.subject) + "\r\n";
  mail += "Message-ID: <" + headers.messageId + ">\r\n";
  mail += "MIME-Version: 1.0\r\n";
  mail += "Content-Type: text/plain; charset=utf-8\r\n";
  mail += "Content-Transfer-Encoding: quoted-printable\r\n";
  mail += "Auto-Submitted: auto-generated\r\n";
  mail += "X-Baawatch-Kind: " + headers.kind + "\r\n";
  mail += "\r\n";
  mail += quotedPrintable(text.body);
  return mail;
}

}  // namespace baawatch::sink
