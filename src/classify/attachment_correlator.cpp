#include "baawatch/classify/attachment_correlator.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace baawatch::classify {

AttachmentCorrelator::AttachmentCorrelator(std::shared_ptr<const SignatureCatalog> catalog)
    : catalog_(std::move(catalog)) {
  if (!catalog_) return;
  imessage_ = catalog_->find("imessage");
  if (const ServiceSignature* push = catalog_->find("apple-push"))
    pushAddresses_ = push->findRule("apple-push.addresses");
  if (imessage_ == nullptr) return;
  contentHosts_ = imessage_->findRule("imessage.content-hosts");
  if (auto it = imessage_->behaviour.find("attachment_window_seconds");
      it != imessage_->behaviour.end())
    windowSeconds_ = it->second;
  if (auto it = imessage_->behaviour.find("apns_activity_min_payload_bytes");
      it != imessage_->behaviour.end())
    minPushPayload_ = it->second;
}

bool AttachmentCorrelator::isPushActivity(const decode::DecodedPacket& packet) const {
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

void AttachmentCorrelator::forgetBefore(Timestamp now, double margin) {
  std::erase_if(lastPush_, [&](const auto& entry) {
    return static_cast<double>(now.micros - entry.second.micros) / 1e6 > windowSeconds_ + margin;
  });
}

void AttachmentCorrelator::observePushActivity(const std::string& deviceId, Timestamp time) {
  Timestamp& last = lastPush_[deviceId];
  if (time > last) last = time;
}

std::optional<Verdict> AttachmentCorrelator::assess(const std::string& deviceId,
                                                    const flow::Flow& flow,
                                                    const FlowFacts& facts) const {
  if (imessage_ == nullptr || contentHosts_ == nullptr || facts.verdict) return std::nullopt;
  const std::string& name =
      !facts.tlsServerName.empty() ? facts.tlsServerName : facts.resolvedName;
  if (name.empty() || !ruleMatchesName(*contentHosts_, name)) return std::nullopt;
  auto push = lastPush_.find(deviceId);
  if (push == lastPush_.end()) return std::nullopt;
  double delay = static_cast<double>(flow.firstSeen.micros - push->second.micros) / 1e6;
  if (delay < 0 || delay > windowSeconds_) return std::nullopt;

  Verdict verdict;
  verdict.catalog = catalog_;
  verdict.service = imessage_;
  verdict.confidence = Confidence::kMedium;
  verdict.kind = UseKind::kMessaging;
  verdict.alertNeedsOptIn = true;
  verdict.evidence.push_back(Evidence{
      contentHosts_->id,
      facts.tlsServerName.empty() ? EvidenceField::kDnsQuery : EvidenceField::kTlsSni, name,
      flow.firstSeen, contentHosts_->confidence, contentHosts_->reason, contentHosts_->caveat});
  verdict.evidence.push_back(Evidence{
      "imessage.attachment-after-push", EvidenceField::kBehaviour,
      fmt::format("transfer began {:.1f} s after push activity on the device's APNs connection",
                  delay),
      push->second, Confidence::kMedium,
      imessage_->behaviourReasons.count("attachment_window_seconds")
          ? imessage_->behaviourReasons.at("attachment_window_seconds")
          : std::string(),
      contentHosts_->caveat});
  return verdict;
}

}  // namespace baawatch::classify
