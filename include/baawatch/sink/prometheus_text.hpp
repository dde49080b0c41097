#pragma once
// The figures of the `stats` record for an IT dashboard, in the Prometheus text exposition format
// (version 0.0.4), written to a file for node_exporter's textfile collector (config
// `output.metrics_file`, docs/gateway.md "Metrics"). No listening socket: the file is the whole
// interface, so the daemon gains no network surface.
//
// What is exported is a fixed list of metric families, each from named counters of the stats
// record (docs/gateway.md lists them): counters end in `_total`, gauges (active flows, queue
// backlog, spool size) do not; per-service and per-destination figures carry a `service` or
// `destination` label. Every other counter stays in the stats record only.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/common/counters.hpp"
#include "baawatch/common/expected.hpp"
#include "baawatch/sink/async_sink.hpp"

namespace baawatch::sink {

// The exposition text: for each family `# HELP`, `# TYPE` and its samples, families in a fixed
// order, labelled samples sorted by label value, one trailing newline. Families without a label
// are always written (0 when the counter is absent, e.g. capture drops when reading files);
// labelled families only when they have a sample.
std::string formatPrometheusText(const Counters& counters);

// Label values escaped per the text format: backslash, double quote and line feed.
std::string escapePrometheusLabelValue(std::string_view value);

struct PrometheusFileOptions {
  std::string path;  // must end in ".prom": the textfile collector reads nothing else
  // Write failures (once per failure streak, and when writing works again), for our log.
  std::function<void(const std::string&)> log;
};

// A writer-thread target: every `stats` record rewrites the file, other records are ignored.
// The text goes to `<path>.tmp` (not matched by the collector's *.prom), made world-readable so a
// node_exporter running as its own user can read it, then renamed over `path`: a scrape sees the
// previous file or the new one, never half of one. Not fsynced: after a power cut the next
// interval rewrites it. Errors are counted (`metrics_file.write_errors`), never thrown.
class PrometheusFileTarget : public SinkTarget {
 public:
  // Checks that the folder exists and a file can be created in it (as the user at start: after a
  // switch to `user:` the folder must stay writable for that user).
  static Expected<std::unique_ptr<PrometheusFileTarget>, std::string> open(
      PrometheusFileOptions options);

  void write(const nlohmann::json& record) override;
  void flush() override {}
  // metrics_file.written, metrics_file.write_errors.
  Counters counters() const override;

 private:
  explicit PrometheusFileTarget(PrometheusFileOptions options) : options_(std::move(options)) {}

  PrometheusFileOptions options_;
  bool failing_ = false;  // writer thread only
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> writeErrors_{0};
};

}  // namespace baawatch::sink
