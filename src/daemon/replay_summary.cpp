#include "replay_summary.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace baawatch::daemon {
namespace {

// A summary names the devices with the most alerts; the records name them all.
constexpr std::size_t kDevicesShown = 4;
constexpr std::size_t kServicesShown = 8;

std::string text(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return {};
  return found->get<std::string>();
}

std::string deviceLabel(const nlohmann::json& device) {
  std::string name = text(device, "host_name");
  if (name.empty()) name = text(device, "mac");
  std::string ip = text(device, "ip");
  if (name.empty()) return ip.empty() ? std::string("unknown device") : ip;
  return ip.empty() ? name : name + " " + ip;
}

std::string plural(std::uint64_t count, std::string_view one, std::string_view many) {
  return groupDigits(count) + " " + std::string(count == 1 ? one : many);
}

// "WhatsApp 2 (ipad-front-desk 10.0.0.5), FaceTime 1 (...)"
std::string serviceList(const std::vector<ServiceAlerts>& services) {
  std::string line;
  std::size_t shown = 0;
  for (const ServiceAlerts& service : services) {
    if (shown == kServicesShown) {
      line += fmt::format(", and {} more services", services.size() - shown);
      break;
    }
    line += fmt::format("{}{} {}", shown == 0 ? "" : ", ", service.service,
                        groupDigits(service.count));
    if (!service.devices.empty()) {
      line += " (";
      for (std::size_t i = 0; i < service.devices.size() && i < kDevicesShown; ++i) {
        const DeviceAlerts& device = service.devices[i];
        line += i == 0 ? "" : ", ";
        line += device.device;
        // A count per device only says something when there are several.
        if (service.devices.size() > 1) line += ": " + groupDigits(device.count);
      }
      if (service.devices.size() > kDevicesShown)
        line += fmt::format(", {} more devices", service.devices.size() - kDevicesShown);
      line += ")";
    }
    ++shown;
  }
  return line;
}

}  // namespace

std::string groupDigits(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return grouped;
}

void AlertTally::write(const nlohmann::json& record) {
  std::string type = text(record, "event_type");
  bool alert = type == "alert";
  if (!alert && type != "visibility") return;
  std::lock_guard lock(mutex_);
  if (alert) {
    ++alerts_;
    // RFC 3339 in UTC: the day is the first ten characters.
    std::string day = text(record, "timestamp").substr(0, 10);
    if (day != day_) {
      day_ = day;
      alertsOnDay_ = 0;
    }
    ++alertsOnDay_;
  } else {
    ++visibility_;
  }
  if (!options_.byServiceAndDevice) return;
  auto service = record.find("service");
  auto device = record.find("device");
  if (service == record.end() || !service->is_object()) return;
  ServiceCounts& counts = (alert ? alertServices_ : visibilityServices_)[text(*service, "name")];
  ++counts.count;
  if (device == record.end() || !device->is_object()) return;
  DeviceAlerts& entry = counts.devices[text(*device, "id")];
  entry.device = deviceLabel(*device);  // the latest name: DHCP may have told it meanwhile
  ++entry.count;
}

std::uint64_t AlertTally::alerts() const {
  std::lock_guard lock(mutex_);
  return alerts_;
}

std::uint64_t AlertTally::visibility() const {
  std::lock_guard lock(mutex_);
  return visibility_;
}

std::uint64_t AlertTally::alertsOn(std::string_view day) const {
  std::lock_guard lock(mutex_);
  return day == day_ ? alertsOnDay_ : 0;
}

std::vector<ServiceAlerts> AlertTally::alertsByService() const {
  std::lock_guard lock(mutex_);
  return sorted(alertServices_);
}

std::vector<ServiceAlerts> AlertTally::visibilityByService() const {
  std::lock_guard lock(mutex_);
  return sorted(visibilityServices_);
}

std::vector<ServiceAlerts> AlertTally::sorted(const std::map<std::string, ServiceCounts>& services) {
  std::vector<ServiceAlerts> list;
  for (const auto& [name, counts] : services) {
    ServiceAlerts service{name, counts.count, {}};
    for (const auto& [id, device] : counts.devices) service.devices.push_back(device);
    std::stable_sort(service.devices.begin(), service.devices.end(),
                     [](const DeviceAlerts& a, const DeviceAlerts& b) { return a.count > b.count; });
    list.push_back(std::move(service));
  }
  std::stable_sort(list.begin(), list.end(),
                   [](const ServiceAlerts& a, const ServiceAlerts& b) { return a.count > b.count; });
  return list;
}

std::string summaryText(const ReplaySummary& summary) {
  std::string out = fmt::format("read {}", plural(summary.filesRead, "file", "files"));
  if (summary.filesSkipped > 0) {
    out += fmt::format(" ({} could not be read)", groupDigits(summary.filesSkipped));
  }
  out += fmt::format(": {}, {}\n", plural(summary.packets, "packet", "packets"),
                     plural(summary.flows, "flow", "flows"));
  if (summary.alerts == 0) {
    out += "no alerts\n";
  } else {
    out += plural(summary.alerts, "alert", "alerts");
    std::string services = serviceList(summary.alertsByService);
    out += services.empty() ? "\n" : ": " + services + "\n";
  }
  if (summary.visibility > 0) {
    // What could not be seen into (VPN, Tor, encrypted DNS): not alerts, but worth a look.
    out += plural(summary.visibility, "visibility record", "visibility records");
    std::string services = serviceList(summary.visibilityByService);
    out += services.empty() ? "\n" : ": " + services + "\n";
  }
  if (!summary.outputs.empty()) {
    std::string list;
    for (const auto& output : summary.outputs) list += (list.empty() ? "" : ", ") + output;
    out += "records written to " + list + "\n";
  }
  return out;
}

}  // namespace baawatch::daemon
