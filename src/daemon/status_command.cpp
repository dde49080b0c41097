#include "baawatch/daemon/status_command.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "baawatch/common/config_error.hpp"
#include "baawatch/daemon/settings_loader.hpp"
#include "baawatch/report/time_format.hpp"
// Private headers of the daemon stage, beside this file.
#include "command_line.hpp"

namespace baawatch::daemon {
namespace {

Timestamp wallNow() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(since).count()};
}

// Whether a process with this id exists (EPERM: it does, as another user).
bool processExists(long long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::uint64_t number(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_number_integer() && *found >= 0
             ? found->get<std::uint64_t>()
             : 0;
}

std::string plainWords(const nlohmann::json& state, bool running, const std::string& path) {
  std::string text;
  std::string sensor = state.value("sensor", "");
  std::string interface = state.value("interface", "");
  auto started = report::parseRfc3339(state.value("started", ""));
  auto updated = report::parseRfc3339(state.value("updated", ""));
  Timestamp now = wallNow();
  std::string where = sensor.empty() ? "" : " on " + sensor;
  if (!interface.empty()) where += " (" + interface + ")";
  if (running) {
    text += fmt::format("baawatch{}: running, pid {}", where, state.value("pid", 0LL));
    if (started) {
      text += fmt::format(
          ", up {} (since {})",
          report::formatDuration(static_cast<double>(now.micros - started->micros) / 1e6),
          report::formatReadable(*started));
    }
  } else {
    text += fmt::format("baawatch{}: not running", where);
    if (updated) text += fmt::format(" (last seen {})", report::formatReadable(*updated));
  }
  text += "\n";
  const nlohmann::json& stats = state.contains("stats") ? state["stats"] : nlohmann::json();
  if (stats.is_object()) {
    std::string at = stats.value("time", "");
    auto time = report::parseRfc3339(at);
    text += fmt::format(
        "packets: {}; drops: {} by the kernel (buffer full), {} by the interface; "
        "{} flows open{}\n",
        number(stats, "packets"), number(stats, "kernel_drops"), number(stats, "interface_drops"),
        number(stats, "flows_active"),
        time ? " (as of " + report::formatReadable(*time) + ")" : "");
    text += fmt::format("sink backlog: {} records waiting, {} dropped when the queue was full\n",
                        number(stats, "sink_backlog"), number(stats, "sink_overflow"));
    const nlohmann::json& spools = stats.contains("spools") ? stats["spools"] : nlohmann::json();
    if (spools.is_object() && !spools.empty()) {
      std::string list;
      for (const auto& [name, spool] : spools.items()) {
        list += fmt::format("{}{} {} records ({})", list.empty() ? "" : ", ", name,
                            number(spool, "records"),
                            report::formatBytes(static_cast<double>(number(spool, "bytes"))));
      }
      text += "spools: " + list + "\n";
    } else {
      text += "spools: none in use\n";
    }
  } else {
    text +=
        "no statistics yet: the daemon writes them every output.stats_interval (0: only at "
        "its end)\n";
  }
  const nlohmann::json& alerts =
      state.contains("alerts_today") ? state["alerts_today"] : nlohmann::json();
  std::string today = report::formatIsoDay(report::dayNumber(now));
  if (alerts.is_object() && alerts.value("day", "") == today && number(alerts, "total") > 0) {
    std::string list;
    for (const auto& [service, count] : alerts["by_service"].items()) {
      list += fmt::format("{}{} {}", list.empty() ? "" : ", ", service, count.get<std::uint64_t>());
    }
    text += fmt::format("alerts today ({} UTC): {} ({})\n", today, number(alerts, "total"), list);
  } else {
    text += fmt::format("alerts today ({} UTC): none\n", today);
  }
  text += "state file: " + path + "\n";
  return text;
}

}  // namespace

int runStatusCommand(int argc, char** argv) {
  CLI::App app{"baawatch status: the running daemon's state, from its state directory",
               "baawatch status"};
  std::string configFile;
  std::string stateDirectory;
  bool json = false;
  app.add_option("-c,--config", configFile,
                 "The daemon's configuration file: its state_directory is read");
  app.add_option("--state-dir", stateDirectory,
                 "The daemon's state directory (overrides the config; default /var/lib/baawatch)");
  app.add_flag("--json", json, "Print the status file as JSON instead of plain words");
  app.footer(
      "Exit status: 0 the daemon runs; 1 it does not, or its status cannot be read; 2 usage "
      "or configuration error.");
  if (auto status = parseCommandLine(app, argc, argv)) return *status;

  if (stateDirectory.empty()) {
    engine::Settings settings;
    if (!configFile.empty()) {
      try {
        settings = loadSettings(configFile);
      } catch (const std::exception& error) {
        std::cerr << "baawatch status: " << error.what() << "\n";
        return kExitUsage;
      }
    }
    stateDirectory = settings.stateDirectory;
  }
  std::string path = stateDirectory + "/status.json";
  std::ifstream file(path);
  if (!file) {
    std::cerr << "baawatch status: no status in " << stateDirectory << " (" << path
              << "): baawatch has not captured live with this state directory\n";
    return kExitRuntime;
  }
  nlohmann::json state = nlohmann::json::parse(file, nullptr, false);
  if (state.is_discarded() || !state.is_object()) {
    std::cerr << "baawatch status: " << path << " is not a baawatch status file\n";
    return kExitRuntime;
  }
  // A status that says "running" from a process that is gone: it was killed (the file could not
  // be updated at its end).
  bool running = state.value("running", false) && processExists(state.value("pid", 0LL));
  if (json) {
    nlohmann::json shown = state;
    shown["running"] = running;
    std::cout << shown.dump(2) << "\n";
  } else {
    std::cout << plainWords(state, running, path);
  }
  return running ? kExitOk : kExitRuntime;
}

}  // namespace baawatch::daemon
