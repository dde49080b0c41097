// baawatch: finds use of consumer messaging and video services that have no HIPAA BAA.
// main() builds the pipeline from one validated snapshot and feeds it packets; everything it
// writes to stdout (or the configured file) is the product output, everything on stderr is our
// own log.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/daemon/pipeline.hpp"
#include "baawatch/daemon/snapshot_loader.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/sink/record_sink.hpp"

namespace {

using namespace baawatch;

std::string sensorName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

int run(int argc, char** argv) {
  CLI::App app{"baawatch: detects use of messaging and video services without a HIPAA BAA"};
  std::vector<std::string> readFiles;
  std::string configFile;
  std::string signaturesFolder;
  std::string policyFile;
  std::string outputPath;
  bool checkConfig = false;
  bool flowRecords = false;
  bool version = false;
  app.add_option("-r,--read", readFiles, "Read packets from a pcap or pcapng file (repeatable)");
  app.add_option("-c,--config", configFile, "YAML configuration file (baawatch.yaml)");
  app.add_option("--signatures", signaturesFolder, "Signatures folder (overrides the config)");
  app.add_option("--policy", policyFile, "Policy file (overrides the config)");
  app.add_option("-o,--output", outputPath, "Write JSON lines here instead of the configured output ('-' = stdout)");
  app.add_flag("--flows", flowRecords, "Also write one `flow` record per ended flow");
  app.add_flag("--check-config", checkConfig, "Validate config, policy and signatures, then exit");
  app.add_flag("-V,--version", version, "Print the version and exit");
  CLI11_PARSE(app, argc, argv);

  if (version) {
    std::cout << "baawatch " << BAAWATCH_VERSION << "\n";
    return 0;
  }
  auto log = spdlog::stderr_color_mt("baawatch");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");

  daemon::SnapshotRequest request{configFile, signaturesFolder, policyFile, argv[0]};
  daemon::SnapshotResult loaded = daemon::loadSnapshot(request);
  if (!loaded.errors.empty()) {
    for (const auto& error : loaded.errors) std::cerr << error << "\n";
    return 2;
  }
  daemon::Snapshot snapshot = std::move(*loaded.snapshot);
  if (checkConfig) {
    std::cout << "configuration OK: " << snapshot.catalog->services.size()
              << " services from " << loaded.signaturesFolder << " (signatures "
              << snapshot.catalog->version << "), policy "
              << (snapshot.policy->file.empty() ? std::string("built-in default")
                                                : snapshot.policy->file)
              << " (" << snapshot.policy->version << ")\n";
    return 0;
  }
  if (readFiles.empty()) {
    std::cerr << "baawatch: nothing to read: give -r FILE (live capture comes with -i)\n";
    return 2;
  }
  if (flowRecords) snapshot.settings.output.flowRecords = true;
  if (!outputPath.empty()) snapshot.settings.output.jsonPath = outputPath;

  // Open every input first: a bad file name fails the run before any output is written.
  std::vector<capture::PcapFileSource> sources;
  for (const auto& file : readFiles) {
    auto source = capture::PcapFileSource::open(file);
    if (!source) {
      std::cerr << "baawatch: cannot read " << source.error().message << "\n";
      return 1;
    }
    if (!decode::isSupportedLinkType(source->linkType())) {
      std::cerr << "baawatch: " << file << ": unsupported link type " << source->linkType()
                << " (supported: Ethernet, 802.1Q/QinQ, Linux SLL/SLL2, raw IP, BSD loopback)\n";
      return 1;
    }
    sources.push_back(std::move(*source));
  }

  auto output = sink::JsonLinesSink::open(snapshot.settings.output.jsonPath);
  if (!output) {
    std::cerr << "baawatch: cannot open output " << output.error() << "\n";
    return 1;
  }
  log->info("signatures {} ({} services, version {}), policy {}", loaded.signaturesFolder,
            snapshot.catalog->services.size(), snapshot.catalog->version,
            snapshot.policy->file.empty() ? std::string("built-in default") : snapshot.policy->file);

  daemon::Pipeline pipeline(std::move(snapshot), **output, sensorName());
  for (auto& source : sources) {
    capture::RawPacket packet;
    std::uint64_t packets = 0;
    for (;;) {
      capture::NextStatus status = source.next(packet);
      if (status == capture::NextStatus::kEnd) break;
      if (status == capture::NextStatus::kError) {
        // A damaged tail (truncated record, interface with another link type): keep everything
        // read so far and say so.
        log->warn("{} (stopped reading this file after {} packets)", source.lastError(), packets);
        pipeline.countCaptureEvent("capture.read_errors");
        break;
      }
      ++packets;
      pipeline.process(packet);
    }
    log->info("{}: {} packets", source.path(), packets);
  }
  pipeline.finish();
  Counters totals = pipeline.counters();
  log->info("done: {} packets, {} malformed, {} flows, {} alerts, {} suppressed",
            totals.get("capture.packets"), totals.get("decode.malformed"),
            totals.get("flow.created"), totals.get("policy.alerts"),
            totals.get("policy.suppressed"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "baawatch: " << error.what() << "\n";
    return 1;
  }
}
