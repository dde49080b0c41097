#pragma once
// The packet pipeline of one packet thread: decode -> inventory/DNS cache -> flow table ->
// classification chain -> policy -> records. Built in main() from one snapshot of signatures,
// policy and settings; records go to the given sink. Not thread-safe: one pipeline per thread.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

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
  sink::RecordBuilder builder_;
  inventory::DeviceInventory inventory_;
  classify::FlowClassifier classifier_;
  classify::SessionContext sessions_;
  classify::AttachmentCorrelator attachments_;
  policy::PolicyEngine policyEngine_;
  policy::EncounterTracker encounters_;
  policy::IntervalCounter intervalCounts_;
  flow::FlowTable flows_;  // last: its end handler uses the members above
  std::unordered_map<int, decode::PacketDecoder> decoders_;
  std::unordered_map<std::uint64_t, FlowPolicyState> flowPolicy_;
  Counters counters_;
  Timestamp now_{};
  Timestamp lastHousekeeping_{};
  Timestamp lastStats_{};
  bool started_ = false;
};

}  // namespace baawatch::daemon
