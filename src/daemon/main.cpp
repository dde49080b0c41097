// baawatch: finds use of consumer messaging and video services that have no HIPAA BAA.
// main() builds the pipeline from one validated snapshot and feeds it packets; everything it
// writes to stdout (or the configured file) is the product output, everything on stderr is our
// own log.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/capture/pcap_live_source.hpp"
#include "baawatch/capture/reopening_live_source.hpp"
#include "baawatch/daemon/report_command.hpp"
#include "baawatch/daemon/snapshot_loader.hpp"
#include "baawatch/daemon/status_command.hpp"
#include "baawatch/daemon/verify_command.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/engine/pipeline.hpp"
#include "baawatch/engine/source_runner.hpp"
#include "baawatch/sink/async_sink.hpp"
#include "baawatch/sink/email_sink.hpp"
#include "baawatch/sink/prometheus_text.hpp"
#include "baawatch/sink/record_sink.hpp"
#include "baawatch/sink/syslog_sink.hpp"
// Private headers of the daemon stage, beside this file.
#include "command_line.hpp"
#include "live_control.hpp"
#include "privileges.hpp"
#include "replay_progress.hpp"
#include "replay_summary.hpp"
#include "signal_set.hpp"
#include "status_file.hpp"

namespace {

using namespace baawatch;
using daemon::kExitRuntime;
using daemon::kExitUsage;

std::string sensorName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

sink::SyslogOptions syslogOptions(const engine::Settings& settings, std::size_t index,
                                  const std::string& sensor) {
  sink::SyslogOptions options = settings.output.syslog[index];
  options.hostName = sensor;
  options.format = settings.output.format;
  options.counterPrefix = "syslog." + std::to_string(index);
  return options;
}

sink::EmailOptions emailOptions(const engine::Settings& settings,
                                const record::RecordOrigin& origin) {
  sink::EmailOptions options = *settings.output.email;
  options.sensor = origin.sensor;
  options.logPath = settings.output.jsonPath;
  options.heloName = sensorName();  // the machine's own name, as EHLO wants it
  options.runId = origin.runId;
  return options;
}

// The writer thread, its targets (the JSON lines output, every syslog destination, e-mail, the
// metrics file) and the tally of alerts beside them, which counts what they were given.
struct Outputs {
  std::unique_ptr<sink::AsyncSink> sink;
  const daemon::AlertTally* tally = nullptr;  // owned by `sink`
  std::vector<std::string> descriptions;      // where the records go, in plain words
};

// `liveInterface`: the captured interface, empty for a replay.
Expected<Outputs, std::string> openOutputs(const engine::Settings& settings,
                                           const record::RecordOrigin& origin,
                                           const std::string& liveInterface,
                                           const std::shared_ptr<spdlog::logger>& log) {
  const bool live = !liveInterface.empty();
  Outputs outputs;
  std::vector<std::unique_ptr<sink::SinkTarget>> targets;
  auto json = sink::JsonFileTarget::open(settings.output.jsonPath, settings.output.format);
  if (!json) return unexpected(json.error());
  targets.push_back(std::move(*json));
  outputs.descriptions.push_back(settings.output.jsonPath == "-" ? std::string("standard output")
                                                                 : settings.output.jsonPath);
  for (std::size_t index = 0; index < settings.output.syslog.size(); ++index) {
    auto syslog = sink::SyslogSink::open(syslogOptions(settings, index, origin.sensor),
                                         [log](const std::string& line) { log->warn("{}", line); });
    if (!syslog) return unexpected(syslog.error());
    log->info("output: {}", (*syslog)->describe());
    outputs.descriptions.push_back((*syslog)->describe());
    targets.push_back(std::move(*syslog));
  }
  if (settings.output.email) {
    auto email = sink::EmailSink::open(emailOptions(settings, origin),
                                       [log](const std::string& line) { log->warn("{}", line); });
    if (!email) return unexpected(email.error());
    log->info("output: {}", (*email)->describe());
    outputs.descriptions.push_back((*email)->describe());
    targets.push_back(std::move(*email));
  }
  // Prometheus text for node_exporter's textfile collector, rewritten with each stats record.
  if (!settings.output.metricsFile.empty()) {
    auto metrics = sink::PrometheusFileTarget::open(
        {settings.output.metricsFile, [log](const std::string& line) { log->warn("{}", line); }});
    if (!metrics) return unexpected(metrics.error());
    log->info("output: metrics file {}", settings.output.metricsFile);
    outputs.descriptions.push_back("metrics " + settings.output.metricsFile);
    targets.push_back(std::move(*metrics));
  }
  // What `baawatch status` reads. A convenience: without a writable state directory the daemon
  // runs on and says so.
  if (live) {
    auto status = daemon::StatusFileTarget::open(
        {settings.stateDirectory + "/status.json", origin.sensor, liveInterface,
         [log](const std::string& line) { log->warn("{}", line); }});
    if (status) {
      targets.push_back(std::move(*status));
    } else {
      log->warn("no status for `baawatch status`: {}", status.error());
    }
  }
  // Who and what is kept for a replay's summary only: a daemon runs for months.
  auto tally = std::make_unique<daemon::AlertTally>(daemon::AlertTallyOptions{!live});
  outputs.tally = tally.get();
  targets.push_back(std::move(tally));
  sink::AsyncSinkOptions options;
  options.capacity = settings.output.queueCapacity;
  options.waitWhenFull = !live;  // a file can wait for the sinks, the wire cannot
  options.recordIdPrefix = origin.sensor + ":" + origin.runId;
  outputs.sink = std::make_unique<sink::AsyncSink>(std::move(targets), options);
  return outputs;
}

int run(int argc, char** argv) {
  CLI::App app{"baawatch: detects use of messaging and video services without a HIPAA BAA"};
  std::vector<std::string> readFiles;
  std::string interfaceName;
  std::string configFile;
  std::string signaturesFolder;
  std::string policyFile;
  std::string outputPath;
  unsigned threads = 0;
  bool checkConfig = false;
  bool flowRecords = false;
  bool version = false;
  app.add_option("-r,--read", readFiles, "Read packets from a pcap or pcapng file (repeatable)");
  app.add_option("-i,--interface", interfaceName,
                 "Capture live from this interface until SIGTERM/SIGINT (SIGHUP reloads)")
      ->excludes("--read");
  app.add_option("-c,--config", configFile, "YAML configuration file (baawatch.yaml)");
  app.add_option("--signatures", signaturesFolder, "Signatures folder (overrides the config)");
  app.add_option("--policy", policyFile, "Policy file (overrides the config)");
  app.add_option("-o,--output", outputPath, "Write JSON lines here instead of the configured output ('-' = stdout)");
  app.add_option("--threads", threads,
                 "Flow-sharded worker threads (overrides config `workers:`; 1 = single-threaded)")
      ->check(CLI::Range(1u, static_cast<unsigned>(engine::kMaxWorkers)));
  app.add_flag("--flows", flowRecords, "Also write one `flow` record per ended flow");
  app.add_flag("--check-config", checkConfig, "Validate config, policy and signatures, then exit");
  app.add_flag("-V,--version", version, "Print the version and exit");
  app.footer(
      "Commands:\n"
      "  baawatch verify LOG...   check a log's hash chain (baawatch verify --help)\n"
      "  baawatch report LOG...   the auditor's report from logs (baawatch report --help)\n"
      "  baawatch review ...      a reviewer's decision (baawatch review --help)\n"
      "  baawatch status          the running daemon's state (baawatch status --help)\n"
      "\n"
      "Exit codes: 0 success; 1 a runtime failure (an input that could not be read, an output\n"
      "that could not be opened, a capture that failed); 2 a usage or configuration error.");
  if (auto status = daemon::parseCommandLine(app, argc, argv)) return *status;

  if (version) {
    std::cout << "baawatch " << BAAWATCH_VERSION << "\n";
    return 0;
  }
  auto log = spdlog::stderr_color_mt("baawatch");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");

  daemon::SnapshotRequest request{configFile, signaturesFolder, policyFile, argv[0]};
  daemon::SnapshotResult loaded = daemon::loadSnapshot(request);
  if (!loaded.errors.empty()) {
    // Every error, each with its place: one edit per error, not one run per error.
    for (const auto& error : loaded.errors) std::cerr << error << "\n";
    std::cerr << "baawatch: " << loaded.errors.size() << " configuration error"
              << (loaded.errors.size() == 1 ? "" : "s") << "\n";
    return kExitUsage;
  }
  engine::Snapshot snapshot = std::move(*loaded.snapshot);
  if (checkConfig) {
    std::cout << "configuration OK: " << snapshot.catalog->services.size()
              << " services from " << loaded.signaturesFolder << " (signatures "
              << snapshot.catalog->version << "), policy "
              << (snapshot.policy->file.empty() ? std::string("built-in default")
                                                : snapshot.policy->file)
              << " (" << snapshot.policy->version << ")\n";
    return 0;
  }
  if (readFiles.empty() && interfaceName.empty()) {
    std::cerr << "baawatch: nothing to read: give -r FILE or -i INTERFACE\n";
    return kExitUsage;
  }
  if (flowRecords) snapshot.settings.output.flowRecords = true;
  if (!outputPath.empty()) snapshot.settings.output.jsonPath = outputPath;
  if (threads > 0) snapshot.settings.workers = threads;
  unsigned workers = snapshot.settings.workers;
  // One run id per process start: in every record_id and flow_id, so both are unique across
  // restarts.
  const record::RecordOrigin origin{
      snapshot.settings.sensor.name.empty() ? sensorName() : snapshot.settings.sensor.name,
      sink::newRunId()};

  if (!interfaceName.empty()) {
    // Signals are blocked before the writer thread starts, so only the main loop receives them.
    daemon::SignalSet signals;
    capture::ReopeningLiveOptions liveOptions;
    const engine::CaptureSettings& captureSettings = snapshot.settings.capture;
    liveOptions.capture.interface = interfaceName;
    liveOptions.capture.snaplen = captureSettings.snaplen;
    liveOptions.capture.bufferBytes = captureSettings.bufferBytes;
    liveOptions.capture.immediate = captureSettings.immediate;
    liveOptions.capture.promiscuous = captureSettings.promiscuous;
    liveOptions.capture.filter = captureSettings.filter;
    liveOptions.linkTypeSupported = decode::isSupportedLinkType;
    liveOptions.log = [log](capture::CaptureLogLevel level, const std::string& line) {
      switch (level) {
        case capture::CaptureLogLevel::kDebug: log->debug("{}", line); break;
        case capture::CaptureLogLevel::kWarning: log->warn("{}", line); break;
        case capture::CaptureLogLevel::kError: log->error("{}", line); break;
      }
    };
    auto opened = capture::PcapLiveSource::open(liveOptions.capture);
    if (!opened) {
      std::cerr << "baawatch: cannot capture on " << opened.error().message << "\n";
      return kExitRuntime;
    }
    if (!decode::isSupportedLinkType(opened->linkType())) {
      std::cerr << "baawatch: " << interfaceName << ": unsupported link type "
                << opened->linkType() << "\n";
      return kExitRuntime;
    }
    auto output = openOutputs(snapshot.settings, origin, interfaceName, log);
    if (!output) {
      std::cerr << "baawatch: cannot open output " << output.error() << "\n";
      return kExitRuntime;
    }
    // The capture handle and every output are open: root is no longer needed.
    if (auto dropped = daemon::dropPrivileges({snapshot.settings.user}); !dropped) {
      std::cerr << "baawatch: cannot drop privileges: " << dropped.error() << "\n";
      return kExitRuntime;
    }
    log->info("signatures {} ({} services, version {}), policy {}", loaded.signaturesFolder,
              snapshot.catalog->services.size(), snapshot.catalog->version,
              snapshot.policy->file.empty() ? std::string("built-in default")
                                            : snapshot.policy->file);
    sink::AsyncSink& outputs = *output->sink;
    auto pipelinePtr = engine::makePipeline(std::move(snapshot), outputs, origin, workers);
    engine::PacketPipeline& pipeline = *pipelinePtr;
    pipeline.addCounterSource([&outputs] { return outputs.counters(); });
    auto reload = [request, flowRecords, outputPath] {
      daemon::SnapshotResult result = daemon::loadSnapshot(request);
      if (result.snapshot) {
        if (flowRecords) result.snapshot->settings.output.flowRecords = true;
        if (!outputPath.empty()) result.snapshot->settings.output.jsonPath = outputPath;
      }
      return result;
    };
    daemon::LiveControl control(pipeline, signals, log, reload, [&outputs] { outputs.reopen(); });
    capture::ReopeningLiveSource source(liveOptions, std::move(*opened));
    pipeline.addCounterSource([&source] { return source.counters(); });
    log->info("capturing on {} (link type {}){}", source.name(), source.linkType(),
              liveOptions.capture.filter.empty()
                  ? std::string()
                  : ", filter '" + liveOptions.capture.filter + "'");
    daemon::notifySystemd("READY=1\nSTATUS=capturing on " + source.name());
    engine::runSource(source, pipeline, {engine::RunnerClock::kWallClock, &control});
    daemon::notifySystemd("STOPPING=1");
    log->info("draining: closing open flows and encounters, flushing outputs");
    pipeline.finish();
    Counters totals = pipeline.counters();
    log->info("stopped: {} packets, {} kernel drops, {} flows, {} alerts, {} records dropped",
              totals.get("capture.packets"), totals.get("capture.kernel_drops"),
              totals.get("flow.created"), totals.get("policy.alerts"),
              totals.get("sink.queue.overflow"));
    return 0;
  }

  // Open every input first. One that cannot be read is reported and skipped, so a batch of
  // captures is not lost to one bad file; the exit code still says that something failed.
  std::vector<capture::PcapFileSource> sources;
  std::size_t skippedFiles = 0;
  for (const auto& file : readFiles) {
    auto source = capture::PcapFileSource::open(file);
    if (!source) {
      std::cerr << "baawatch: cannot read " << source.error().message << " (skipped)\n";
      ++skippedFiles;
      continue;
    }
    if (!decode::isSupportedLinkType(source->linkType())) {
      std::cerr << "baawatch: " << file << ": unsupported link type " << source->linkType()
                << " (supported: Ethernet, 802.1Q/QinQ, Linux SLL/SLL2, raw IP, BSD loopback;"
                << " skipped)\n";
      ++skippedFiles;
      continue;
    }
    sources.push_back(std::move(*source));
  }
  if (sources.empty()) {
    std::cerr << "baawatch: none of the " << readFiles.size() << " input files could be read\n";
    return kExitRuntime;
  }

  auto output = openOutputs(snapshot.settings, origin, std::string(), log);
  if (!output) {
    std::cerr << "baawatch: cannot open output " << output.error() << "\n";
    return kExitRuntime;
  }
  log->info("signatures {} ({} services, version {}), policy {}", loaded.signaturesFolder,
            snapshot.catalog->services.size(), snapshot.catalog->version,
            snapshot.policy->file.empty() ? std::string("built-in default") : snapshot.policy->file);

  sink::AsyncSink& outputs = *output->sink;
  auto pipelinePtr = engine::makePipeline(std::move(snapshot), outputs, origin, workers);
  engine::PacketPipeline& pipeline = *pipelinePtr;
  pipeline.addCounterSource([&outputs] { return outputs.counters(); });
  // A progress line only for a person watching: on a terminal. A log or a pipe gets none.
  std::optional<daemon::ReplayProgress> progress;
  if (::isatty(STDERR_FILENO) == 1) {
    std::uint64_t totalBytes = 0;
    for (const auto& source : sources) {
      std::uint64_t size = source.progress().totalBytes;
      if (size == 0) {  // one file of unknown size: no time left for the whole replay
        totalBytes = 0;
        break;
      }
      totalBytes += size;
    }
    progress.emplace(sources.size(), totalBytes, daemon::ReplayProgressOptions{});
  }
  for (auto& source : sources) {
    engine::RunnerOptions runner;
    if (progress) {
      progress->begin(source);
      runner.control = &*progress;
    }
    engine::RunResult read = engine::runSource(source, pipeline, runner);
    if (progress) progress->end();
    if (read.end == engine::RunEnd::kError) {
      // A damaged tail (truncated record, interface with another link type): keep everything
      // read so far and say so.
      log->warn("{} (stopped reading this file after {} packets)", read.error, read.packets);
      pipeline.countCaptureEvent("capture.read_errors");
    }
    log->info("{}: {} packets", source.name(), read.packets);
  }
  progress.reset();
  pipeline.finish();
  Counters totals = pipeline.counters();
  log->info("done: {} packets, {} malformed, {} flows, {} alerts, {} suppressed",
            totals.get("capture.packets"), totals.get("decode.malformed"),
            totals.get("flow.created"), totals.get("policy.alerts"),
            totals.get("policy.suppressed"));
  if (skippedFiles > 0) {
    log->error("{} of {} input files could not be read and were skipped", skippedFiles,
               readFiles.size());
  }
  // The run in plain words, after the log: what was read, what it found, where it went.
  daemon::ReplaySummary summary;
  summary.filesRead = sources.size();
  summary.filesSkipped = skippedFiles;
  summary.packets = totals.get("capture.packets");
  summary.flows = totals.get("flow.created");
  summary.alerts = output->tally->alerts();
  summary.alertsByService = output->tally->alertsByService();
  summary.visibility = output->tally->visibility();
  summary.visibilityByService = output->tally->visibilityByService();
  summary.outputs = output->descriptions;
  std::cerr << daemon::summaryText(summary) << std::flush;
  if (skippedFiles > 0) return kExitRuntime;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 1 && std::string_view(argv[1]) == "verify") return baawatch::daemon::runVerifyCommand(argc - 1, argv + 1);
    if (argc > 1 && std::string_view(argv[1]) == "report") return baawatch::daemon::runReportCommand(argc - 1, argv + 1);
    if (argc > 1 && std::string_view(argv[1]) == "review") return baawatch::daemon::runReviewCommand(argc - 1, argv + 1);
    if (argc > 1 && std::string_view(argv[1]) == "status")
      return baawatch::daemon::runStatusCommand(argc - 1, argv + 1);
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "baawatch: " << error.what() << "\n";
    return baawatch::daemon::kExitRuntime;
  }
}
