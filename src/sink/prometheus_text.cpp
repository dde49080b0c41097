#include "baawatch/sink/prometheus_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "baawatch/record/event_type.hpp"
#include "baawatch/sink/disk_spool.hpp"
#include "baawatch/sink/file_replace.hpp"

namespace baawatch::sink {
namespace {

enum class MetricType : std::uint8_t { kCounter, kGauge };

// One metric family. Unlabelled: `counter` is the stats counter's full name. Labelled: the stats
// counters are `<counter><label value>` (per service) or `<counter><label value><suffix>` (per
// syslog destination, `syslog.<N>.sent`), and the label value is what lies in between.
struct Family {
  std::string_view name;
  MetricType type;
  std::string_view help;
  std::string_view counter;
  std::string_view label = {};
  std::string_view suffix = {};
  // Unlabelled families are written even when the counter is absent (0), except those of an
  // output that may not be configured (e-mail): a dashboard must not read "0 sent" as "set up".
  bool onlyWhenCounted = false;
};

// The dashboard's figures (issue #4): packets, drops, flows, alerts by service, sink backlog.
// Names follow the Prometheus naming guide: `baawatch_` prefix, base units, `_total` on counters.
constexpr Family kFamilies[] = {
    {"baawatch_packets_total", MetricType::kCounter,
     "Packets captured from the interface or read from files.", "capture.packets"},
    {"baawatch_bytes_total", MetricType::kCounter, "Bytes of the packets on the wire.",
     "capture.bytes"},
    {"baawatch_capture_kernel_drops_total", MetricType::kCounter,
     "Packets the kernel dropped because the capture buffer was full.", "capture.kernel_drops"},
    {"baawatch_capture_interface_drops_total", MetricType::kCounter,
     "Packets the network interface or its driver dropped.", "capture.interface_drops"},
    {"baawatch_capture_lost_total", MetricType::kCounter,
     "Times the capture interface disappeared.", "capture.lost"},
    {"baawatch_capture_reopens_total", MetricType::kCounter,
     "Times the capture was reopened after the interface came back.", "capture.reopens"},
    {"baawatch_capture_down_seconds_total", MetricType::kCounter,
     "Seconds without a capture handle (interface gone).", "capture.down_seconds"},
    {"baawatch_decode_malformed_total", MetricType::kCounter,
     "Malformed packets (every reason; the stats record names each).", "decode.malformed"},
    {"baawatch_flows_total", MetricType::kCounter, "Flows created.", "flow.created"},
    {"baawatch_flows_active", MetricType::kGauge, "Flows in the flow table.", "flow.active"},
    {"baawatch_alerts_total", MetricType::kCounter,
     "Alerts written (suppressed repeats not included), by service.",
     "policy.alerts_by_service.", "service"},
    {"baawatch_visibility_total", MetricType::kCounter,
     "Lost-visibility records written (VPN, Private Relay, encrypted DNS, Tor), by service.",
     "policy.visibility_by_service.", "service"},
    {"baawatch_alerts_suppressed_total", MetricType::kCounter,
     "Repeated alerts held back by the policy's suppression interval.", "policy.suppressed"},
    {"baawatch_sink_records_total", MetricType::kCounter,
     "Records queued for the outputs.", "sink.queue.records"},
    {"baawatch_sink_queue_overflow_total", MetricType::kCounter,
     "Records dropped because the output queue was full.", "sink.queue.overflow"},
    {"baawatch_sink_queue_backlog", MetricType::kGauge,
     "Records waiting in the output queue.", "sink.queue.backlog"},
    {"baawatch_sink_queue_high_water", MetricType::kGauge,
     "Most records ever waiting in the output queue.", "sink.queue.high_water"},
    {"baawatch_syslog_sent_total", MetricType::kCounter,
     "Syslog messages sent, by destination (index in output.syslog).", "syslog.", "destination",
     ".sent"},
    {"baawatch_syslog_failed_total", MetricType::kCounter,
     "Syslog send failures and lost TCP connections, by destination.", "syslog.", "destination",
     ".failed"},
    {"baawatch_syslog_spooled_total", MetricType::kCounter,
     "Syslog messages written to the disk spool (TCP), by destination.", "syslog.",
     "destination", ".spooled"},
    {"baawatch_syslog_spool_overflow_total", MetricType::kCounter,
     "Syslog messages lost because the spool was full or unwritable, by destination.",
     "syslog.", "destination", ".spool_overflow"},
    {"baawatch_syslog_reconnects_total", MetricType::kCounter,
     "TCP reconnects to the syslog receiver, by destination.", "syslog.", "destination",
     ".reconnects"},
    {"baawatch_syslog_resent_total", MetricType::kCounter,
     "Syslog messages sent again after a broken connection, by destination.", "syslog.",
     "destination", ".resent"},
    {"baawatch_syslog_spool_records", MetricType::kGauge,
     "Syslog messages waiting in the disk spool, by destination.", "syslog.", "destination",
     ".spool_pending"},
    {"baawatch_syslog_spool_bytes", MetricType::kGauge,
     "Bytes waiting in the disk spool, by destination.", "syslog.", "destination",
     ".spool_bytes"},
    {"baawatch_email_sent_total", MetricType::kCounter,
     "Mails the mail server (or sendmail) took.", "email.sent", {}, {}, true},
    {"baawatch_email_failed_total", MetricType::kCounter,
     "Mail delivery attempts that failed (server unreachable, TLS or AUTH refused, mail refused).",
     "email.failed", {}, {}, true},
    {"baawatch_email_retried_total", MetricType::kCounter,
     "Mail delivery attempts after a failed one.", "email.retried", {}, {}, true},
    {"baawatch_email_spooled_total", MetricType::kCounter,
     "Mails that had to wait in the spool for the mail server.", "email.spooled", {}, {}, true},
    {"baawatch_email_rejected_total", MetricType::kCounter,
     "Mails the mail server refused for good, kept aside in the spool folder.", "email.rejected",
     {}, {}, true},
    {"baawatch_email_spool_overflow_total", MetricType::kCounter,
     "Mails lost because the mail spool was full or unwritable.", "email.spool_overflow", {}, {},
     true},
    {"baawatch_email_spool_mails", MetricType::kGauge, "Mails waiting in the spool.",
     "email.spool_pending", {}, {}, true},
    {"baawatch_reloads_total", MetricType::kCounter,
     "Configuration reloads applied (SIGHUP).", "daemon.reload.applied"},
    {"baawatch_reload_failures_total", MetricType::kCounter,
     "Configuration reloads refused because a file had an error.", "daemon.reload.failed"},
    {"baawatch_metrics_file_write_errors_total", MetricType::kCounter,
     "Failed rewrites of this metrics file.", "metrics_file.write_errors"},
};

// Per-destination counters are `syslog.<N>.<what>`: the label is N, digits only, so a name
// that merely ends the same way (`syslog.0.x.sent`) is not taken for a destination.
bool isIndex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string escapePrometheusLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string formatPrometheusText(const Counters& counters) {
  std::string text;
  for (const Family& family : kFamilies) {
    std::vector<std::pair<std::string, std::uint64_t>> samples;  // label value (may be empty)
    if (family.label.empty()) {
      if (family.onlyWhenCounted && counters.values().find(family.counter) == counters.values().end()) {
        continue;
      }
      samples.emplace_back(std::string(), counters.get(family.counter));
    } else {
      // The map is ordered: every name with the prefix sits in one run starting here, and the
      // samples come out sorted by the counter's name.
      const auto& values = counters.values();
      for (auto it = values.lower_bound(family.counter);
           it != values.end() && std::string_view(it->first).starts_with(family.counter); ++it) {
        std::string_view rest = std::string_view(it->first).substr(family.counter.size());
        if (!family.suffix.empty()) {
          if (!rest.ends_with(family.suffix)) continue;
          rest.remove_suffix(family.suffix.size());
          if (!isIndex(rest)) continue;
        }
        if (rest.empty()) continue;
        samples.emplace_back(std::string(rest), it->second);
      }
      if (samples.empty()) continue;
    }
    text += "# HELP ";
    text += family.name;
    text += ' ';
    text += family.help;  // plain sentences: no backslash or line feed to escape
    text += "\n# TYPE ";
    text += family.name;
    text += family.type == MetricType::kCounter ? " counter\n" : " gauge\n";
    for (const auto& [labelValue, value] : samples) {
      text += family.name;
      if (!family.label.empty()) {
        text += '{';
        text += family.label;
        text += "=\"";
        text += escapePrometheusLabelValue(labelValue);
        text += "\"}";
      }
      text += ' ';
      text += std::to_string(value);
      text += '\n';
    }
  }
  return text;
}

Expected<std::unique_ptr<PrometheusFileTarget>, std::string> PrometheusFileTarget::open(
    PrometheusFileOptions options) {
  const std::string& path = options.path;
  if (!path.ends_with(".prom")) {
    return unexpected(path + ": a metrics file must end in .prom (the textfile collector reads "
                             "nothing else)");
  }
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    return unexpected(path + ": folder " + folder.string() + " does not exist");
  }
  std::unique_ptr<PrometheusFileTarget> target(new PrometheusFileTarget(std::move(options)));
  // Prove now that the temporary file can be made, so a wrong folder fails the start and not
  // every interval after it.
  std::string probe = target->options_.path + ".tmp";
  UniqueFd fd(::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd.valid()) return unexpected(probe + ": " + std::strerror(errno));
  fd.reset();
  ::unlink(probe.c_str());
  return target;
}

void PrometheusFileTarget::write(const nlohmann::json& record) {
  auto type = record.find("event_type");
  if (type == record.end() || !type->is_string() ||
      record::parseEventType(type->get<std::string>()) != record::EventType::kStats) {
    return;
  }
  Counters counters;
  auto values = record.find("counters");
  if (values != record.end() && values->is_object()) {
    for (const auto& [name, value] : values->items()) {
      if (value.is_number_unsigned()) counters.add(name, value.get<std::uint64_t>());
    }
  }
  // World-readable whatever the umask (the unit's UMask=0027): the figures are counts, not
  // patient data, and node_exporter runs as a user of its own.
  std::string failure = replaceFile(options_.path, formatPrometheusText(counters), 0644);
  if (failure.empty()) {
    written_.fetch_add(1, std::memory_order_relaxed);
    if (failing_ && options_.log) options_.log("metrics file: writing " + options_.path + " again");
    failing_ = false;
    return;
  }
  writeErrors_.fetch_add(1, std::memory_order_relaxed);
  if (!failing_ && options_.log) options_.log("metrics file: " + failure);
  failing_ = true;
}

Counters PrometheusFileTarget::counters() const {
  Counters counters;
  counters.add("metrics_file.written", written_.load(std::memory_order_relaxed));
  counters.add("metrics_file.write_errors", writeErrors_.load(std::memory_order_relaxed));
  return counters;
}

}  // namespace baawatch::sink
