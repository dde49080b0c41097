#pragma once
// The serial half of the pipeline: everything that looks across flows. Device attribution
// (inventory), the context rules (classify::ContextRules), the policy, encounters, interval
// counts and the records they make. It is fed, in packet order, what the flow stages saw:
// side-channel facts (ARP, DHCP, mDNS, sender MACs), detector signals, and flows classified and
// ended. With one worker it runs on the packet thread; with several it has a
// thread of its own and the sharded pipeline merges the workers' events back into packet order,
// so its decisions do not depend on how flows were spread over workers.
// Thread: one thread at a time.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/decode/dhcp_message.hpp"
#include "baawatch/decode/dns_message.hpp"
#include "baawatch/engine/snapshot.hpp"
#include "baawatch/flow/flow.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "baawatch/policy/encounter_tracker.hpp"
#include "baawatch/policy/interval_counter.hpp"
#include "baawatch/policy/policy_engine.hpp"
#include "baawatch/record/record_builder.hpp"
#include "baawatch/sink/record_sink.hpp"

namespace baawatch::engine {

enum class StatsRecord : std::uint8_t { kPeriodic, kFinal };
enum class SignaturesChanged : std::uint8_t { kNo, kYes };

class DecisionStage {
 public:
  DecisionStage(const Snapshot& snapshot, sink::RecordSink& sink, record::RecordOrigin origin);
  DecisionStage(const DecisionStage&) = delete;
  DecisionStage& operator=(const DecisionStage&) = delete;

  // Side channels, in packet order.
  void observeSender(const IpAddress& address, const decode::MacAddress& mac, Timestamp time) {
    inventory_.observeSender(address, mac, time);
  }
  void observeArp(const decode::ArpPacket& arp, Timestamp time) { inventory_.observeArp(arp, time); }
  void observeDhcp(const decode::DhcpMessage& dhcp, Timestamp time) {
    inventory_.observeDhcp(dhcp, time);
  }
  void observeMdns(const decode::DnsMessage& mdns, Timestamp time) {
    inventory_.observeMdns(mdns, time);
  }
  // A detector signal: the context rules weigh it for the device it came from.
  void observeSignal(const classify::DetectorSignal& signal);

  // A flow the classifier is done with. The context rules may set or refine its verdict: the
  // stage then keeps its decided facts for the flow's end.
  void onClassified(const flow::Flow& flow, const classify::FlowFacts& facts, Timestamp time);
  // A flow leaving the flow table with the classifier's facts (null for flows never classified);
  // the facts decided here take their place.
  void onFlowEnd(const flow::Flow& flow, const classify::FlowFacts* facts,
                 flow::FlowEndReason reason, Timestamp endTime);

  // Once a packet-second, after the flow stages expired their idle flows.
  void housekeeping(Timestamp now);
  // End of input or shutdown, after the flow stages drained: every open encounter and interval
  // (an interval not over yet is written as partial, dated by the latest event time).
  void flushAll();
  void writeStats(const Counters& counters, Timestamp time, StatsRecord kind);
  void flushSink() { sink_.flush(); }

  // SIGHUP: the new policy (and catalog, for the context rules) from now on.
  void replaceSnapshot(const Snapshot& snapshot, SignaturesChanged signatures);

  // policy.*, inventory.*, and the context rules' counters (classify.attachment_possible,
  // classify.context_refined).
  Counters counters() const;

 private:
  // What the stage holds for a flow between its classification and its end.
  struct FlowState {
    bool reported = false;     // the policy counts it: its end goes to encounter and counts
    std::string encounterKey;  // empty when the flow makes no encounter
    inventory::Device device;
    flow::DeviceSide deviceSide = flow::DeviceSide::client();
    std::optional<classify::FlowFacts> decided;  // when the verdict was set or refined here
  };

  // Attributes `flow` to its device, lets the context rules refine `facts` (or `decidedHere`,
  // facts the stage already decided), and applies the policy: the alert, encounter and counts.
  void decide(const flow::Flow& flow, const classify::FlowFacts& facts, Timestamp time,
              std::optional<classify::FlowFacts> decidedHere);

  sink::RecordSink& sink_;
  record::RecordOrigin origin_;
  bool flowRecords_ = false;
  record::RecordBuilder builder_;
  inventory::DeviceInventory inventory_;
  classify::ContextRules contextRules_;
  Timestamp lastForget_;  // the last walk of the context rules for stale devices
  // The latest event time seen: what "now" is when the counts are written at shutdown.
  Timestamp latest_;
  void noteTime(Timestamp time) { latest_.micros = std::max(latest_.micros, time.micros); }
  policy::PolicyEngine policyEngine_;
  policy::EncounterTracker encounters_;
  policy::IntervalCounter intervalCounts_;
  std::unordered_map<std::uint64_t, FlowState> flows_;
  Counters counters_;
};

}  // namespace baawatch::engine
