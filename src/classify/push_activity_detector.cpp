#include "classify/push_activity_detector.hpp"

#include <algorithm>

namespace baawatch::classify {
namespace {

const std::string kPushService = "apple-push";
const std::string kPushAddresses = "apple-push.addresses";
const std::string kReaderService = "imessage";
const ThresholdNeed kMinPushPayload{"apns_activity_min_payload_bytes", ThresholdType::kCount};

}  // namespace

std::vector<DetectorNeeds> PushActivityDetector::needs() {
  return {DetectorNeeds{"APNs push activity", kPushService, {kPushAddresses}, {}},
          DetectorNeeds{"APNs push activity", kReaderService, {}, {kMinPushPayload}}};
}

PushActivityDetector::PushActivityDetector(std::shared_ptr<const SignatureCatalog> catalog)
    : catalog_(std::move(catalog)) {
  if (!catalog_) return;
  const ServiceSignature* push = catalog_->find(kPushService);
  const ServiceSignature* reader = catalog_->find(kReaderService);
  // Without its reader nobody weighs the signal: the detector stays idle.
  if (push == nullptr || reader == nullptr) return;
  pushAddresses_ = &neededRule(*push, kPushAddresses);
  minPushPayload_ = thresholdValue(*reader, kMinPushPayload);
}

bool PushActivityDetector::isPushActivity(const decode::DecodedPacket& packet) const {
  if (pushAddresses_ == nullptr || packet.transport != decode::Transport::kTcp ||
      static_cast<double>(packet.payload.size()) < minPushPayload_)
    return false;
  auto pushSide = [&](const IpAddress& address, std::uint16_t port) {
    bool portOk = std::any_of(pushAddresses_->ports.begin(), pushAddresses_->ports.end(),
                              [&](const PortRange& range) { return range.contains(port); });
    return portOk && std::any_of(pushAddresses_->ipRanges.begin(), pushAddresses_->ipRanges.end(),
                                 [&](const IpRange& range) { return range.contains(address); });
  };
  return pushSide(packet.destination, packet.destinationPort) ||
         pushSide(packet.source, packet.sourcePort);
}

void PushActivityDetector::observe(PacketContext& context, DetectorFlowState* /*state*/) {
  if (!isPushActivity(context.packet)) return;
  const flow::Flow& flow = context.flow;
  context.signals.push_back(DetectorSignal{std::string(kPushActivitySignal), flow.client,
                                           flow.server, flow.clientMac, flow.serverMac,
                                           context.packet.time});
}

Assessment PushActivityDetector::judge(JudgeContext& /*context*/, DetectorFlowState* /*state*/) {
  return {};
}

}  // namespace baawatch::classify
