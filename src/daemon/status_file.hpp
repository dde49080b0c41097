#pragma once
// The live daemon's state for `baawatch status`: `<state_directory>/status.json`, kept by a
// target of the writer thread, so it says what the outputs were given. It holds the process (pid,
// sensor, interface, start time), the figures of the latest `stats` record (packets, drops, sink
// backlog, spools) and the alerts of the current UTC day by service. It is rewritten on every
// stats record, at most every two seconds while alerts arrive or the writer idles, and at the end
// with "running": false; each time to `status.json.tmp`, renamed over the file, so a reader sees
// the previous state or the new one. Write failures are counted (`status_file.write_errors`) and
// logged once per streak, never thrown: the status is a convenience, the outputs come first.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "baawatch/common/expected.hpp"
#include "baawatch/sink/async_sink.hpp"

namespace baawatch::daemon {

struct StatusFileOptions {
  std::string path;  // <state_directory>/status.json
  std::string sensor;
  std::string interface;  // the captured interface
  std::function<void(const std::string&)> log;
};

class StatusFileTarget final : public sink::SinkTarget {
 public:
  // Writes the first state (running, nothing counted yet); an error when the folder is missing or
  // not writable.
  static Expected<std::unique_ptr<StatusFileTarget>, std::string> open(StatusFileOptions options);
  // The last state: "running": false.
  ~StatusFileTarget() override;

  void write(const nlohmann::json& record) override;
  void flush() override;
  void idle() override { flush(); }
  // status_file.written, status_file.write_errors.
  Counters counters() const override;

  // The state as written (for tests).
  nlohmann::json state(bool running) const;

 private:
  explicit StatusFileTarget(StatusFileOptions options);
  void writeFile(bool running);

  StatusFileOptions options_;
  std::string started_;   // ISO 8601 UTC, wall clock
  nlohmann::json stats_;  // the latest stats record's figures, or null
  std::string alertDay_;  // YYYY-MM-DD of the alerts counted
  std::map<std::string, std::uint64_t> alertsByService_;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point lastWrite_{};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> writeErrors_{0};
  bool failing_ = false;
};

}  // namespace baawatch::daemon
