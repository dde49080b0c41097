#include "status_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <string_view>

#include "baawatch/report/time_format.hpp"
#include "baawatch/sink/file_replace.hpp"

namespace baawatch::daemon {
namespace {

constexpr auto kMinInterval = std::chrono::seconds(2);

Timestamp wallNow() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(since).count()};
}

std::uint64_t counter(const nlohmann::json& counters, const std::string& name) {
  auto found = counters.find(name);
  return found != counters.end() && found->is_number_integer() && *found >= 0
             ? found->get<std::uint64_t>()
             : 0;
}

// The figures `baawatch status` shows, from a stats record's counters.
nlohmann::json statsFigures(const nlohmann::json& record) {
  nlohmann::json figures;
  figures["time"] = record.value("timestamp", "");
  const nlohmann::json empty = nlohmann::json::object();
  auto found = record.find("counters");
  const nlohmann::json& counters = found != record.end() && found->is_object() ? *found : empty;
  figures["packets"] = counter(counters, "capture.packets");
  figures["kernel_drops"] = counter(counters, "capture.kernel_drops");
  figures["interface_drops"] = counter(counters, "capture.interface_drops");
  figures["lost"] = counter(counters, "capture.lost");
  figures["flows_active"] = counter(counters, "flow.active");
  figures["sink_backlog"] = counter(counters, "sink.queue.backlog");
  figures["sink_overflow"] = counter(counters, "sink.queue.overflow");
  // Spools: syslog.N.spool_pending / spool_bytes per TCP destination, email.spool_pending.
  nlohmann::json spools = nlohmann::json::object();
  for (const auto& [name, value] : counters.items()) {
    if (!value.is_number_integer() || value < 0) continue;
    constexpr std::string_view kPending = ".spool_pending";
    constexpr std::string_view kBytes = ".spool_bytes";
    std::string_view key = name;
    if (key.ends_with(kPending)) {
      spools[std::string(key.substr(0, key.size() - kPending.size()))]["records"] = value;
    } else if (key.ends_with(kBytes)) {
      spools[std::string(key.substr(0, key.size() - kBytes.size()))]["bytes"] = value;
    }
  }
  figures["spools"] = std::move(spools);
  return figures;
}

}  // namespace

Expected<std::unique_ptr<StatusFileTarget>, std::string> StatusFileTarget::open(
    StatusFileOptions options) {
  std::filesystem::path folder = std::filesystem::path(options.path).parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(folder.empty() ? "." : folder, error)) {
    return unexpected(options.path + ": folder " + folder.string() + " does not exist");
  }
  std::unique_ptr<StatusFileTarget> target(new StatusFileTarget(std::move(options)));
  target->writeFile(true);
  if (target->writeErrors_.load() > 0) {
    return unexpected(target->options_.path + ": cannot be written");
  }
  return target;
}

StatusFileTarget::StatusFileTarget(StatusFileOptions options)
    : options_(std::move(options)), started_(report::formatIsoSeconds(wallNow())) {}

StatusFileTarget::~StatusFileTarget() { writeFile(false); }

void StatusFileTarget::write(const nlohmann::json& record) {
  const std::string type = record.value("event_type", "");
  if (type == "stats") {
    stats_ = statsFigures(record);
    writeFile(true);
    return;
  }
  if (type != "alert") return;
  // The UTC day of the alert, from its own time (the packet's: the wall clock when live).
  std::string day = record.value("timestamp", "").substr(0, 10);
  if (day != alertDay_) {
    alertDay_ = day;
    alertsByService_.clear();
  }
  std::string service;
  if (auto found = record.find("service"); found != record.end() && found->is_object()) {
    service = found->value("id", "");
  }
  ++alertsByService_[service];
  dirty_ = true;
}

void StatusFileTarget::flush() {
  if (dirty_ && std::chrono::steady_clock::now() - lastWrite_ >= kMinInterval) writeFile(true);
}

nlohmann::json StatusFileTarget::state(bool running) const {
  nlohmann::json state;
  state["pid"] = static_cast<long long>(::getpid());
  state["sensor"] = options_.sensor;
  state["interface"] = options_.interface;
  state["running"] = running;
  state["started"] = started_;
  state["updated"] = report::formatIsoSeconds(wallNow());
  state["stats"] = stats_;
  nlohmann::json alerts;
  alerts["day"] = alertDay_;
  std::uint64_t total = 0;
  nlohmann::json byService = nlohmann::json::object();
  for (const auto& [service, count] : alertsByService_) {
    byService[service] = count;
    total += count;
  }
  alerts["total"] = total;
  alerts["by_service"] = std::move(byService);
  state["alerts_today"] = std::move(alerts);
  return state;
}

void StatusFileTarget::writeFile(bool running) {
  // World-readable like the metrics file: a monitoring check may run as a user of its own.
  std::string failure = sink::replaceFile(options_.path, state(running).dump(2) + "\n", 0644);
  lastWrite_ = std::chrono::steady_clock::now();
  dirty_ = false;
  if (failure.empty()) {
    written_.fetch_add(1, std::memory_order_relaxed);
    if (failing_ && options_.log) options_.log("status file: writing " + options_.path + " again");
    failing_ = false;
    return;
  }
  writeErrors_.fetch_add(1, std::memory_order_relaxed);
  if (!failing_ && options_.log) options_.log("status file: " + failure);
  failing_ = true;
}

Counters StatusFileTarget::counters() const {
  Counters counters;
  counters.add("status_file.written", written_.load(std::memory_order_relaxed));
  counters.add("status_file.write_errors", writeErrors_.load(std::memory_order_relaxed));
  return counters;
}

}  // namespace baawatch::daemon
