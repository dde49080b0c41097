#pragma once
// Reads baawatch.yaml into the engine's Settings. What a reload does with a changed setting is
// declared beside the setting (engine/settings.hpp, reloadEffect()).
#include <string>

#include "baawatch/engine/settings.hpp"

namespace baawatch::daemon {

// Loads baawatch.yaml; relative paths are resolved against the config file's folder.
// Throws ConfigError (file:line:column, field) on unknown keys, wrong types, bad values.
engine::Settings loadSettings(const std::string& file);

}  // namespace baawatch::daemon
