#pragma once
// APNs push activity as a signal: a TCP packet to or from Apple's push addresses and ports with
// more payload than a keepalive (the `apple-push.addresses` rule; the size threshold is
// `apns_activity_min_payload_bytes` in imessage.yaml, the only reader of the signal being the
// iMessage attachment correlation). It watches every packet, classified flows too: a push
// connection is classified long before the pushes that matter. It never judges a flow.
// Private to classify. Thread: one per FlowClassifier.
#include <memory>
#include <string_view>
#include <vector>

#include "baawatch/classify/detector.hpp"

namespace baawatch::classify {

inline constexpr std::string_view kPushActivitySignal = "apple-push.activity";

class PushActivityDetector final : public FlowDetector {
 public:
  explicit PushActivityDetector(std::shared_ptr<const SignatureCatalog> catalog);
  static std::vector<DetectorNeeds> needs();

  // Whether this packet is push activity.
  bool isPushActivity(const decode::DecodedPacket& packet) const;

  std::string_view name() const override { return "APNs push activity"; }
  bool observesClassifiedFlows() const override { return true; }
  void observe(PacketContext& context, DetectorFlowState* state) override;
  Assessment judge(JudgeContext& context, DetectorFlowState* state) override;

 private:
  std::shared_ptr<const SignatureCatalog> catalog_;
  const SignatureRule* pushAddresses_ = nullptr;  // null: disabled
  double minPushPayload_ = 0;
};

}  // namespace baawatch::classify
