#pragma once
// Builds one validated snapshot (settings, signatures, policy) from files, or reports every
// problem found. Used at start, by --check-config, and on SIGHUP reload.
#include <optional>
#include <string>
#include <vector>

#include "baawatch/engine/snapshot.hpp"

namespace baawatch::daemon {

struct SnapshotRequest {
  std::string configFile;         // empty: built-in settings
  std::string signaturesFolder;   // overrides the config's; empty: config or default search
  std::string policyFile;         // overrides the config's; empty: config or built-in default
  std::string executablePath;     // for finding the signatures beside an installed binary
};

struct SnapshotResult {
  std::optional<engine::Snapshot> snapshot;
  std::vector<std::string> errors;  // one line each: "file:line:column: field: why"
  std::string signaturesFolder;     // the folder actually used
};

SnapshotResult loadSnapshot(const SnapshotRequest& request);

}  // namespace baawatch::daemon
