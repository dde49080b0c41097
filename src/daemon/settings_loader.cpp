// Loads baawatch.yaml (format: docs/configuration.md). Every key is optional and starts from the
// defaults in settings.hpp; whatever is present is checked with its file:line:column.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "baawatch/capture/pcap_live_source.hpp"
#include "baawatch/common/config_error.hpp"
#include "baawatch/common/yaml_support.hpp"
#include "baawatch/daemon/settings_loader.hpp"
#include "baawatch/policy/policy.hpp"

namespace baawatch::daemon {

using engine::CaptureSettings;
using engine::EmailSettings;
using engine::FlowSettings;
using engine::kMaxWorkers;
using engine::OutputSettings;
using engine::SensorSettings;
using engine::Settings;
using engine::SyslogDestination;

namespace {

// A path written in the config file means "next to this file", so `baawatch -c /etc/x.yaml`
// behaves the same from any working directory.
std::string resolvePath(const yaml::Node& node, const std::filesystem::path& folder) {
  std::string text = node.asString();
  if (text.empty()) node.fail("must not be empty");
  std::filesystem::path path(text);
  if (path.is_absolute() || folder.empty()) return path.lexically_normal().string();
  return (folder / path).lexically_normal().string();
}

// Durations that must be positive: a zero timeout or interval would end every flow at once or
// spin the reporter.
double positiveDuration(const yaml::Node& node) {
  double seconds = node.asDurationSeconds();
  if (seconds <= 0) node.fail("must be longer than 0");
  return seconds;
}

// Facility names of RFC 5424 §6.2.1 table 1 as syslog.conf spells them.
int facilityCode(const yaml::Node& node) {
  static constexpr std::pair<std::string_view, int> kFacilities[] = {
      {"kern", 0},    {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},
      {"syslog", 5},  {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},
      {"authpriv", 10}, {"ftp", 11},  {"local0", 16}, {"local1", 17}, {"local2", 18},
      {"local3", 19}, {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23}};
  std::string text = node.asString();
  for (const auto& [name, code] : kFacilities) {
    if (text == name) return code;
  }
  node.fail(fmt::format("'{}' is not a syslog facility (kern, user, daemon, auth, local0..local7, ...)",
                        text));
}

// "host:port" or "[v6]:port"; the port is required so a typo never silently means 514.
void parseAddress(const yaml::Node& node, SyslogDestination& destination) {
  std::string text = node.asString();
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      node.fail(fmt::format("'{}' is not [address]:port", text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      node.fail(fmt::format("'{}' is not host:port", text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  char* end = nullptr;
  long value = port.empty() ? 0 : std::strtol(port.c_str(), &end, 10);
  if (host.empty() || port.empty() || *end != '\0' || value < 1 || value > 65535) {
    node.fail(fmt::format("'{}' is not host:port with a port from 1 to 65535", text));
  }
  destination.host = host;
  destination.port = static_cast<std::uint16_t>(value);
}

// transport: tls (RFC 5425): the CA file is required (a TLS session nobody verified is no
// protection), our certificate and key come as a pair, and OpenSSL reads all three now, so a bad
// file is refused with its place in the config instead of at the first connection.
void loadSyslogTls(const yaml::Node& node, const std::filesystem::path& folder,
                   SyslogDestination& destination) {
  static constexpr std::string_view kTlsKeys[] = {"ca_file", "server_name", "cert_file",
                                                  "key_file"};
  if (destination.transport != sink::SyslogTransport::kTls) {
    for (auto key : kTlsKeys) {
      if (node.has(key)) node.child(key).fail("only used with transport: tls");
    }
    return;
  }
  if (!node.has("ca_file")) {
    node.fail("missing 'ca_file' (the CA certificates, PEM, that the receiver's certificate must "
              "chain to)");
  }
  destination.caFile = resolvePath(node.child("ca_file"), folder);
  if (node.has("server_name")) {
    yaml::Node name = node.child("server_name");
    destination.serverName = name.asString();
    if (destination.serverName.empty()) name.fail("must not be empty (leave it out to use the host)");
  }
  if (node.has("cert_file") != node.has("key_file")) {
    node.fail(node.has("cert_file") ? "'cert_file' without 'key_file' (mutual TLS needs both)"
                                    : "'key_file' without 'cert_file' (mutual TLS needs both)");
  }
  if (node.has("cert_file")) {
    destination.certFile = resolvePath(node.child("cert_file"), folder);
    destination.keyFile = resolvePath(node.child("key_file"), folder);
  }
  if (auto error = sink::checkSyslogTlsFiles(destination)) {
    node.child(node.has(error->option) ? error->option : std::string("transport"))
        .fail(error->message);
  }
}

SyslogDestination loadSyslogDestination(const yaml::Node& node,
                                        const std::filesystem::path& folder) {
  node.requireMap();
  node.allowOnlyKeys({"transport", "address", "socket", "facility", "app_name", "spool",
                      "spool_max_bytes", "event_types", "ca_file", "server_name", "cert_file",
                      "key_file"});
  SyslogDestination destination;
  std::string transport = node.stringOr("transport", "udp");
  if (transport == "udp") {
    destination.transport = sink::SyslogTransport::kUdp;
  } else if (transport == "tcp") {
    destination.transport = sink::SyslogTransport::kTcp;
  } else if (transport == "tls") {
    destination.transport = sink::SyslogTransport::kTls;
  } else if (transport == "unix") {
    destination.transport = sink::SyslogTransport::kUnix;
  } else {
    node.child("transport").fail(fmt::format("'{}' is not udp, tcp, tls or unix", transport));
  }
  bool stream = destination.transport == sink::SyslogTransport::kTcp ||
                destination.transport == sink::SyslogTransport::kTls;
  if (destination.transport == sink::SyslogTransport::kUnix) {
    if (node.has("address")) node.child("address").fail("not used with transport: unix (use socket:)");
    if (node.has("socket")) destination.socketPath = resolvePath(node.child("socket"), folder);
  } else {
    if (node.has("socket")) node.child("socket").fail("only used with transport: unix");
    if (!node.has("address")) node.fail("missing 'address' (host:port)");
    parseAddress(node.child("address"), destination);
  }
  if (node.has("facility")) destination.facility = facilityCode(node.child("facility"));
  if (node.has("app_name")) {
    // RFC 5424 §6.2.5: APP-NAME is 1*48 PRINTUSASCII.
    yaml::Node app = node.child("app_name");
    std::string name = app.asString();
    bool printable = !name.empty() && name.size() <= 48;
    for (char c : name) printable = printable && c > 32 && c < 127;
    if (!printable) app.fail("must be 1 to 48 printable ASCII characters without spaces");
    destination.appName = name;
  }
  loadSyslogTls(node, folder, destination);
  if (node.has("spool")) {
    if (!stream) {
      node.child("spool").fail("only TCP and TLS destinations spool (UDP and unix cannot tell loss)");
    }
    destination.spoolFile = resolvePath(node.child("spool"), folder);
  }
  if (node.has("spool_max_bytes")) {
    destination.spoolMaxBytes = static_cast<std::uint64_t>(
        node.child("spool_max_bytes").asInteger(4096, 1LL << 40));
  }
  if (node.has("event_types")) {
    yaml::Node types = node.child("event_types");
    types.requireSequence();
    for (std::size_t i = 0; i < types.size(); ++i) {
      yaml::Node type = types.at(i);
      std::string text = type.asString();
      std::optional<record::EventType> known;
      std::string names;
      for (record::EventType built : record::builtEventTypes()) {
        if (record::toString(built) == text) known = built;
        names += (names.empty() ? "" : ", ") + std::string(record::toString(built));
      }
      if (!known) type.fail(fmt::format("'{}' is not an event type ({})", text, names));
      destination.eventTypes.push_back(*known);
    }
  }
  return destination;
}

// An addr-spec (RFC 5322 §3.4.1) in the form every mail system takes: local@domain, without
// spaces, quotes, angle brackets or comments. A display name ("Clinic <x@y>") is not taken: it
// goes into a header as given and would have to be encoded there.
std::string mailAddress(const yaml::Node& node) {
  std::string text = node.asString();
  auto at = text.find('@');
  bool valid = at != std::string::npos && at > 0 && at + 1 < text.size() &&
               text.find('@', at + 1) == std::string::npos && text.size() <= 254;
  for (unsigned char c : text) {
    valid = valid && c > 32 && c < 127 && std::strchr("<>()[]\\,;:\"", c) == nullptr;
  }
  if (valid) {
    std::string domain = text.substr(at + 1);
    valid = domain.front() != '.' && domain.back() != '.' &&
            domain.find("..") == std::string::npos;
    for (unsigned char c : domain) valid = valid && (std::isalnum(c) || c == '.' || c == '-');
  }
  if (!valid) node.fail(fmt::format("'{}' is not a mail address (name@example.org)", text));
  return text;
}

// A password may cross a connection without TLS only to a mail server on this machine.
bool loopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

void loadSmtp(const yaml::Node& node, const std::filesystem::path& folder,
              sink::SmtpOptions& smtp) {
  node.requireMap();
  node.allowOnlyKeys({"host", "port", "starttls", "ca_file", "server_name", "username",
                      "password_file", "timeout"});
  if (!node.has("host")) node.fail("missing 'host' (the mail server: name or address)");
  yaml::Node host = node.child("host");
  smtp.host = host.asString();
  // "mail.example:587" is refused (the port goes in port:); an IPv6 address has two colons or more.
  bool hostLike = !smtp.host.empty() && smtp.host.find_first_of(" \t/[]@") == std::string::npos &&
                  std::count(smtp.host.begin(), smtp.host.end(), ':') != 1;
  if (!hostLike) {
    host.fail(fmt::format("'{}' is not a host name or address (the port goes in 'port')",
                          smtp.host));
  }
  std::string startTls = node.stringOr("starttls", "required");
  if (startTls == "required") {
    smtp.startTls = sink::StartTls::kRequired;
  } else if (startTls == "none") {
    smtp.startTls = sink::StartTls::kNone;
    smtp.port = 25;  // a relay without TLS is the local MTA's port 25
  } else {
    node.child("starttls").fail(fmt::format("'{}' is not required or none", startTls));
  }
  if (node.has("port")) smtp.port = static_cast<std::uint16_t>(node.child("port").asInteger(1, 65535));
  for (std::string_view key : {"ca_file", "server_name"}) {
    if (node.has(key) && smtp.startTls == sink::StartTls::kNone) {
      node.child(key).fail("only used with starttls: required");
    }
  }
  if (node.has("ca_file")) smtp.caFile = resolvePath(node.child("ca_file"), folder);
  if (node.has("server_name")) {
    yaml::Node name = node.child("server_name");
    smtp.serverName = name.asString();
    if (smtp.serverName.empty()) name.fail("must not be empty (leave it out to use the host)");
  }
  if (node.has("username") != node.has("password_file")) {
    node.fail(node.has("username") ? "'username' without 'password_file' (AUTH needs both)"
                                   : "'password_file' without 'username' (AUTH needs both)");
  }
  if (node.has("username")) {
    yaml::Node user = node.child("username");
    smtp.username = user.asString();
    if (smtp.username.empty()) user.fail("must not be empty (leave username and password_file out for no AUTH)");
    if (smtp.startTls == sink::StartTls::kNone && !loopbackHost(smtp.host)) {
      user.fail("a password must not cross the network in clear: use starttls: required (only "
                "a mail server on this machine, localhost or 127.0.0.1 or ::1, may be given one "
                "without TLS)");
    }
    smtp.passwordFile = resolvePath(node.child("password_file"), folder);
  }
  if (node.has("timeout")) smtp.timeoutSeconds = positiveDuration(node.child("timeout"));
}

void loadEmail(const yaml::Node& node, const std::filesystem::path& folder, EmailSettings& email) {
  node.requireMap();
  node.allowOnlyKeys({"to", "from", "digest", "immediate_severity", "send_empty", "transport",
                      "smtp", "sendmail_path", "spool_dir", "spool_max_bytes", "max_retries",
                      "retry_backoff", "max_backoff"});
  if (!node.has("to")) node.fail("missing 'to' (the addresses the mails go to)");
  yaml::Node to = node.child("to");
  if (to.isScalar()) {
    email.to.push_back(mailAddress(to));
  } else {
    to.requireSequence();
    if (to.size() == 0) to.fail("must name at least one address");
    for (std::size_t i = 0; i < to.size(); ++i) email.to.push_back(mailAddress(to.at(i)));
  }
  if (!node.has("from")) {
    node.fail("missing 'from' (the sender address, one the mail server accepts from this sensor)");
  }
  email.from = mailAddress(node.child("from"));
  if (node.has("digest")) {
    yaml::Node digest = node.child("digest");
    std::string text = digest.asString();
    if (text == "hourly") {
      email.digest = sink::DigestPeriod::kHourly;
    } else if (text == "daily") {
      email.digest = sink::DigestPeriod::kDaily;
    } else {
      digest.fail(fmt::format("'{}' is not hourly or daily", text));
    }
  }
  if (node.has("immediate_severity")) {
    yaml::Node severity = node.child("immediate_severity");
    std::string text = severity.asString();
    if (text == "none") {
      email.immediateSeverity.reset();
    } else if (auto named = policy::severityNamed(text)) {
      email.immediateSeverity = *named;
    } else {
      severity.fail(fmt::format(
          "'{}' is not a severity (info, low, medium, high, critical) or none", text));
    }
  }
  email.sendEmpty = node.boolOr("send_empty", email.sendEmpty);
  std::string transport = node.stringOr("transport", "smtp");
  if (transport == "smtp") {
    email.transport = sink::MailTransportKind::kSmtp;
    if (node.has("sendmail_path")) node.child("sendmail_path").fail("only used with transport: sendmail");
    if (!node.has("smtp")) node.fail("missing 'smtp' (host, port, starttls, ...) for transport: smtp");
    loadSmtp(node.child("smtp"), folder, email.smtp);
  } else if (transport == "sendmail") {
    email.transport = sink::MailTransportKind::kSendmail;
    if (node.has("smtp")) node.child("smtp").fail("only used with transport: smtp");
    if (node.has("sendmail_path")) {
      email.sendmailPath = resolvePath(node.child("sendmail_path"), folder);
    }
  } else {
    node.child("transport").fail(fmt::format("'{}' is not smtp or sendmail", transport));
  }
  if (node.has("spool_dir")) email.spoolDir = resolvePath(node.child("spool_dir"), folder);
  if (node.has("spool_max_bytes")) {
    email.spoolMaxBytes =
        static_cast<std::uint64_t>(node.child("spool_max_bytes").asInteger(65536, 1LL << 40));
  }
  if (node.has("max_retries")) {
    email.maxRetries = static_cast<unsigned>(node.child("max_retries").asInteger(0, 1000));
  }
  if (node.has("retry_backoff")) {
    email.retryBackoffSeconds = positiveDuration(node.child("retry_backoff"));
  }
  if (node.has("max_backoff")) {
    yaml::Node maxBackoff = node.child("max_backoff");
    email.maxBackoffSeconds = positiveDuration(maxBackoff);
    if (email.maxBackoffSeconds < email.retryBackoffSeconds) {
      maxBackoff.fail(fmt::format("{} s is shorter than retry_backoff ({} s)",
                                  email.maxBackoffSeconds, email.retryBackoffSeconds));
    }
  } else if (email.maxBackoffSeconds < email.retryBackoffSeconds) {
    node.child("retry_backoff").fail(fmt::format("{} s is longer than max_backoff ({} s)",
                                                 email.retryBackoffSeconds, email.maxBackoffSeconds));
  }
  // The CA file, the password file and the sendmail program are tried now, so a bad one is
  // refused with its place rather than when the first mail is due.
  if (auto error = sink::checkEmailFiles(email)) {
    if (error->option == "sendmail_path") {
      (node.has("sendmail_path") ? node.child("sendmail_path") : node.child("transport"))
          .fail(error->message);
    }
    yaml::Node smtp = node.child("smtp");
    (smtp.has(error->option) ? smtp.child(error->option) : smtp).fail(error->message);
  }
}

// Names go into record ids, syslog headers and SIEM searches: printable, no surrounding space.
std::string sensorText(const yaml::Node& node, std::size_t maxLength) {
  std::string text = node.asString();
  bool printable = !text.empty() && text.size() <= maxLength && text.front() != ' ' &&
                   text.back() != ' ';
  for (unsigned char c : text) printable = printable && c >= 32 && c != 127;
  if (!printable) {
    node.fail(fmt::format("must be 1 to {} printable characters without leading or trailing "
                          "spaces", maxLength));
  }
  return text;
}

void loadSensor(const yaml::Node& node, SensorSettings& sensor) {
  node.requireMap();
  node.allowOnlyKeys({"name", "site", "tenant"});
  if (node.has("name")) {
    // It is syslog's HOSTNAME (RFC 5424 §6.2.4: 1*255 PRINTUSASCII) and the head of record ids.
    yaml::Node name = node.child("name");
    sensor.name = sensorText(name, 255);
    for (char c : sensor.name) {
      if (c == ' ' || c == ':') name.fail("must not hold a space or ':' (it starts every record_id)");
    }
  }
  if (node.has("site")) sensor.site = sensorText(node.child("site"), 255);
  if (node.has("tenant")) sensor.tenant = sensorText(node.child("tenant"), 255);
}

void loadCapture(const yaml::Node& node, CaptureSettings& capture) {
  node.requireMap();
  node.allowOnlyKeys({"snaplen", "buffer_size", "immediate", "promiscuous", "filter"});
  if (node.has("snaplen")) {
    // Below 96 bytes the TLS ClientHello and DNS answers we read are cut off.
    capture.snaplen = static_cast<std::uint32_t>(node.child("snaplen").asInteger(96, 262144));
  }
  if (node.has("buffer_size")) {
    capture.bufferBytes =
        static_cast<std::uint32_t>(node.child("buffer_size").asInteger(65536, 1LL << 31));
  }
  capture.immediate = node.boolOr("immediate", capture.immediate);
  capture.promiscuous = node.boolOr("promiscuous", capture.promiscuous);
  if (node.has("filter")) {
    yaml::Node filter = node.child("filter");
    capture.filter = filter.asString();
    // Refused here, with its place in the file, rather than when the interface is opened.
    std::string error = capture::bpfFilterError(capture.filter, capture.snaplen);
    if (!error.empty()) filter.fail(fmt::format("not a BPF expression libpcap accepts: {}", error));
  }
}

// Every TCP destination spools to a file of its own (by default named after its host and port):
// two sharing one would write over each other's records and, after a restart, deliver each
// other's.
void assignSpoolFiles(const yaml::Node& root, Settings& settings) {
  std::map<std::string, std::size_t> firstUser;
  for (std::size_t i = 0; i < settings.output.syslog.size(); ++i) {
    SyslogDestination& destination = settings.output.syslog[i];
    if (destination.transport != sink::SyslogTransport::kTcp &&
        destination.transport != sink::SyslogTransport::kTls) {
      continue;
    }
    if (destination.spoolFile.empty()) {
      destination.spoolFile = settings.stateDirectory + "/syslog-" + destination.host + "-" +
                              std::to_string(destination.port) + ".spool";
    }
    std::string path = std::filesystem::path(destination.spoolFile).lexically_normal().string();
    auto [first, inserted] = firstUser.emplace(path, i);
    if (inserted) continue;
    yaml::Node node = root.child("output").child("syslog").at(i);
    (node.has("spool") ? node.child("spool") : node)
        .fail(fmt::format("spool file '{}' is already the spool of syslog destination {} (counting "
                          "from 0): give each TCP destination its own 'spool:'",
                          path, first->second));
  }
}

// Each key of `output:` and each syslog destination is checked on its own: one bad destination
// does not hide an error in the next.
void loadOutput(const yaml::Node& node, const std::filesystem::path& folder,
                OutputSettings& output, ConfigErrorCollector& errors) {
  node.requireMap();
  errors.attempt([&] {
    node.allowOnlyKeys({"json", "format", "flow_records", "counts_interval", "stats_interval",
                        "encounter_gap", "syslog", "email", "queue_capacity", "metrics_file"});
  });
  errors.attempt([&] {
    if (!node.has("format")) return;
    yaml::Node format = node.child("format");
    const std::string text = format.asString();
    if (text == "json") {
      output.format = record::RecordFormat::kDefault;
    } else if (text == "ecs") {
      output.format = record::RecordFormat::kEcs;
    } else {
      format.fail(fmt::format("'{}' is not an output format (json, ecs)", text));
    }
  });
  errors.attempt([&] {
    if (!node.has("syslog")) return;
    yaml::Node list = node.child("syslog");
    list.requireSequence();
    for (std::size_t i = 0; i < list.size(); ++i) {
      errors.attempt(
          [&] { output.syslog.push_back(loadSyslogDestination(list.at(i), folder)); });
    }
  });
  errors.attempt([&] {
    if (!node.has("email")) return;
    EmailSettings email;  // kept only when it loaded whole
    loadEmail(node.child("email"), folder, email);
    output.email = std::move(email);
  });
  errors.attempt([&] {
    if (!node.has("queue_capacity")) return;
    output.queueCapacity =
        static_cast<std::uint32_t>(node.child("queue_capacity").asInteger(16, 10000000));
  });
  errors.attempt([&] {
    if (!node.has("json")) return;
    yaml::Node json = node.child("json");
    output.jsonPath = json.asString() == "-" ? "-" : resolvePath(json, folder);
  });
  errors.attempt([&] {
    if (!node.has("metrics_file")) return;
    yaml::Node metrics = node.child("metrics_file");
    std::string path = resolvePath(metrics, folder);
    // node_exporter's textfile collector reads *.prom only: any other name would never be scraped.
    if (!path.ends_with(".prom")) {
      metrics.fail(fmt::format("'{}' must end in .prom (node_exporter's textfile collector reads "
                               "only *.prom files)", metrics.asString()));
    }
    output.metricsFile = path;
  });
  errors.attempt([&] { output.flowRecords = node.boolOr("flow_records", output.flowRecords); });
  errors.attempt([&] {
    if (node.has("counts_interval")) {
      output.countsInterval = positiveDuration(node.child("counts_interval"));
    }
  });
  errors.attempt([&] {
    if (node.has("stats_interval")) {
      output.statsInterval = node.child("stats_interval").asDurationSeconds();
    }
  });
  errors.attempt([&] {
    if (node.has("encounter_gap")) {
      output.encounterGap = node.child("encounter_gap").asDurationSeconds();
    }
  });
}

void loadFlows(const yaml::Node& node, FlowSettings& flows) {
  node.requireMap();
  node.allowOnlyKeys({"max_flows", "ndpi_packet_budget", "ndpi_time_budget", "timeouts"});
  if (node.has("max_flows")) {
    flows.maxFlows = static_cast<std::uint32_t>(node.child("max_flows").asInteger(1, 100000000));
  }
  if (node.has("ndpi_packet_budget")) {
    // nDPI gives up on most protocols within a few dozen packets; past 255 only memory grows.
    flows.ndpiPacketBudget =
        static_cast<std::uint32_t>(node.child("ndpi_packet_budget").asInteger(1, 255));
  }
  if (node.has("ndpi_time_budget")) {
    flows.ndpiTimeBudget = node.child("ndpi_time_budget").asDurationSeconds();
  }
  if (node.has("timeouts")) {
    yaml::Node timeouts = node.child("timeouts");
    timeouts.requireMap();
    timeouts.allowOnlyKeys({"tcp_syn", "tcp_established", "tcp_closed", "udp", "other"});
    auto read = [&](std::string_view key, double& target) {
      if (timeouts.has(key)) target = positiveDuration(timeouts.child(key));
    };
    read("tcp_syn", flows.tcpSynTimeout);
    read("tcp_established", flows.tcpEstablishedTimeout);
    read("tcp_closed", flows.tcpClosedTimeout);
    read("udp", flows.udpTimeout);
    read("other", flows.otherTimeout);
  }
}

void loadDnsCache(const yaml::Node& node, classify::DnsCacheOptions& cache) {
  node.requireMap();
  node.allowOnlyKeys({"max_entries", "min_ttl", "max_ttl"});
  if (node.has("max_entries")) {
    cache.maxEntries =
        static_cast<std::size_t>(node.child("max_entries").asInteger(1, 100000000));
  }
  if (node.has("min_ttl")) cache.minTtl = node.child("min_ttl").asDurationSeconds();
  if (node.has("max_ttl")) {
    yaml::Node maxTtl = node.child("max_ttl");
    cache.maxTtl = maxTtl.asDurationSeconds();
    if (cache.maxTtl < cache.minTtl) {
      maxTtl.fail(fmt::format("{} s is shorter than min_ttl ({} s)", cache.maxTtl, cache.minTtl));
    }
  } else if (cache.maxTtl < cache.minTtl) {
    node.child("min_ttl").fail(
        fmt::format("{} s is longer than max_ttl ({} s)", cache.minTtl, cache.maxTtl));
  }
}

}  // namespace

Settings loadSettings(const std::string& file, ConfigErrorCollector& errors) {
  Settings settings;
  settings.file = file;
  // emplace, not assignment: assigning a YAML::Node writes into the node it refers to.
  std::optional<yaml::Node> loaded;
  if (!errors.attempt([&] { loaded.emplace(yaml::loadFile(file)); })) return settings;
  const yaml::Node& root = *loaded;
  // An empty file or one holding only comments is a valid "all defaults" config.
  if (root.raw().IsNull()) return settings;
  if (!errors.attempt([&] { root.requireMap(); })) return settings;
  errors.attempt([&] {
    root.allowOnlyKeys({"signatures", "policy", "sensor", "output", "flows", "dns_cache",
                        "capture", "user", "state_directory", "workers"});
  });
  std::filesystem::path folder = std::filesystem::path(file).parent_path();

  // The keys do not depend on each other (but spool files, below): each is checked even when
  // one before it failed.
  errors.attempt([&] {
    if (root.has("signatures"))
      settings.signaturesFolder = resolvePath(root.child("signatures"), folder);
  });
  errors.attempt([&] {
    if (root.has("policy")) settings.policyFile = resolvePath(root.child("policy"), folder);
  });
  errors.attempt([&] {
    if (root.has("sensor")) loadSensor(root.child("sensor"), settings.sensor);
  });
  errors.attempt([&] {
    if (root.has("output")) loadOutput(root.child("output"), folder, settings.output, errors);
  });
  errors.attempt([&] {
    if (root.has("flows")) loadFlows(root.child("flows"), settings.flows);
  });
  errors.attempt([&] {
    if (root.has("dns_cache")) loadDnsCache(root.child("dns_cache"), settings.dnsCache);
  });
  errors.attempt([&] {
    if (root.has("capture")) loadCapture(root.child("capture"), settings.capture);
  });
  errors.attempt([&] {
    if (!root.has("user")) return;
    yaml::Node user = root.child("user");
    settings.user = user.asString();
    if (settings.user.empty()) user.fail("must not be empty (leave the key out to stay root)");
  });
  errors.attempt([&] {
    if (root.has("workers")) {
      settings.workers = static_cast<unsigned>(root.child("workers").asInteger(1, kMaxWorkers));
    }
  });
  errors.attempt([&] {
    if (root.has("state_directory")) {
      settings.stateDirectory = resolvePath(root.child("state_directory"), folder);
    }
  });
  // Spool files are matched to destinations by position: only meaningful when every destination
  // loaded (an error in one is already reported).
  bool everyDestination = true;
  errors.attempt([&] {
    if (root.has("output") && root.child("output").has("syslog")) {
      everyDestination =
          settings.output.syslog.size() == root.child("output").child("syslog").size();
    }
  });
  if (everyDestination) errors.attempt([&] { assignSpoolFiles(root, settings); });
  if (settings.output.email && settings.output.email->spoolDir.empty()) {
    settings.output.email->spoolDir = settings.stateDirectory + "/mail";
  }
  return settings;
}

Settings loadSettings(const std::string& file) {
  ConfigErrorCollector errors;
  Settings settings = loadSettings(file, errors);
  errors.throwIfAny();
  return settings;
}

}  // namespace baawatch::daemon
