#include "flow_stage.hpp"

#include "packet_front.hpp"

#include <algorithm>

#include "baawatch/decode/dns_message.hpp"

namespace baawatch::engine {
namespace {

flow::FlowTableOptions flowOptions(const Snapshot& snapshot, unsigned shards) {
  const FlowSettings& settings = snapshot.settings.flows;
  flow::FlowTableOptions options;
  // The cap bounds the whole process: each of N shards holds its share.
  options.maxFlows = std::max<std::uint32_t>(1, settings.maxFlows / std::max(1u, shards));
  options.tcpSynTimeout = settings.tcpSynTimeout;
  options.tcpEstablishedTimeout = settings.tcpEstablishedTimeout;
  options.tcpClosedTimeout = settings.tcpClosedTimeout;
  options.udpTimeout = settings.udpTimeout;
  options.otherTimeout = settings.otherTimeout;
  // Those of the first snapshot, for good: a flow keeps its sides, and the sharded dispatch
  // places flows by the same networks.
  options.clientNetworks = snapshot.policy->clinicalNetworks;
  return options;
}

classify::ClassifierOptions classifierOptions(const Settings& settings) {
  classify::ClassifierOptions options;
  options.ndpiPacketBudget = settings.flows.ndpiPacketBudget;
  options.ndpiTimeBudget = settings.flows.ndpiTimeBudget;
  options.dnsCache = settings.dnsCache;
  return options;
}

}  // namespace

FlowStage::FlowStage(const Snapshot& snapshot, FlowEvents& events, unsigned shards)
    : events_(events),
      classifierOptions_(classifierOptions(snapshot.settings)),
      classifier_(std::make_unique<classify::FlowClassifier>(snapshot.catalog, classifierOptions_)),
      maxDeadlines_(flowOptions(snapshot, shards).maxFlows),
      flows_(flowOptions(snapshot, shards),
             [this](flow::Flow& flow, flow::FlowEndReason reason, Timestamp endTime) {
               onFlowEnd(flow, reason, endTime);
             }) {}

void FlowStage::track(const decode::DecodedPacket& packet, std::uint64_t packetNumber) {
  if (isDnsCandidate(packet)) observeDns(packet, DnsErrors::kCount);
  auto tracked = flows_.track(packet);
  flow::Flow& flow = *tracked.flow;
  if (tracked.created) {
    flow.id = packetNumber;
    if (classifierOptions_.ndpiTimeBudget > 0) {
      if (ndpiDeadlines_.size() >= maxDeadlines_) {
        // Counted only when it matters: the oldest flow is still open and still unjudged.
        if (flow::Flow* oldest = liveFlowOf(ndpiDeadlines_.front())) {
          const classify::FlowFacts* facts = classify::FlowClassifier::facts(*oldest);
          if (facts == nullptr || !facts->classified) {
            counters_.add("classify.ndpi_time_budget_untracked");
          }
        }
        ndpiDeadlines_.pop_front();
      }
      auto budget = static_cast<Microseconds>(classifierOptions_.ndpiTimeBudget * 1e6);
      ndpiDeadlines_.push_back(NdpiDeadline{packet.time.micros + budget, flow.id, flow.key});
    }
  }
  bool classified = classifier_->onPacket(flow, packet, tracked.direction);
  if (classifier_->hasSignals()) {
    for (const classify::DetectorSignal& signal : classifier_->takeSignals()) events_.signal(signal);
  }
  if (classified) {
    if (const classify::FlowFacts* facts = classify::FlowClassifier::facts(flow)) {
      events_.classified(flow, *facts, packet.time);
    }
  }
}

void FlowStage::expire(Timestamp now) {
  applyNdpiTimeBudget(now);
  flows_.expire(now);
}

void FlowStage::applyNdpiTimeBudget(Timestamp now) {
  while (!ndpiDeadlines_.empty() && ndpiDeadlines_.front().due <= now.micros) {
    NdpiDeadline deadline = ndpiDeadlines_.front();
    ndpiDeadlines_.pop_front();
    flow::Flow* flow = liveFlowOf(deadline);
    if (flow == nullptr) continue;
    // The verdict's time is when the budget ran out (or the flow's last packet, if one came
    // between then and this walk), not `now`: as a flow that times out ends at its due time,
    // so a capture whose clock jumps ahead does not date verdicts by the jump.
    Timestamp spent = std::max(Timestamp{deadline.due}, flow->lastSeen);
    if (classifier_->onNdpiTimeUp(*flow, spent)) {
      if (const classify::FlowFacts* facts = classify::FlowClassifier::facts(*flow)) {
        events_.classified(*flow, *facts, spent);
      }
    }
  }
}

flow::Flow* FlowStage::liveFlowOf(const NdpiDeadline& deadline) {
  flow::Flow* flow = flows_.lookup(deadline.key);
  // Gone, or a later flow with the same key.
  return flow != nullptr && flow->id == deadline.flowId ? flow : nullptr;
}

void FlowStage::observeDnsOnly(const decode::DecodedPacket& packet) {
  observeDns(packet, DnsErrors::kLeaveToOwner);
}

void FlowStage::observeDns(const decode::DecodedPacket& packet, DnsErrors errors) {
  std::span<const std::uint8_t> message = packet.payload;
  // DNS over TCP prefixes each message with its length (RFC 1035 §4.2.2); only messages that
  // start a segment are read.
  if (packet.transport == decode::Transport::kTcp) {
    message = message.size() > 2 ? message.subspan(2) : std::span<const std::uint8_t>{};
  }
  if (message.empty()) return;
  auto dns = decode::parseDnsMessage(message);
  if (dns) {
    if (dns->isResponse) classifier_->observeDnsResponse(packet.destination, *dns, packet.time);
  } else if (errors == DnsErrors::kCount) {
    counters_.add(decode::counterName(dns.error()));
  }
}

void FlowStage::onFlowEnd(flow::Flow& flow, flow::FlowEndReason reason, Timestamp endTime) {
  if (classifier_->onFlowEnd(flow)) {
    if (const classify::FlowFacts* facts = classify::FlowClassifier::facts(flow)) {
      events_.classified(flow, *facts, endTime);
    }
  }
  events_.ended(flow, classify::FlowClassifier::facts(flow), reason, endTime);
}

void FlowStage::replaceSnapshot(const Snapshot& snapshot, ClassifierRebuild rebuild) {
  if (rebuild == ClassifierRebuild::kKeep) return;
  // Open flows keep their per-flow state (their nDPI flow structs free themselves and verdicts
  // hold their own catalog); only the engine that judges what comes next changes. What DNS
  // answered is a fact about the network, not a setting: the new engine keeps it.
  retiredClassifierCounters_.merge(classifier_->counters());
  classifierOptions_ = classifierOptions(snapshot.settings);
  auto renewed = std::make_unique<classify::FlowClassifier>(snapshot.catalog, classifierOptions_);
  renewed->takeDnsCacheFrom(*classifier_);
  classifier_ = std::move(renewed);
}

Counters FlowStage::counters(DnsCacheCounters dnsCache) const {
  Counters merged;
  merged.merge(counters_);
  merged.merge(flows_.counters());
  merged.merge(classifier_->counters());
  merged.merge(retiredClassifierCounters_);
  if (dnsCache == DnsCacheCounters::kInclude) merged.merge(classifier_->dnsCache().counters());
  merged.add("flow.active", flows_.size());
  return merged;
}

}  // namespace baawatch::engine
