#pragma once
// Records which wire shapes (classify/wire_shape.hpp) a flow's first payloads show, into
// FlowFacts::wireShapes, for the signature detector's `wire:` rules. It looks at the first
// kPayloadsPerDirection payloads of each direction only: every shape is an opening or an early
// answer, and a bounded look keeps the cost per flow fixed. It never judges a flow.
// Private to classify. Thread: one per FlowClassifier.
#include <memory>
#include <string_view>

#include "baawatch/classify/detector.hpp"

namespace baawatch::classify {

class WireShapeDetector final : public FlowDetector {
 public:
  static constexpr int kPayloadsPerDirection = 4;

  std::string_view name() const override { return "wire shapes"; }
  std::unique_ptr<DetectorFlowState> newFlowState(const flow::Flow& flow) const override;
  void observe(PacketContext& context, DetectorFlowState* state) override;
  Assessment judge(JudgeContext& context, DetectorFlowState* state) override;
};

}  // namespace baawatch::classify
