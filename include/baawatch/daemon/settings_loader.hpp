#pragma once
// Reads baawatch.yaml into the engine's Settings. What a reload does with a changed setting is
// declared beside the setting (engine/settings.hpp, reloadEffect()).
#include <string>

#include "baawatch/common/config_error.hpp"
#include "baawatch/engine/settings.hpp"

namespace baawatch::daemon {

// Loads baawatch.yaml; relative paths are resolved against the config file's folder.
// Throws ConfigError (file:line:column, field) on unknown keys, wrong types, bad values; a
// ConfigErrorList when there are several (every key is checked).
engine::Settings loadSettings(const std::string& file);
// The same, keeping every error in `errors` instead of throwing: the settings hold what loaded
// (defaults where a key failed), so the policy and signatures it names can still be checked.
engine::Settings loadSettings(const std::string& file, ConfigErrorCollector& errors);

}  // namespace baawatch::daemon
