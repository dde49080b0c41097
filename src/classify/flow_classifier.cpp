#include "baawatch/classify/flow_classifier.hpp"

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/facetime_behaviour.hpp"
#include "classify/client_hello_facts.hpp"
#include "classify/ndpi_detector.hpp"
#include "classify/push_activity_detector.hpp"
#include "classify/signature_detector.hpp"
#include "classify/wire_shape_detector.hpp"

namespace baawatch::classify {
namespace {

// Everything the classifier keeps per flow, attached to the flow as its extension: the facts for
// the flow's records, and until the flow is classified each detector's state (by chain position).
class ClassifierState : public flow::FlowExtension {
 public:
  FlowFacts facts;
  std::vector<std::unique_ptr<DetectorFlowState>> detectorStates;  // empty once classified
};

ClassifierState& stateOf(flow::Flow& flow,
                         const std::vector<std::unique_ptr<FlowDetector>>& detectors) {
  if (!flow.extension) {
    auto state = std::make_unique<ClassifierState>();
    state->detectorStates.reserve(detectors.size());
    for (const auto& detector : detectors) {
      state->detectorStates.push_back(detector->newFlowState(flow));
    }
    flow.extension = std::move(state);
  }
  return static_cast<ClassifierState&>(*flow.extension);
}

}  // namespace

FlowClassifier::FlowClassifier(std::shared_ptr<const SignatureCatalog> catalog,
                               ClassifierOptions options)
    : catalog_(catalog), options_(options), dnsCache_(options.dnsCache) {
  // The order is the order of judgement: nDPI's facts first (the later detectors read them),
  // behaviour before names and addresses (it saw what the flow did), signatures last (they read
  // the wire shapes too).
  detectors_.push_back(std::make_unique<NdpiDetector>(options_.ndpiPacketBudget));
  detectors_.push_back(std::make_unique<ClientHelloFacts>());
  detectors_.push_back(std::make_unique<FaceTimeBehaviour>(catalog));
  detectors_.push_back(std::make_unique<PushActivityDetector>(catalog));
  detectors_.push_back(std::make_unique<WireShapeDetector>());
  detectors_.push_back(std::make_unique<SignatureDetector>(catalog, dnsCache_));
}

FlowClassifier::~FlowClassifier() = default;

const FlowFacts* FlowClassifier::facts(const flow::Flow& flow) {
  if (!flow.extension) return nullptr;
  return &static_cast<const ClassifierState&>(*flow.extension).facts;
}

std::vector<DetectorSignal> FlowClassifier::takeSignals() {
  std::vector<DetectorSignal> taken;
  taken.swap(signals_);
  return taken;
}

void FlowClassifier::observeDnsResponse(const IpAddress& client,
                                        const decode::DnsMessage& response, Timestamp time) {
  dnsCache_.observeResponse(client, response, time);
}

bool FlowClassifier::onPacket(flow::Flow& flow, const decode::DecodedPacket& packet,
                              flow::Direction direction) {
  ClassifierState& state = stateOf(flow, detectors_);
  PacketContext context{flow, packet, direction, state.facts, counters_, signals_};
  bool classified = state.facts.classified;
  for (std::size_t i = 0; i < detectors_.size(); ++i) {
    if (classified && !detectors_[i]->observesClassifiedFlows()) continue;
    detectors_[i]->observe(context, classified ? nullptr : state.detectorStates[i].get());
  }
  if (classified) return false;
  return judge(flow, packet.time, false);
}

bool FlowClassifier::onFlowEnd(flow::Flow& flow) {
  ClassifierState& state = stateOf(flow, detectors_);
  if (state.facts.classified) return false;
  return judge(flow, flow.lastSeen, true);
}

bool FlowClassifier::onNdpiTimeUp(flow::Flow& flow, Timestamp now) {
  if (!flow.extension) return false;
  ClassifierState& state = stateOf(flow, detectors_);
  if (state.facts.classified) return false;
  bool stillDeciding = false;
  for (std::size_t i = 0; i < detectors_.size(); ++i) {
    stillDeciding = detectors_[i]->timeUp(state.detectorStates[i].get(), counters_) || stillDeciding;
  }
  if (!stillDeciding) return false;
  return judge(flow, now, false);
}

bool FlowClassifier::judge(flow::Flow& flow, Timestamp time, bool final) {
  ClassifierState& state = stateOf(flow, detectors_);
  JudgeContext context{flow, state.facts, time, final, counters_};
  std::optional<Verdict> verdict;
  for (std::size_t i = 0; i < detectors_.size(); ++i) {
    Assessment assessment = detectors_[i]->judge(context, state.detectorStates[i].get());
    if (assessment.judgement == Judgement::kWatching) {
      if (!final) return false;
      continue;  // a detector that cannot decide at the end has not matched
    }
    if (assessment.judgement == Judgement::kMatch) {
      verdict = std::move(assessment.verdict);
      break;
    }
  }
  state.facts.classified = true;
  state.detectorStates.clear();
  state.detectorStates.shrink_to_fit();
  counters_.add("classify.flows");
  if (verdict) {
    state.facts.verdict = std::move(verdict);
    counters_.add("classify.attributed");
  }
  return true;
}

}  // namespace baawatch::classify
