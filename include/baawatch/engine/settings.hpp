#pragma once
// Run-time settings (baawatch.yaml) as typed values. Every field has a default so `baawatch -r FILE`
// works with no config at all. File format: docs/configuration.md; the loader is
// daemon/settings_loader.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baawatch/classify/dns_cache.hpp"
#include "baawatch/record/ecs_record.hpp"
#include "baawatch/sink/email_sink.hpp"
#include "baawatch/sink/syslog_sink.hpp"

namespace baawatch::engine {

// How a reload treats a setting whose value changed. Each settings struct names its fields with
// their config key and this, in describeFields(); a field it does not name counts as kRestart,
// the safe side, and is reported under the struct's own key.
enum class OnReload : std::uint8_t {
  kRestart,            // built into objects made at start: the reload warns, a restart applies it
  kApply,              // the reloaded snapshot carries it to where it is read
  kRebuildClassifier,  // applied by building the classifier anew, as for new signatures
  kIgnore,             // never compared (`workers`: --threads overrides it)
};

struct FlowSettings {
  std::uint32_t maxFlows = 262144;
  std::uint32_t ndpiPacketBudget = 24;   // packets per flow given to nDPI before giving up
  double ndpiTimeBudget = 120;           // or seconds after the flow's first packet; 0 = none
  double tcpSynTimeout = 30;             // seconds idle before a half-open TCP flow ends
  double tcpEstablishedTimeout = 3600;
  double tcpClosedTimeout = 10;          // after FIN both ways or RST
  double udpTimeout = 120;
  double otherTimeout = 60;
  bool operator==(const FlowSettings&) const = default;
  // The flow tables are sized and timed at start (and the sharded dispatcher's initiator table
  // with them); the nDPI budgets live in the classifier.
  static void describeFields(auto&& field) {
    field("max_flows", &FlowSettings::maxFlows, OnReload::kRestart);
    field("ndpi_packet_budget", &FlowSettings::ndpiPacketBudget, OnReload::kRebuildClassifier);
    field("ndpi_time_budget", &FlowSettings::ndpiTimeBudget, OnReload::kRebuildClassifier);
    field("timeouts", &FlowSettings::tcpSynTimeout, OnReload::kRestart);
    field("timeouts", &FlowSettings::tcpEstablishedTimeout, OnReload::kRestart);
    field("timeouts", &FlowSettings::tcpClosedTimeout, OnReload::kRestart);
    field("timeouts", &FlowSettings::udpTimeout, OnReload::kRestart);
    field("timeouts", &FlowSettings::otherTimeout, OnReload::kRestart);
  }
};

// Live capture (`baawatch -i IFACE`); ignored when reading files.
struct CaptureSettings {
  std::uint32_t snaplen = 262144;
  std::uint32_t bufferBytes = 16u << 20;
  // Off: libpcap's TPACKET_V3 packs packets into blocks handed over at least every 250 ms, which
  // keeps up with a busy uplink (docs/benchmarks.md "Live rate"); immediate mode gives each packet
  // its own snaplen-sized ring frame and dropped from 200 Mbit/s with the default snaplen.
  bool immediate = false;
  bool promiscuous = true;
  std::string filter;                    // BPF expression; empty = every packet
  bool operator==(const CaptureSettings&) const = default;
};

// One syslog destination (RFC 5424) is the sink's own options struct. Format and delivery
// guarantees: docs/gateway.md. The loader fills what the file gives and names the spool of a TCP
// destination (default <state_directory>/syslog-<host>-<port>.spool); main() adds the sensor
// name and the counter prefix.
using SyslogDestination = sink::SyslogOptions;

// E-mail for a clinic without a SIEM (docs/gateway.md "E-mail"), the sink's own options struct
// like a syslog destination. The loader names the spool folder (default
// <state_directory>/mail); main() adds the sensor name, the log path and the run id.
using EmailSettings = sink::EmailOptions;

struct OutputSettings {
  std::string jsonPath = "-";            // "-" is stdout
  // `format`: json (docs/output-schema.md) or ecs (Elastic Common Schema names), for the JSON
  // lines output and the MSG of every syslog message.
  record::RecordFormat format = record::RecordFormat::kDefault;
  bool flowRecords = false;              // one `flow` record per ended flow
  double countsInterval = 300;           // seconds per `counts` interval
  double statsInterval = 0;              // 0: stats only at the end of a run
  double encounterGap = 120;             // flows of one device+service closer than this join
  std::vector<SyslogDestination> syslog;
  std::optional<EmailSettings> email;    // none: no mail
  std::uint32_t queueCapacity = 65536;   // records between the packet thread and the sinks
  // Prometheus text file rewritten with every stats record (node_exporter textfile collector);
  // empty: none. Ends in ".prom".
  std::string metricsFile;
  bool operator==(const OutputSettings&) const = default;
  // The sinks, the writer thread's queue and the encounter and interval trackers are made at
  // start; flow records and the stats interval are read from the snapshot.
  static void describeFields(auto&& field) {
    field("json", &OutputSettings::jsonPath, OnReload::kRestart);
    field("format", &OutputSettings::format, OnReload::kRestart);
    field("syslog", &OutputSettings::syslog, OnReload::kRestart);
    field("email", &OutputSettings::email, OnReload::kRestart);
    field("metrics_file", &OutputSettings::metricsFile, OnReload::kRestart);
    field("queue_capacity", &OutputSettings::queueCapacity, OnReload::kRestart);
    field("counts_interval", &OutputSettings::countsInterval, OnReload::kRestart);
    field("encounter_gap", &OutputSettings::encounterGap, OnReload::kRestart);
    field("flow_records", &OutputSettings::flowRecords, OnReload::kApply);
    field("stats_interval", &OutputSettings::statsInterval, OnReload::kApply);
  }
};

// Who sends the records: in every record and every syslog message, so that one SIEM can tell
// many clinics (and an MSP's customers) apart.
struct SensorSettings {
  std::string name;    // empty: the host name; starts every record_id and is syslog's HOSTNAME
  std::string site;    // the clinic; empty: the policy's clinic name, else the sensor name
  std::string tenant;  // the MSP's customer; empty: no `tenant` field
  bool operator==(const SensorSettings&) const = default;
  // The name is built into record ids and syslog headers at start; site and tenant are read
  // from the snapshot when records are built.
  static void describeFields(auto&& field) {
    field("name", &SensorSettings::name, OnReload::kRestart);
    field("site", &SensorSettings::site, OnReload::kApply);
    field("tenant", &SensorSettings::tenant, OnReload::kApply);
  }
};

inline constexpr long long kMaxWorkers = 64;

struct Settings {
  std::string file;                      // empty when built-in
  std::string signaturesFolder;          // empty: search the defaults (see resolveDefaults)
  std::string policyFile;                // empty: built-in default policy
  SensorSettings sensor;
  FlowSettings flows;
  classify::DnsCacheOptions dnsCache;
  OutputSettings output;
  CaptureSettings capture;
  std::string user;                      // drop to this user once the capture is open; empty: stay
  // Flow-sharded worker threads (`--threads` overrides). 1: the whole pipeline on the capture
  // thread; N > 1: N workers plus a decision thread, with the capture thread dispatching.
  unsigned workers = 1;
  std::string stateDirectory = "/var/lib/baawatch";  // syslog and mail spools
  bool operator==(const Settings&) const = default;
  // A struct field that itself has describeFields() is compared field by field under its key.
  static void describeFields(auto&& field) {
    field("file", &Settings::file, OnReload::kIgnore);
    field("signatures", &Settings::signaturesFolder, OnReload::kApply);
    field("policy", &Settings::policyFile, OnReload::kApply);
    field("sensor", &Settings::sensor, OnReload::kRestart);
    field("output", &Settings::output, OnReload::kRestart);
    field("capture", &Settings::capture, OnReload::kRestart);
    field("flows", &Settings::flows, OnReload::kRestart);
    field("dns_cache", &Settings::dnsCache, OnReload::kRebuildClassifier);
    field("user", &Settings::user, OnReload::kRestart);
    field("workers", &Settings::workers, OnReload::kIgnore);
    field("state_directory", &Settings::stateDirectory, OnReload::kRestart);
  }
};

// What a reload does about the settings that changed between two loads, derived from the
// structs' describeFields().
struct ReloadEffect {
  // Config keys of the changed settings a reload cannot apply ("output.syslog",
  // "flows.timeouts", ...), in describeFields() order: the reload warns about them.
  std::vector<std::string> needRestart;
  // A changed setting the classifier is built from (the nDPI budgets, dns_cache): the reload
  // rebuilds it, as it does for new signatures.
  bool rebuildClassifier = false;
};
ReloadEffect reloadEffect(const Settings& before, const Settings& after);

// The two halves of reloadEffect(), for the callers that need one.
inline std::vector<std::string> settingsNeedingRestart(const Settings& before,
                                                       const Settings& after) {
  return reloadEffect(before, after).needRestart;
}

inline bool classifierSettingsChanged(const Settings& before, const Settings& after) {
  return reloadEffect(before, after).rebuildClassifier;
}

}  // namespace baawatch::engine
