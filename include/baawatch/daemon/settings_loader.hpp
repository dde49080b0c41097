#pragma once
// Reads baawatch.yaml into the engine's Settings, and tells a reload which changed settings only
// a restart applies.
#include <string>
#include <vector>

#include "baawatch/engine/settings.hpp"

namespace baawatch::daemon {

// The settings that differ between two loads but are built into objects made once at start
// (capture handle, sinks, flow tables, encounter and interval trackers, user), as config key
// names: a reload applies the rest (policy, signatures, flow_records, stats_interval, the nDPI
// budgets, dns_cache) and warns about these. `workers` is left out: `--threads` overrides it.
std::vector<std::string> settingsNeedingRestart(const engine::Settings& before,
                                                const engine::Settings& after);

// Loads baawatch.yaml; relative paths are resolved against the config file's folder.
// Throws ConfigError (file:line:column, field) on unknown keys, wrong types, bad values.
engine::Settings loadSettings(const std::string& file);

}  // namespace baawatch::daemon
