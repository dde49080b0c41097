#pragma once
// What a run produced, in plain words: AlertTally counts the alert and visibility records the
// outputs are given, by service and device (for the summary at the end of a replay, and for
// `alerts today` in a live daemon's status file); summaryText() puts a replay's figures into a
// few lines for the operator's terminal. Private to the daemon stage.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "baawatch/sink/async_sink.hpp"

namespace baawatch::daemon {

// "1234567" -> "1,234,567".
std::string groupDigits(std::uint64_t value);

struct DeviceAlerts {
  std::string device;  // "ipad-front-desk 10.0.0.5": host name (else MAC) and address
  std::uint64_t count = 0;
};

struct ServiceAlerts {
  std::string service;               // the service's name, "WhatsApp"
  std::uint64_t count = 0;
  std::vector<DeviceAlerts> devices;  // most alerts first
};

struct AlertTallyOptions {
  // Keep who and what (a replay's summary); without it only the counts per UTC day are kept,
  // which is all a long-running daemon needs and stays small for good.
  bool byServiceAndDevice = false;
};

// A target of the writer thread: it sees exactly the records every output gets. write() runs on
// the writer thread; the readers are thread-safe.
class AlertTally final : public sink::SinkTarget {
 public:
  explicit AlertTally(AlertTallyOptions options) : options_(options) {}

  void write(const nlohmann::json& record) override;
  void flush() override {}

  std::uint64_t alerts() const;
  std::uint64_t visibility() const;
  // Alerts whose record time falls on `day` ("YYYY-MM-DD", UTC); only the latest day is kept,
  // so an older day reads 0.
  std::uint64_t alertsOn(std::string_view day) const;
  std::vector<ServiceAlerts> alertsByService() const;
  std::vector<ServiceAlerts> visibilityByService() const;

 private:
  struct ServiceCounts {
    std::uint64_t count = 0;
    std::map<std::string, DeviceAlerts> devices;  // by device id
  };
  static std::vector<ServiceAlerts> sorted(const std::map<std::string, ServiceCounts>& services);

  AlertTallyOptions options_;
  mutable std::mutex mutex_;
  std::uint64_t alerts_ = 0;
  std::uint64_t visibility_ = 0;
  std::string day_;
  std::uint64_t alertsOnDay_ = 0;
  std::map<std::string, ServiceCounts> alertServices_;       // by service name
  std::map<std::string, ServiceCounts> visibilityServices_;
};

struct ReplaySummary {
  std::size_t filesRead = 0;
  std::size_t filesSkipped = 0;
  std::uint64_t packets = 0;
  std::uint64_t flows = 0;
  std::uint64_t alerts = 0;
  std::vector<ServiceAlerts> alertsByService;
  std::uint64_t visibility = 0;
  std::vector<ServiceAlerts> visibilityByService;
  std::vector<std::string> outputs;  // "/var/log/baawatch/alerts.jsonl", "syslog tcp ..."
};

// A few lines, each ending in '\n':
//   read 2 files: 45,112 packets, 1,204 flows
//   3 alerts: WhatsApp 2 (ipad-front-desk 10.0.0.5), FaceTime 1 (dr-lee-iphone 10.0.0.7)
//   records written to /var/log/baawatch/alerts.jsonl
std::string summaryText(const ReplaySummary& summary);

}  // namespace baawatch::daemon
