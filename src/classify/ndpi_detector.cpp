#include "classify/ndpi_detector.hpp"

#include <ndpi_protocol_ids.h>

namespace baawatch::classify {
namespace {

// nDPI's per-flow state (about 700 bytes plus what its dissectors allocate) is needed only until
// the flow is classified; the chain releases it then, so a long flow costs only its facts.
struct NdpiState final : DetectorFlowState {
  NdpiFlow flow;
};

NdpiFlow& ndpiOf(DetectorFlowState* state) { return static_cast<NdpiState*>(state)->flow; }

}  // namespace

std::unique_ptr<DetectorFlowState> NdpiDetector::newFlowState(const flow::Flow& /*flow*/) const {
  return std::make_unique<NdpiState>();
}

void NdpiDetector::observe(PacketContext& context, DetectorFlowState* state) {
  const decode::DecodedPacket& packet = context.packet;
  if (packet.ipPacket.empty() || packet.isFragment) return;
  engine_.process(ndpiOf(state), packet.ipPacket, packet.time, packetBudget_);
}

bool NdpiDetector::timeUp(DetectorFlowState* state, Counters& counters) {
  NdpiFlow& flow = ndpiOf(state);
  if (flow.done) return false;
  engine_.giveUp(flow);
  counters.add("classify.ndpi_time_budget_spent");
  return true;
}

Assessment NdpiDetector::judge(JudgeContext& context, DetectorFlowState* state) {
  NdpiFlow& ndpi = ndpiOf(state);
  if (!ndpi.done) {
    if (!context.final) return Assessment{Judgement::kWatching, std::nullopt};
    engine_.giveUp(ndpi);
  }
  FlowFacts& facts = context.facts;
  const NdpiLabel label = engine_.label(ndpi);
  facts.ndpiLabel = label.label();
  facts.ndpiCategory = label.category;
  facts.ndpiAppName = label.appName;
  facts.ndpiMasterName = label.masterName;
  std::string host = NdpiEngine::hostServerName(ndpi);
  bool isQuic = label.masterId == NDPI_PROTOCOL_QUIC || label.appId == NDPI_PROTOCOL_QUIC;
  bool isHttp = label.masterId == NDPI_PROTOCOL_HTTP || label.appId == NDPI_PROTOCOL_HTTP;
  // Our own Initial reading comes first; nDPI's name fills in when ours found none.
  if (isQuic && facts.quicServerName.empty()) facts.quicServerName = host;
  if (isHttp) facts.httpHost = host;
  if (facts.tlsServerName.empty() && !host.empty() &&
      (label.masterId == NDPI_PROTOCOL_TLS || label.appId == NDPI_PROTOCOL_TLS)) {
    // A hello we could not read (past our bounds, or its segments out of our reach).
    facts.tlsServerName = host;
    facts.tlsSeenAt = context.flow.firstSeen;
  }
  if (label.masterId == NDPI_PROTOCOL_TLS || label.appId == NDPI_PROTOCOL_TLS)
    facts.tlsCertificateSeen = NdpiEngine::certificateSeen(ndpi);
  return {};
}

}  // namespace baawatch::classify
