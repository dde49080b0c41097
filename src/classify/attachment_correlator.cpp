#include "baawatch/classify/attachment_correlator.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "classify/push_activity_detector.hpp"

namespace baawatch::classify {

namespace {

const std::string kService = "imessage";
const std::string kContentHosts = "imessage.content-hosts";
const ThresholdNeed kWindow{"attachment_window_seconds", ThresholdType::kNumber};

}  // namespace

std::vector<DetectorNeeds> AttachmentCorrelator::needs() {
  return {DetectorNeeds{"iMessage attachment correlation", kService, {kContentHosts}, {kWindow}}};
}

AttachmentCorrelator::AttachmentCorrelator(std::shared_ptr<const SignatureCatalog> catalog)
    : catalog_(std::move(catalog)) {
  if (!catalog_) return;
  imessage_ = catalog_->find(kService);
  if (imessage_ == nullptr) return;
  contentHosts_ = &neededRule(*imessage_, kContentHosts);
  windowSeconds_ = thresholdValue(*imessage_, kWindow);
}

void AttachmentCorrelator::observeSignal(const std::string& deviceId,
                                         const DetectorSignal& signal) {
  if (signal.kind == kPushActivitySignal) observePushActivity(deviceId, signal.time);
}

bool AttachmentCorrelator::refine(const std::string& deviceId, const flow::Flow& flow,
                                  FlowFacts& facts, Timestamp /*time*/) {
  if (facts.verdict) return false;
  facts.verdict = assess(deviceId, flow, facts);
  return facts.verdict.has_value();
}

void AttachmentCorrelator::replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) {
  AttachmentCorrelator renewed(std::move(catalog));
  renewed.lastPush_ = std::move(lastPush_);
  *this = std::move(renewed);
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
      thresholdReason(*imessage_, kWindow.name),
      contentHosts_->caveat});
  return verdict;
}

}  // namespace baawatch::classify
