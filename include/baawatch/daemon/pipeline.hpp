#pragma once
// The packet pipeline of one packet thread: decode -> inventory/DNS cache -> flow table ->
// classification chain -> policy -> records. Built in main() from one snapshot of signatures,
// policy and settings; records go to the given sink. Not thread-safe: one pipeline per thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/classify/attachment_correlator.hpp"
#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/classify/session_context.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/daemon/settings.hpp"
#include "baawatch/decode/packet_decoder.hpp"
#include "baawatch/flow/flow_table.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "baawatch/policy/encounter_tracker.hpp"
#include "baawatch/policy/interval_counter.hpp"
#include "baawatch/policy/policy_engine.hpp"
#include "baawatch/sink/record_builder.hpp"
#include "baawatch/sink/record_sink.hpp"

namespace baawatch::daemon {

struct Snapshot {
  std::shared_ptr<const classify::SignatureCatalog> catalog;
  std::shared_ptr<const policy::Policy> policy;
  Settings settings;
};

class Pipeline {
 public:
  Pipeline(Snapshot snapshot, sink::RecordSink& sink, std::string sensorName);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void process(const capture::RawPacket& packet);
  // Ends every flow, writes every open encounter and count interval and a final stats record.
  void finish();
  // Counters of every stage, merged.
  Counters counters() const;
  void countCaptureEvent(std::string_view name) { counters_.add(name); }

  // Live capture: housekeeping (flow expiry, encounter and count flushing, periodic stats) driven
  // by the wall clock while no packet arrives. `now` never moves the pipeline's clock backwards.
  void tick(Timestamp now);
  // Writes a `stats` record now (SIGUSR1).
  void writeStats();
  // Adds counters owned by another thread or object (capture drops, sink queues) to every stats
  // record; `source` must be thread-safe and outlive the pipeline's last counters() call.
  void addCounterSource(std::function<Counters()> source) {
    counterSources_.push_back(std::move(source));
  }
  // SIGHUP: a new validated snapshot takes over between two packets. Open flows, the flow table,
  // the inventory, open encounters and interval counts stay; new decisions use the new policy.
  // When the signatures changed, the classifier is rebuilt: flows still being classified go on
  // with the new one and the DNS cache starts empty (counted as `daemon.reload.classifier_rebuilt`);
  // when they did not change, the classifier and its DNS cache are kept. Alert suppression
  // starts over with a new policy. Settings that shape the flow table, outputs and capture need a
  // restart (the caller warns).
  void replaceSnapshot(Snapshot snapshot);
  const Snapshot& snapshot() const { return snapshot_; }

 private:
  struct FlowPolicyState {
    std::string encounterKey;   // empty when the flow makes no encounter
    inventory::Device device;
    bool deviceIsClient = true;
    bool counted = false;
  };

  void observeSideChannels(const decode::DecodedPacket& packet);
  void onClassified(flow::Flow& flow, Timestamp time);
  void onFlowEnd(flow::Flow& flow, flow::FlowEndReason reason, Timestamp endTime);
  void housekeeping(Timestamp now);
  const decode::PacketDecoder& decoderFor(int linkType);

  Snapshot snapshot_;
  sink::RecordSink& sink_;
  std::string sensorName_;
  sink::RecordBuilder builder_;
  inventory::DeviceInventory inventory_;
  std::unique_ptr<classify::FlowClassifier> classifier_;  // replaced when signatures change
  classify::SessionContext sessions_;
  classify::AttachmentCorrelator attachments_;
  policy::PolicyEngine policyEngine_;
  policy::EncounterTracker encounters_;
  policy::IntervalCounter intervalCounts_;
  flow::FlowTable flows_;  // last: its end handler uses the members above
  std::unordered_map<int, decode::PacketDecoder> decoders_;
  std::unordered_map<std::uint64_t, FlowPolicyState> flowPolicy_;
  Counters counters_;
  Counters retiredPolicyCounters_;  // of policy engines replaced by reloads, so totals never shrink
  std::vector<std::function<Counters()>> counterSources_;
  Timestamp now_{};
  Timestamp lastHousekeeping_{};
  Timestamp lastStats_{};
  bool started_ = false;
};

}  // namespace baawatch::daemon
