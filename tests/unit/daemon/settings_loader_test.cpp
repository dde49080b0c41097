#include <gtest/gtest.h>

#include <string>

#include "baawatch/common/config_error.hpp"
#include "baawatch/daemon/settings_loader.hpp"
#include "unit/fixtures/temp_folder.hpp"

namespace baawatch::daemon {
namespace {

using baawatch::testing::TempFolder;
using engine::Settings;
using engine::SyslogDestination;

const std::string kSourceDir = BAAWATCH_SOURCE_DIR;

std::string errorOf(const std::string& file) {
  try {
    loadSettings(file);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(SettingsLoader, LoadsEveryFieldAndResolvesPaths) {
  TempFolder folder;
  std::string file =
      folder.write("conf/baawatch.yaml",
                   "signatures: ../sig\n"
                   "policy: /etc/baawatch/policy.yaml\n"
                   "output: {json: out/alerts.jsonl, flow_records: true,\n"
                   "         counts_interval: 1h, stats_interval: 30s,\n"
                   "         encounter_gap: 90, format: ecs}\n"
                   "flows:\n"
                   "  max_flows: 1000\n"
                   "  ndpi_packet_budget: 32\n"
                   "  ndpi_time_budget: 45s\n"
                   "  timeouts: {tcp_syn: 10s, tcp_established: 2h, tcp_closed: 5s,\n"
                   "             udp: 1m, other: 45s}\n"
                   "dns_cache: {max_entries: 50, min_ttl: 1m, max_ttl: 2h}\n");
  Settings settings = loadSettings(file);
  EXPECT_EQ(settings.file, file);
  EXPECT_EQ(settings.signaturesFolder, folder.path("sig"));
  EXPECT_EQ(settings.policyFile, "/etc/baawatch/policy.yaml");
  EXPECT_EQ(settings.output.jsonPath, folder.path("conf/out/alerts.jsonl"));
  EXPECT_TRUE(settings.output.flowRecords);
  EXPECT_EQ(settings.output.format, record::RecordFormat::kEcs);
  EXPECT_DOUBLE_EQ(settings.output.countsInterval, 3600);
  EXPECT_DOUBLE_EQ(settings.output.statsInterval, 30);
  EXPECT_DOUBLE_EQ(settings.output.encounterGap, 90);
  EXPECT_EQ(settings.flows.maxFlows, 1000u);
  EXPECT_EQ(settings.flows.ndpiPacketBudget, 32u);
  EXPECT_DOUBLE_EQ(settings.flows.ndpiTimeBudget, 45);
  EXPECT_DOUBLE_EQ(settings.flows.tcpSynTimeout, 10);
  EXPECT_DOUBLE_EQ(settings.flows.tcpEstablishedTimeout, 7200);
  EXPECT_DOUBLE_EQ(settings.flows.tcpClosedTimeout, 5);
  EXPECT_DOUBLE_EQ(settings.flows.udpTimeout, 60);
  EXPECT_DOUBLE_EQ(settings.flows.otherTimeout, 45);
  EXPECT_EQ(settings.dnsCache.maxEntries, 50u);
  EXPECT_DOUBLE_EQ(settings.dnsCache.minTtl, 60);
  EXPECT_DOUBLE_EQ(settings.dnsCache.maxTtl, 7200);
}

TEST(SettingsLoader, EmptyFileGivesDefaults) {
  TempFolder folder;
  Settings settings = loadSettings(folder.write("baawatch.yaml", "# nothing set\n"));
  Settings defaults;
  EXPECT_EQ(settings.signaturesFolder, "");
  EXPECT_EQ(settings.policyFile, "");
  EXPECT_EQ(settings.output.jsonPath, "-");
  EXPECT_EQ(settings.output.format, record::RecordFormat::kDefault);
  EXPECT_EQ(settings.output.metricsFile, "");  // no metrics file unless asked for
  EXPECT_EQ(settings.flows.maxFlows, defaults.flows.maxFlows);
  EXPECT_DOUBLE_EQ(settings.dnsCache.maxTtl, defaults.dnsCache.maxTtl);
}

TEST(SettingsLoader, ShippedConfigIsTheDefaultsAndPointsAtShippedFiles) {
  std::string file = kSourceDir + "/etc/baawatch.yaml";
  Settings settings = loadSettings(file);
  Settings defaults;
  EXPECT_EQ(settings.signaturesFolder, kSourceDir + "/signatures");
  EXPECT_EQ(settings.policyFile, kSourceDir + "/etc/policy.yaml");
  EXPECT_EQ(settings.output.jsonPath, "-");
  EXPECT_EQ(settings.output.flowRecords, defaults.output.flowRecords);
  EXPECT_DOUBLE_EQ(settings.output.countsInterval, defaults.output.countsInterval);
  EXPECT_DOUBLE_EQ(settings.output.statsInterval, defaults.output.statsInterval);
  EXPECT_DOUBLE_EQ(settings.output.encounterGap, defaults.output.encounterGap);
  EXPECT_EQ(settings.flows.maxFlows, defaults.flows.maxFlows);
  EXPECT_EQ(settings.flows.ndpiPacketBudget, defaults.flows.ndpiPacketBudget);
  EXPECT_DOUBLE_EQ(settings.flows.ndpiTimeBudget, defaults.flows.ndpiTimeBudget);
  EXPECT_DOUBLE_EQ(settings.flows.tcpSynTimeout, defaults.flows.tcpSynTimeout);
  EXPECT_DOUBLE_EQ(settings.flows.tcpEstablishedTimeout, defaults.flows.tcpEstablishedTimeout);
  EXPECT_DOUBLE_EQ(settings.flows.tcpClosedTimeout, defaults.flows.tcpClosedTimeout);
  EXPECT_DOUBLE_EQ(settings.flows.udpTimeout, defaults.flows.udpTimeout);
  EXPECT_DOUBLE_EQ(settings.flows.otherTimeout, defaults.flows.otherTimeout);
  EXPECT_EQ(settings.dnsCache.maxEntries, defaults.dnsCache.maxEntries);
  EXPECT_DOUBLE_EQ(settings.dnsCache.minTtl, defaults.dnsCache.minTtl);
  EXPECT_DOUBLE_EQ(settings.dnsCache.maxTtl, defaults.dnsCache.maxTtl);
}

struct BadSettingsCase {
  std::string name;
  std::string yaml;
  std::string message;  // after "<file>:"
};

class BadSettingsTest : public ::testing::TestWithParam<BadSettingsCase> {};

TEST_P(BadSettingsTest, IsRefusedWithLocationAndField) {
  TempFolder folder;
  std::string file = folder.write("baawatch.yaml", GetParam().yaml);
  EXPECT_EQ(errorOf(file), file + ":" + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadSettingsTest,
    ::testing::Values(
        BadSettingsCase{"UnknownTopKey", "signature: ../signatures\n",
                        "1:1: signature: unknown key 'signature' (expected one of: signatures, "
                        "policy, sensor, output, flows, dns_cache, capture, user, state_directory, "
                        "workers)"},
        BadSettingsCase{"WorkersZero", "workers: 0\n", "1:10: workers: 0 is outside 1-64"},
        BadSettingsCase{"UnknownFormat", "output: {format: eve}\n",
                        "1:18: output.format: 'eve' is not an output format (json, ecs)"},
        BadSettingsCase{"WorkersNotANumber", "workers: two\n",
                        "1:10: workers: 'two' is not a whole number"},
        BadSettingsCase{"UnknownTimeout", "flows:\n  timeouts: {tcp: 1m}\n",
                        "2:14: flows.timeouts.tcp: unknown key 'tcp' (expected one of: tcp_syn, "
                        "tcp_established, tcp_closed, udp, other)"},
        BadSettingsCase{"WrongType", "output: [json]\n",
                        "1:9: output: expected a map, found a list"},
        BadSettingsCase{"BadDuration", "output: {counts_interval: 5 minutes}\n",
                        "1:27: output.counts_interval: '5 minutes' is not a duration (use e.g. "
                        "30s, 5m, 1h, 1d or seconds)"},
        BadSettingsCase{"ZeroTimeout", "flows: {timeouts: {udp: 0s}}\n",
                        "1:25: flows.timeouts.udp: must be longer than 0"},
        BadSettingsCase{"MaxFlowsOutOfRange", "flows: {max_flows: 0}\n",
                        "1:20: flows.max_flows: 0 is outside 1-100000000"},
        BadSettingsCase{"BudgetNotANumber", "flows: {ndpi_packet_budget: many}\n",
                        "1:29: flows.ndpi_packet_budget: 'many' is not a whole number"},
        BadSettingsCase{"TimeBudgetNegative", "flows: {ndpi_time_budget: -5s}\n",
                        "1:27: flows.ndpi_time_budget: '-5s' is not a duration (use e.g. 30s, "
                        "5m, 1h, 1d or seconds)"},
        BadSettingsCase{"TtlsReversed", "dns_cache: {min_ttl: 1h, max_ttl: 10m}\n",
                        "1:35: dns_cache.max_ttl: 600 s is shorter than min_ttl (3600 s)"},
        BadSettingsCase{"FlowRecordsNotBool", "output: {flow_records: 1}\n",
                        "1:24: output.flow_records: '1' is not true or false"},
        BadSettingsCase{"EmptyPath", "policy: \"\"\n", "1:9: policy: must not be empty"},
        BadSettingsCase{"SyslogBadFacility",
                        "output:\n  syslog:\n    - {address: \"h:514\", facility: local9}\n",
                        "3:36: output.syslog[0].facility: 'local9' is not a syslog facility "
                        "(kern, user, daemon, auth, local0..local7, ...)"},
        BadSettingsCase{"SyslogAddressWithoutPort",
                        "output:\n  syslog:\n    - {transport: tcp, address: siem.example}\n",
                        "3:33: output.syslog[0].address: 'siem.example' is not host:port"},
        BadSettingsCase{"SyslogPortOutOfRange",
                        "output:\n  syslog:\n    - {address: \"h:70000\"}\n",
                        "3:17: output.syslog[0].address: 'h:70000' is not host:port with a port "
                        "from 1 to 65535"},
        BadSettingsCase{"SyslogUnknownTransport",
                        "output:\n  syslog:\n    - {transport: relp, address: \"h:1\"}\n",
                        "3:19: output.syslog[0].transport: 'relp' is not udp, tcp, tls or unix"},
        BadSettingsCase{"SyslogSpoolOnUdp",
                        "output:\n  syslog:\n    - {address: \"h:1\", spool: s}\n",
                        "3:31: output.syslog[0].spool: only TCP and TLS destinations spool (UDP and unix "
                        "cannot tell loss)"},
        BadSettingsCase{"SyslogTlsWithoutCaFile",
                        "output:\n  syslog:\n    - {transport: tls, address: \"h:6514\"}\n",
                        "3:7: output.syslog[0]: missing 'ca_file' (the CA certificates, PEM, that "
                        "the receiver's certificate must chain to)"},
        BadSettingsCase{"SyslogTlsCertWithoutKey",
                        "output:\n  syslog:\n"
                        "    - {transport: tls, address: \"h:6514\", ca_file: /ca.pem,\n"
                        "       cert_file: /sensor.pem}\n",
                        "3:7: output.syslog[0]: 'cert_file' without 'key_file' (mutual TLS needs "
                        "both)"},
        BadSettingsCase{"SyslogTlsEmptyServerName",
                        "output:\n  syslog:\n"
                        "    - {transport: tls, address: \"h:6514\", ca_file: /ca.pem,\n"
                        "       server_name: \"\"}\n",
                        "4:21: output.syslog[0].server_name: must not be empty (leave it out to "
                        "use the host)"},
        BadSettingsCase{"SyslogCaFileOnTcp",
                        "output:\n  syslog:\n    - {transport: tcp, address: \"h:514\", ca_file: /ca.pem}\n",
                        "3:51: output.syslog[0].ca_file: only used with transport: tls"},
        BadSettingsCase{"EmailWithoutTo",
                        "output:\n  email: {from: baawatch@clinic.example, smtp: {host: mail.example}}\n",
                        "2:10: output.email: missing 'to' (the addresses the mails go to)"},
        BadSettingsCase{"EmailNotAnAddress",
                        "output:\n  email: {to: [office], from: baawatch@clinic.example, smtp: {host: m}}\n",
                        "2:16: output.email.to[0]: 'office' is not a mail address (name@example.org)"},
        BadSettingsCase{"EmailDisplayNameInFrom",
                        "output:\n  email: {to: a@c.example, from: \"Clinic <b@c.example>\", smtp: {host: m}}\n",
                        "2:34: output.email.from: 'Clinic <b@c.example>' is not a mail address "
                        "(name@example.org)"},
        BadSettingsCase{"EmailNoRecipient",
                        "output:\n  email: {to: [], from: b@c.example, smtp: {host: mail.example}}\n",
                        "2:15: output.email.to: must name at least one address"},
        BadSettingsCase{"EmailWeeklyDigest",
                        "output:\n  email: {to: a@c.example, from: b@c.example, digest: weekly, smtp: {host: m}}\n",
                        "2:55: output.email.digest: 'weekly' is not hourly or daily"},
        BadSettingsCase{"EmailUnknownSeverity",
                        "output:\n  email: {to: a@c.example, from: b@c.example, immediate_severity: urgent, "
                        "smtp: {host: m}}\n",
                        "2:67: output.email.immediate_severity: 'urgent' is not a severity (info, low, "
                        "medium, high, critical) or none"},
        BadSettingsCase{"EmailUnknownTransport",
                        "output:\n  email: {to: a@c.example, from: b@c.example, transport: uucp}\n",
                        "2:58: output.email.transport: 'uucp' is not smtp or sendmail"},
        BadSettingsCase{"EmailSmtpWithoutServer",
                        "output:\n  email: {to: a@c.example, from: b@c.example}\n",
                        "2:10: output.email: missing 'smtp' (host, port, starttls, ...) for transport: "
                        "smtp"},
        BadSettingsCase{"EmailSmtpOnSendmail",
                        "output:\n  email: {to: a@c.example, from: b@c.example, transport: sendmail, "
                        "smtp: {host: m}}\n",
                        "2:74: output.email.smtp: only used with transport: smtp"},
        BadSettingsCase{"EmailSendmailMissing",
                        "output:\n  email: {to: a@c.example, from: b@c.example, transport: sendmail, "
                        "sendmail_path: /nonexistent/sendmail}\n",
                        "2:83: output.email.sendmail_path: '/nonexistent/sendmail' is not a program "
                        "baawatch can run (No such file or directory)"},
        BadSettingsCase{"EmailHostWithPort",
                        "output:\n  email: {to: a@c.example, from: b@c.example, smtp: {host: \"mail.example:587\"}}\n",
                        "2:60: output.email.smtp.host: 'mail.example:587' is not a host name or address "
                        "(the port goes in 'port')"},
        BadSettingsCase{"EmailStartTlsMaybe",
                        "output:\n  email: {to: a@c.example, from: b@c.example, smtp: {host: m, starttls: maybe}}\n",
                        "2:73: output.email.smtp.starttls: 'maybe' is not required or none"},
        BadSettingsCase{"EmailCaFileWithoutTls",
                        "output:\n  email: {to: a@c.example, from: b@c.example, smtp: {host: m, starttls: none, "
                        "ca_file: /ca.pem}}\n",
                        "2:88: output.email.smtp.ca_file: only used with starttls: required"},
        BadSettingsCase{"EmailPasswordInClear",
                        "output:\n  email: {to: a@c.example, from: b@c.example, smtp: {host: mail.example, "
                        "starttls: none,\n          username: clinic, password_file: /pw}}\n",
                        "3:21: output.email.smtp.username: a password must not cross the network in "
                        "clear: use starttls: required (only a mail server on this machine, localhost "
                        "or 127.0.0.1 or ::1, may be given one without TLS)"},
        BadSettingsCase{"EmailUsernameWithoutPassword",
                        "output:\n  email: {to: a@c.example, from: b@c.example, smtp: {host: m, username: clinic}}\n",
                        "2:53: output.email.smtp: 'username' without 'password_file' (AUTH needs both)"},
        BadSettingsCase{"EmailPasswordFileMissing",
                        "output:\n  email: {to: a@c.example, from: b@c.example, smtp: {host: m, username: clinic, "
                        "password_file: /nonexistent/pw}}\n",
                        "2:96: output.email.smtp.password_file: '/nonexistent/pw' cannot be read (No "
                        "such file or directory)"},
        BadSettingsCase{"EmailBackoffsReversed",
                        "output:\n  email: {to: a@c.example, from: b@c.example, retry_backoff: 10m, "
                        "max_backoff: 1m, smtp: {host: m}}\n",
                        "2:80: output.email.max_backoff: 60 s is shorter than retry_backoff (600 s)"},
        BadSettingsCase{"EmailUnknownKey",
                        "output:\n  email: {to: a@c.example, from: b@c.example, cc: x@c.example, smtp: {host: m}}\n",
                        "2:47: output.email.cc: unknown key 'cc' (expected one of: to, from, digest, "
                        "immediate_severity, send_empty, transport, smtp, sendmail_path, spool_dir, "
                        "spool_max_bytes, max_retries, retry_backoff, max_backoff)"},
        BadSettingsCase{"SensorUnknownKey", "sensor: {name: gw1, clinic: x}\n",
                        "1:21: sensor.clinic: unknown key 'clinic' (expected one of: name, site, "
                        "tenant)"},
        BadSettingsCase{"SensorNameWithColon", "sensor: {name: \"gw:1\"}\n",
                        "1:16: sensor.name: must not hold a space or ':' (it starts every "
                        "record_id)"},
        BadSettingsCase{"SensorSiteTrailingSpace", "sensor: {site: \"Main \"}\n",
                        "1:16: sensor.site: must be 1 to 255 printable characters without leading "
                        "or trailing spaces"},
        BadSettingsCase{"SensorTenantEmpty", "sensor: {tenant: \"\"}\n",
                        "1:18: sensor.tenant: must be 1 to 255 printable characters without "
                        "leading or trailing spaces"},
        BadSettingsCase{"CaptureFilterNotBpf", "capture: {filter: \"port twenty\"}\n",
                        "1:19: capture.filter: not a BPF expression libpcap accepts: unknown "
                        "port 'twenty'"},
        BadSettingsCase{"TwoTcpDestinationsShareTheDefaultSpool",
                        "output:\n  syslog:\n"
                        "    - {transport: tcp, address: \"siem:514\", event_types: [alert]}\n"
                        "    - {transport: tcp, address: \"siem:514\", facility: local5,\n"
                        "       event_types: [counts]}\n",
                        "4:7: output.syslog[1]: spool file '/var/lib/baawatch/syslog-siem-514.spool' "
                        "is already the spool of syslog destination 0 (counting from 0): give each "
                        "TCP destination its own 'spool:'"},
        BadSettingsCase{"TwoTcpDestinationsNameOneSpool",
                        "output:\n  syslog:\n"
                        "    - {transport: tcp, address: \"a:514\", spool: /s/x.spool}\n"
                        "    - {transport: tcp, address: \"b:514\", spool: /s/./x.spool}\n",
                        "4:49: output.syslog[1].spool: spool file '/s/x.spool' is already the "
                        "spool of syslog destination 0 (counting from 0): give each TCP "
                        "destination its own 'spool:'"},
        BadSettingsCase{"CaptureSnaplenTooSmall", "capture: {snaplen: 64}\n",
                        "1:20: capture.snaplen: 64 is outside 96-262144"},
        BadSettingsCase{"EmptyUser", "user: \"\"\n",
                        "1:7: user: must not be empty (leave the key out to stay root)"},
        BadSettingsCase{"MetricsFileNotProm", "output: {metrics_file: /var/lib/baawatch/m.txt}\n",
                        "1:24: output.metrics_file: '/var/lib/baawatch/m.txt' must end in .prom "
                        "(node_exporter's textfile collector reads only *.prom files)"},
        BadSettingsCase{"MetricsFileEmpty", "output: {metrics_file: \"\"}\n",
                        "1:24: output.metrics_file: must not be empty"},
        BadSettingsCase{"MetricsFileNotAString", "output: {metrics_file: [a.prom]}\n",
                        "1:24: output.metrics_file: expected a text value, found a list"}),
    [](const ::testing::TestParamInfo<BadSettingsCase>& info) { return info.param.name; });

TEST(SettingsLoader, LoadsGatewaySettings) {
  TempFolder folder;
  std::string file = folder.write(
      "conf/baawatch.yaml",
      "user: baawatch\n"
      "state_directory: state\n"
      "capture: {snaplen: 2048, buffer_size: 1048576, immediate: false, filter: \"not port 22\"}\n"
      "output:\n"
      "  queue_capacity: 100\n"
      "  metrics_file: state/baawatch.prom\n"
      "  syslog:\n"
      "    - {transport: tcp, address: \"[2001:db8::1]:6514\", facility: local4, app_name: bw,\n"
      "       event_types: [alert, stats], spool_max_bytes: 8192}\n"
      "    - {transport: unix, socket: /dev/log, facility: auth}\n");
  Settings settings = loadSettings(file);
  EXPECT_EQ(settings.user, "baawatch");
  EXPECT_EQ(settings.stateDirectory, folder.path("conf/state"));
  EXPECT_EQ(settings.capture.snaplen, 2048u);
  EXPECT_EQ(settings.capture.bufferBytes, 1048576u);
  EXPECT_FALSE(settings.capture.immediate);
  EXPECT_EQ(settings.capture.filter, "not port 22");
  EXPECT_EQ(settings.output.queueCapacity, 100u);
  EXPECT_EQ(settings.output.metricsFile, folder.path("conf/state/baawatch.prom"));
  ASSERT_EQ(settings.output.syslog.size(), 2u);
  const SyslogDestination& tcp = settings.output.syslog[0];
  EXPECT_EQ(tcp.transport, sink::SyslogTransport::kTcp);
  EXPECT_EQ(tcp.host, "2001:db8::1");
  EXPECT_EQ(tcp.port, 6514);
  EXPECT_EQ(tcp.facility, 20);
  EXPECT_EQ(tcp.appName, "bw");
  EXPECT_EQ(tcp.spoolMaxBytes, 8192u);
  EXPECT_EQ(tcp.eventTypes, (std::vector<record::EventType>{record::EventType::kAlert, record::EventType::kStats}));
  // Named after its host and port in the state directory when no `spool:` is given.
  EXPECT_EQ(tcp.spoolFile, folder.path("conf/state/syslog-2001:db8::1-6514.spool"));
  EXPECT_EQ(settings.output.syslog[1].transport, sink::SyslogTransport::kUnix);
  EXPECT_EQ(settings.output.syslog[1].socketPath, "/dev/log");
  EXPECT_EQ(settings.output.syslog[1].facility, 4);
}

// A reload names every changed setting it cannot apply (they are built into objects made at
// start), and none of those it applies.
TEST(SettingsLoader, ReloadNamesTheSettingsThatNeedARestart) {
  Settings before;
  before.output.syslog.push_back(SyslogDestination{});
  before.output.syslog[0].host = "siem-old";
  Settings after = before;
  // Applied on reload: not named.
  after.policyFile = "other-policy.yaml";
  after.output.flowRecords = !before.output.flowRecords;
  after.output.statsInterval = 60;
  after.flows.ndpiPacketBudget = 8;
  after.flows.ndpiTimeBudget = 30;
  after.dnsCache.minTtl = 60;
  after.workers = 4;  // --threads overrides it: not compared
  EXPECT_TRUE(settingsNeedingRestart(before, after).empty());
  // Built at start: each is named.
  after.output.syslog[0].host = "siem-new";
  after.output.encounterGap = 60;
  after.capture.snaplen = 2048;
  after.flows.udpTimeout = 30;
  after.stateDirectory = "/srv/baawatch";
  EXPECT_EQ(settingsNeedingRestart(before, after),
            (std::vector<std::string>{"output.syslog", "output.encounter_gap", "capture",
                                      "flows.timeouts", "state_directory"}));
}

// The classifier is rebuilt for the settings it is made from (the nDPI budgets, dns_cache), and
// for nothing else a reload applies or warns about.
TEST(SettingsLoader, ReloadRebuildsTheClassifierOnlyForItsOwnSettings) {
  Settings before;
  Settings after = before;
  after.policyFile = "other-policy.yaml";
  after.output.statsInterval = 60;
  after.flows.maxFlows = 10;
  after.capture.snaplen = 2048;
  EXPECT_FALSE(reloadEffect(before, after).rebuildClassifier);
  Settings budget = before;
  budget.flows.ndpiTimeBudget = 30;
  EXPECT_TRUE(reloadEffect(before, budget).rebuildClassifier);
  EXPECT_TRUE(reloadEffect(before, budget).needRestart.empty());
  Settings cache = before;
  cache.dnsCache.maxEntries = 10;
  EXPECT_TRUE(reloadEffect(before, cache).rebuildClassifier);
  EXPECT_TRUE(reloadEffect(before, cache).needRestart.empty());
}

TEST(SettingsLoader, LoadsSensorIdentity) {
  TempFolder folder;
  Settings settings = loadSettings(folder.write(
      "baawatch.yaml",
      "sensor: {name: sensor-mainst, site: \"Main Street Clinic\", tenant: acme-health}\n"));
  EXPECT_EQ(settings.sensor.name, "sensor-mainst");
  EXPECT_EQ(settings.sensor.site, "Main Street Clinic");
  EXPECT_EQ(settings.sensor.tenant, "acme-health");
  // Left out: the daemon fills the name (host name) and the site (clinic, else the name).
  Settings defaults = loadSettings(folder.write("empty.yaml", "# nothing set\n"));
  EXPECT_EQ(defaults.sensor, engine::SensorSettings{});
}

// The sensor name is built into record ids and syslog headers at start; site and tenant are
// read from the snapshot when records are built.
TEST(SettingsLoader, ReloadAppliesSiteAndTenantButNotTheSensorName) {
  Settings before;
  Settings after = before;
  after.sensor.site = "Harbor Clinic";
  after.sensor.tenant = "acme-health";
  EXPECT_TRUE(settingsNeedingRestart(before, after).empty());
  EXPECT_FALSE(reloadEffect(before, after).rebuildClassifier);
  after.sensor.name = "sensor-harbor";
  EXPECT_EQ(settingsNeedingRestart(before, after), std::vector<std::string>{"sensor.name"});
  // A TLS option of a destination is part of the destination: a restart applies it.
  Settings tls = before;
  tls.output.syslog.push_back(SyslogDestination{});
  Settings otherCa = tls;
  otherCa.output.syslog[0].caFile = "/etc/baawatch/tls/new-ca.pem";
  EXPECT_EQ(settingsNeedingRestart(tls, otherCa), std::vector<std::string>{"output.syslog"});
}

TEST(SettingsLoader, LoadsEmailSettings) {
  TempFolder folder;
  folder.write("conf/smtp-password", "s3cret\n");
  std::string file = folder.write(
      "conf/baawatch.yaml",
      "state_directory: state\n"
      "output:\n"
      "  json: /var/log/baawatch/alerts.jsonl\n"
      "  email:\n"
      "    to: [office@clinic.example, it@msp.example]\n"
      "    from: baawatch@clinic.example\n"
      "    digest: hourly\n"
      "    immediate_severity: critical\n"
      "    send_empty: true\n"
      "    smtp: {host: mail.msp.example, port: 2587, server_name: smtp.msp.example,\n"
      "           username: clinic-7, password_file: smtp-password, timeout: 45s}\n"
      "    spool_dir: mail-spool\n"
      "    spool_max_bytes: 1048576\n"
      "    max_retries: 5\n"
      "    retry_backoff: 1m\n"
      "    max_backoff: 1h\n");
  Settings settings = loadSettings(file);
  ASSERT_TRUE(settings.output.email);
  const engine::EmailSettings& email = *settings.output.email;
  EXPECT_EQ(email.to, (std::vector<std::string>{"office@clinic.example", "it@msp.example"}));
  EXPECT_EQ(email.from, "baawatch@clinic.example");
  EXPECT_EQ(email.digest, sink::DigestPeriod::kHourly);
  EXPECT_EQ(email.immediateSeverity, policy::Severity::kCritical);
  EXPECT_TRUE(email.sendEmpty);
  EXPECT_EQ(email.transport, sink::MailTransportKind::kSmtp);
  EXPECT_EQ(email.smtp.host, "mail.msp.example");
  EXPECT_EQ(email.smtp.port, 2587);
  EXPECT_EQ(email.smtp.startTls, sink::StartTls::kRequired);
  EXPECT_EQ(email.smtp.caFile, "");  // the system's CA store
  EXPECT_EQ(email.smtp.serverName, "smtp.msp.example");
  EXPECT_EQ(email.smtp.username, "clinic-7");
  EXPECT_EQ(email.smtp.passwordFile, folder.path("conf/smtp-password"));
  EXPECT_DOUBLE_EQ(email.smtp.timeoutSeconds, 45);
  EXPECT_EQ(email.spoolDir, folder.path("conf/mail-spool"));
  EXPECT_EQ(email.spoolMaxBytes, 1048576u);
  EXPECT_EQ(email.maxRetries, 5u);
  EXPECT_DOUBLE_EQ(email.retryBackoffSeconds, 60);
  EXPECT_DOUBLE_EQ(email.maxBackoffSeconds, 3600);
}

TEST(SettingsLoader, EmailDefaults) {
  TempFolder folder;
  Settings none = loadSettings(folder.write("none.yaml", "output: {json: \"-\"}\n"));
  EXPECT_FALSE(none.output.email) << "no mail unless configured";
  Settings settings = loadSettings(folder.write(
      "baawatch.yaml",
      "output:\n  email: {to: office@clinic.example, from: bw@clinic.example,\n"
      "          smtp: {host: 127.0.0.1, starttls: none}}\n"));
  ASSERT_TRUE(settings.output.email);
  const engine::EmailSettings& email = *settings.output.email;
  EXPECT_EQ(email.to, std::vector<std::string>{"office@clinic.example"});
  EXPECT_EQ(email.digest, sink::DigestPeriod::kDaily);
  EXPECT_EQ(email.immediateSeverity, policy::Severity::kHigh);
  EXPECT_FALSE(email.sendEmpty);
  EXPECT_EQ(email.smtp.startTls, sink::StartTls::kNone);
  EXPECT_EQ(email.smtp.port, 25);  // no TLS: the local relay's port
  EXPECT_EQ(email.spoolDir, "/var/lib/baawatch/mail");
  Settings sendmail = loadSettings(folder.write(
      "sendmail.yaml",
      "output:\n  email: {to: office@clinic.example, from: bw@clinic.example, transport: sendmail,\n"
      "          sendmail_path: /bin/true, immediate_severity: none}\n"));
  ASSERT_TRUE(sendmail.output.email);
  EXPECT_EQ(sendmail.output.email->transport, sink::MailTransportKind::kSendmail);
  EXPECT_EQ(sendmail.output.email->sendmailPath, "/bin/true");
  EXPECT_FALSE(sendmail.output.email->immediateSeverity);
}

TEST(SettingsLoader, EmailCaFileOpenSslCannotReadIsRefusedWithItsPlace) {
  TempFolder folder;
  std::string ca = folder.write("ca.pem", "not a certificate\n");
  std::string file = folder.write(
      "baawatch.yaml",
      "output:\n  email:\n    to: a@c.example\n    from: b@c.example\n"
      "    smtp: {host: m, ca_file: ca.pem}\n");
  std::string error = errorOf(file);
  EXPECT_EQ(error.rfind(file + ":5:30: output.email.smtp.ca_file: '" + ca +
                            "' holds no CA certificate OpenSSL can read",
                        0),
            0u)
      << error;
}

TEST(SettingsLoader, ReloadNamesAChangedEmailForARestart) {
  Settings before;
  Settings after = before;
  after.output.email.emplace();
  after.output.email->to = {"office@clinic.example"};
  EXPECT_EQ(settingsNeedingRestart(before, after), std::vector<std::string>{"output.email"});
  Settings moreRecipients = after;
  moreRecipients.output.email->to.push_back("it@msp.example");
  EXPECT_EQ(settingsNeedingRestart(after, moreRecipients), std::vector<std::string>{"output.email"});
}

TEST(SettingsLoader, MissingFileNamesThePath) {
  TempFolder folder;
  EXPECT_EQ(errorOf(folder.path("none.yaml")), folder.path("none.yaml") + ": cannot read the file");
}

}  // namespace
}  // namespace baawatch::daemon
