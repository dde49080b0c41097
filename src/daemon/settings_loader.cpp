// Loads baawatch.yaml (format: docs/configuration.md). Every key is optional and starts from the
// defaults in settings.hpp; whatever is present is checked with its file:line:column.
#include <fmt/format.h>

#include <filesystem>

#include "baawatch/common/config_error.hpp"
#include "baawatch/common/yaml_support.hpp"
#include "baawatch/daemon/settings.hpp"

namespace baawatch::daemon {
namespace {

// A path written in the config file means "next to this file", so `baawatch -c /etc/x.yaml`
// behaves the same from any working directory.
std::string resolvePath(const yaml::Node& node, const std::filesystem::path& folder) {
  std::string text = node.asString();
  if (text.empty()) node.fail("must not be empty");
  std::filesystem::path path(text);
  if (path.is_absolute() || folder.empty()) return path.lexically_normal().string();
  return (folder / path).lexically_normal().string();
}

// Durations that must be positive: a zero timeout or interval would end every flow at once or
// spin the reporter.
double positiveDuration(const yaml::Node& node) {
  double seconds = node.asDurationSeconds();
  if (seconds <= 0) node.fail("must be longer than 0");
  return seconds;
}

void loadOutput(const yaml::Node& node, const std::filesystem::path& folder,
                OutputSettings& output) {
  node.requireMap();
  node.allowOnlyKeys(
      {"json", "flow_records", "counts_interval", "stats_interval", "encounter_gap"});
  if (node.has("json")) {
    yaml::Node json = node.child("json");
    output.jsonPath = json.asString() == "-" ? "-" : resolvePath(json, folder);
  }
  output.flowRecords = node.boolOr("flow_records", output.flowRecords);
  if (node.has("counts_interval")) {
    output.countsInterval = positiveDuration(node.child("counts_interval"));
  }
  if (node.has("stats_interval")) {
    output.statsInterval = node.child("stats_interval").asDurationSeconds();
  }
  if (node.has("encounter_gap")) {
    output.encounterGap = node.child("encounter_gap").asDurationSeconds();
  }
}

void loadFlows(const yaml::Node& node, FlowSettings& flows) {
  node.requireMap();
  node.allowOnlyKeys({"max_flows", "ndpi_packet_budget", "timeouts"});
  if (node.has("max_flows")) {
    flows.maxFlows = static_cast<std::uint32_t>(node.child("max_flows").asInteger(1, 100000000));
  }
  if (node.has("ndpi_packet_budget")) {
    // nDPI gives up on most protocols within a few dozen packets; past 255 only memory grows.
    flows.ndpiPacketBudget =
        static_cast<std::uint32_t>(node.child("ndpi_packet_budget").asInteger(1, 255));
  }
  if (node.has("timeouts")) {
    yaml::Node timeouts = node.child("timeouts");
    timeouts.requireMap();
    timeouts.allowOnlyKeys({"tcp_syn", "tcp_established", "tcp_closed", "udp", "other"});
    auto read = [&](std::string_view key, double& target) {
      if (timeouts.has(key)) target = positiveDuration(timeouts.child(key));
    };
    read("tcp_syn", flows.tcpSynTimeout);
    read("tcp_established", flows.tcpEstablishedTimeout);
    read("tcp_closed", flows.tcpClosedTimeout);
    read("udp", flows.udpTimeout);
    read("other", flows.otherTimeout);
  }
}

void loadDnsCache(const yaml::Node& node, DnsCacheSettings& cache) {
  node.requireMap();
  node.allowOnlyKeys({"max_entries", "min_ttl", "max_ttl"});
  if (node.has("max_entries")) {
    cache.maxEntries =
        static_cast<std::uint32_t>(node.child("max_entries").asInteger(1, 100000000));
  }
  if (node.has("min_ttl")) cache.minTtl = node.child("min_ttl").asDurationSeconds();
  if (node.has("max_ttl")) {
    yaml::Node maxTtl = node.child("max_ttl");
    cache.maxTtl = maxTtl.asDurationSeconds();
    if (cache.maxTtl < cache.minTtl) {
      maxTtl.fail(fmt::format("{} s is shorter than min_ttl ({} s)", cache.maxTtl, cache.minTtl));
    }
  } else if (cache.maxTtl < cache.minTtl) {
    node.child("min_ttl").fail(
        fmt::format("{} s is longer than max_ttl ({} s)", cache.minTtl, cache.maxTtl));
  }
}

}  // namespace

Settings loadSettings(const std::string& file) {
  yaml::Node root = yaml::loadFile(file);
  Settings settings;
  settings.file = file;
  // An empty file or one holding only comments is a valid "all defaults" config.
  if (root.raw().IsNull()) return settings;
  root.requireMap();
  root.allowOnlyKeys({"signatures", "policy", "output", "flows", "dns_cache"});
  std::filesystem::path folder = std::filesystem::path(file).parent_path();

  if (root.has("signatures"))
    settings.signaturesFolder = resolvePath(root.child("signatures"), folder);
  if (root.has("policy")) settings.policyFile = resolvePath(root.child("policy"), folder);
  if (root.has("output")) loadOutput(root.child("output"), folder, settings.output);
  if (root.has("flows")) loadFlows(root.child("flows"), settings.flows);
  if (root.has("dns_cache")) loadDnsCache(root.child("dns_cache"), settings.dnsCache);
  return settings;
}

}  // namespace baawatch::daemon
