#pragma once
// Our own reading of a flow's TLS ClientHello, over TCP (one segment or several) or inside QUIC
// client Initials (classify/client_hello_reader.hpp): SNI, ALPN, and whether ECH is offered,
// which nDPI 4.2 does not know. Facts only, it never matches; the signature detector matches the
// names. While a hello is partly read it holds the flow back, bounded by the reader's limits and
// the flow's time budget. Private to classify.
// Thread: one per FlowClassifier.
#include "baawatch/classify/detector.hpp"
#include "classify/client_hello_reader.hpp"

namespace baawatch::classify {

class ClientHelloFacts final : public FlowDetector {
 public:
  std::string_view name() const override { return "ClientHello facts"; }
  std::unique_ptr<DetectorFlowState> newFlowState(const flow::Flow& flow) const override;
  void observe(PacketContext& context, DetectorFlowState* state) override;
  bool timeUp(DetectorFlowState* state, Counters& counters) override;
  Assessment judge(JudgeContext& context, DetectorFlowState* state) override;

 private:
  ClientHelloReader reader_;
};

}  // namespace baawatch::classify
