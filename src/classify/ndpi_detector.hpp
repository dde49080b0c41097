#pragma once
// nDPI 4.2 as the chain's first detector. It feeds each flow's packets to nDPI until nDPI is done
// (decided, or its packet budget spent) and holds the flow's judgement back until then; at the
// flow's end or when its time budget runs out nDPI gives up and guesses. Once done, nDPI's label
// and the host name it extracted become facts (QUIC SNI, HTTP host, and the TLS SNI of a
// ClientHello split over segments, which our own reading does not reassemble). It never matches
// by itself: the signature detector reads its label. Private to classify.
// Thread: one per FlowClassifier (it owns an nDPI detection module).
#include <cstdint>

#include "baawatch/classify/detector.hpp"
#include "classify/ndpi_engine.hpp"

namespace baawatch::classify {

class NdpiDetector final : public FlowDetector {
 public:
  explicit NdpiDetector(std::uint32_t packetBudget) : packetBudget_(packetBudget) {}

  std::string_view name() const override { return "nDPI"; }
  std::unique_ptr<DetectorFlowState> newFlowState(const flow::Flow& flow) const override;
  void observe(PacketContext& context, DetectorFlowState* state) override;
  bool timeUp(DetectorFlowState* state, Counters& counters) override;
  Assessment judge(JudgeContext& context, DetectorFlowState* state) override;

 private:
  NdpiEngine engine_;
  std::uint32_t packetBudget_;
};

}  // namespace baawatch::classify
