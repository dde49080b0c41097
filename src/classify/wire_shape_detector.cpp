#include "classify/wire_shape_detector.hpp"

#include "baawatch/classify/wire_shape.hpp"

namespace baawatch::classify {
namespace {

class PayloadsSeen : public DetectorFlowState {
 public:
  int toServer = 0;
  int toClient = 0;
};

}  // namespace

std::unique_ptr<DetectorFlowState> WireShapeDetector::newFlowState(const flow::Flow& flow) const {
  if (flow.protocol != 6 && flow.protocol != 17) return nullptr;
  return std::make_unique<PayloadsSeen>();
}

void WireShapeDetector::observe(PacketContext& context, DetectorFlowState* state) {
  auto* seen = static_cast<PayloadsSeen*>(state);
  if (seen == nullptr || context.packet.payload.empty()) return;
  bool fromServer = context.direction == flow::Direction::kToClient;
  int& count = fromServer ? seen->toClient : seen->toServer;
  if (count >= kPayloadsPerDirection) return;
  ++count;
  WireTransport transport =
      context.flow.protocol == 6 ? WireTransport::kTcp : WireTransport::kUdp;
  std::uint32_t shapes =
      recogniseWireShapes(context.packet.payload, transport, fromServer, count == 1);
  if (shapes == 0) return;
  FlowFacts& facts = context.facts;
  if (facts.wireShapes == 0) facts.wireSeenAt = context.packet.time;
  facts.wireShapes |= shapes;
}

Assessment WireShapeDetector::judge(JudgeContext& /*context*/, DetectorFlowState* /*state*/) {
  return {};
}

}  // namespace baawatch::classify
