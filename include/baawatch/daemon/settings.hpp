#pragma once
// Run-time settings (baawatch.yaml). Every field has a default so `baawatch -r FILE` works with
// no config at all. File format: docs/configuration.md.
#include <cstdint>
#include <string>
#include <vector>

namespace baawatch::daemon {

struct FlowSettings {
  std::uint32_t maxFlows = 262144;
  std::uint32_t ndpiPacketBudget = 24;   // packets per flow given to nDPI before giving up
  double tcpSynTimeout = 30;             // seconds idle before a half-open TCP flow ends
  double tcpEstablishedTimeout = 3600;
  double tcpClosedTimeout = 10;          // after FIN both ways or RST
  double udpTimeout = 120;
  double otherTimeout = 60;
};

struct DnsCacheSettings {
  std::uint32_t maxEntries = 200000;
  double minTtl = 300;    // short TTLs are stretched: apps keep using an address after expiry
  double maxTtl = 86400;
};

struct OutputSettings {
  std::string jsonPath = "-";            // "-" is stdout
  bool flowRecords = false;              // one `flow` record per ended flow
  double countsInterval = 300;           // seconds per `counts` interval
  double statsInterval = 0;              // 0: stats only at the end of a run
  double encounterGap = 120;             // flows of one device+service closer than this join
};

struct Settings {
  std::string file;                      // empty when built-in
  std::string signaturesFolder;          // empty: search the defaults (see resolveDefaults)
  std::string policyFile;                // empty: built-in default policy
  FlowSettings flows;
  DnsCacheSettings dnsCache;
  OutputSettings output;
};

// Loads baawatch.yaml; relative paths are resolved against the config file's folder.
// Throws ConfigError (file:line:column, field) on unknown keys, wrong types, bad values.
Settings loadSettings(const std::string& file);

}  // namespace baawatch::daemon
