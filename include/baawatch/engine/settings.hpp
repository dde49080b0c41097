#pragma once
// Run-time settings (baawatch.yaml) as typed values. Every field has a default so `baawatch -r FILE`
// works with no config at all. File format: docs/configuration.md; the loader is
// daemon/settings_loader.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "baawatch/record/event_type.hpp"

namespace baawatch::engine {

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
};

struct DnsCacheSettings {
  std::uint32_t maxEntries = 200000;
  double minTtl = 300;    // short TTLs are stretched: apps keep using an address after expiry
  double maxTtl = 86400;
  bool operator==(const DnsCacheSettings&) const = default;
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

// One syslog destination (RFC 5424). Format and delivery guarantees: docs/gateway.md.
enum class SyslogTransport : std::uint8_t { kUdp, kTcp, kUnix };

struct SyslogDestination {
  SyslogTransport transport = SyslogTransport::kUdp;
  std::string host;                      // kUdp/kTcp
  std::uint16_t port = 514;
  std::string socketPath = "/dev/log";   // kUnix
  int facility = 20;                     // local4
  std::string appName = "baawatch";
  std::string spoolFile;                 // kTcp: empty = <state_directory>/syslog-<host>-<port>.spool
  std::uint64_t spoolMaxBytes = 256ull << 20;
  std::vector<record::EventType> eventTypes;  // empty: alert, visibility, encounter
  bool operator==(const SyslogDestination&) const = default;
};

struct OutputSettings {
  std::string jsonPath = "-";            // "-" is stdout
  bool flowRecords = false;              // one `flow` record per ended flow
  double countsInterval = 300;           // seconds per `counts` interval
  double statsInterval = 0;              // 0: stats only at the end of a run
  double encounterGap = 120;             // flows of one device+service closer than this join
  std::vector<SyslogDestination> syslog;
  std::uint32_t queueCapacity = 65536;   // records between the packet thread and the sinks
  // Prometheus text file rewritten with every stats record (node_exporter textfile collector);
  // empty: none. Ends in ".prom".
  std::string metricsFile;
};

inline constexpr long long kMaxWorkers = 64;

struct Settings {
  std::string file;                      // empty when built-in
  std::string signaturesFolder;          // empty: search the defaults (see resolveDefaults)
  std::string policyFile;                // empty: built-in default policy
  FlowSettings flows;
  DnsCacheSettings dnsCache;
  OutputSettings output;
  CaptureSettings capture;
  std::string user;                      // drop to this user once the capture is open; empty: stay
  // Flow-sharded worker threads (`--threads` overrides). 1: the whole pipeline on the capture
  // thread; N > 1: N workers plus a decision thread, with the capture thread dispatching.
  unsigned workers = 1;
  std::string stateDirectory = "/var/lib/baawatch";  // syslog spools
};

// True when a reload must rebuild the classifier for its settings (the nDPI budgets, dns_cache),
// as it does for new signatures: the fields FlowStage's classifier options are made from.
inline bool classifierSettingsChanged(const Settings& before, const Settings& after) {
  return before.flows.ndpiPacketBudget != after.flows.ndpiPacketBudget ||
         before.flows.ndpiTimeBudget != after.flows.ndpiTimeBudget ||
         before.dnsCache != after.dnsCache;
}

}  // namespace baawatch::engine
