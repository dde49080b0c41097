#include "baawatch/classify/call_push_context.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "classify/push_activity_detector.hpp"

namespace baawatch::classify {
namespace {

const std::string kService = "facetime";
const ThresholdNeed kWindow{"push_before_call_seconds", ThresholdType::kNumber};
// A device's pushes kept per window: enough for a call's set-up burst (invitation, allocation,
// accept) several times over; more only means a busier phone, not a better signal.
constexpr std::size_t kMaxPushesPerDevice = 16;

}  // namespace

std::vector<DetectorNeeds> CallPushContext::needs() {
  return {DetectorNeeds{"FaceTime push context", kService, {}, {kWindow}}};
}

CallPushContext::CallPushContext(std::shared_ptr<const SignatureCatalog> catalog)
    : catalog_(std::move(catalog)) {
  facetime_ = catalog_ ? catalog_->find(kService) : nullptr;
  if (facetime_ != nullptr) windowSeconds_ = thresholdValue(*facetime_, kWindow);
}

void CallPushContext::observeSignal(const std::string& deviceId, const DetectorSignal& signal) {
  if (signal.kind == kPushActivitySignal) observePushActivity(deviceId, signal.time);
}

void CallPushContext::observePushActivity(const std::string& deviceId, Timestamp time) {
  if (facetime_ == nullptr) return;
  std::vector<Timestamp>& pushes = pushes_[deviceId];
  pushes.push_back(time);
  std::sort(pushes.begin(), pushes.end());
  if (pushes.size() > kMaxPushesPerDevice) pushes.erase(pushes.begin());
}

bool CallPushContext::refine(const std::string& deviceId, const flow::Flow& flow,
                             FlowFacts& facts, Timestamp /*time*/) {
  if (!facts.verdict) return false;
  return refine(deviceId, flow.firstSeen, *facts.verdict);
}

bool CallPushContext::refine(const std::string& deviceId, Timestamp flowStart,
                             Verdict& verdict) const {
  if (facetime_ == nullptr || verdict.service == nullptr || verdict.service->id != kService ||
      verdict.kind != UseKind::kCall || verdict.confidence != Confidence::kMedium)
    return false;
  auto device = pushes_.find(deviceId);
  if (device == pushes_.end()) return false;
  // The latest push at or before the flow's start, within the window.
  const Timestamp* latest = nullptr;
  for (const Timestamp& push : device->second) {
    if (push <= flowStart) latest = &push;
  }
  if (latest == nullptr) return false;
  double before = static_cast<double>(flowStart.micros - latest->micros) / 1e6;
  if (before > windowSeconds_) return false;
  verdict.confidence = Confidence::kHigh;
  verdict.evidence.push_back(Evidence{
      "context.facetime.push-before-call", EvidenceField::kBehaviour,
      fmt::format("push activity on the device's APNs connection {:.1f} s before the call's "
                  "media began",
                  before),
      *latest, Confidence::kMedium, thresholdReason(*facetime_, kWindow.name), ""});
  return true;
}

void CallPushContext::forgetBefore(Timestamp now) {
  // Verdicts are dated by a flow's start, which may lie well before `now`: keep two hours more.
  double keep = windowSeconds_ + 7200;
  for (auto device = pushes_.begin(); device != pushes_.end();) {
    std::erase_if(device->second, [&](const Timestamp& push) {
      return static_cast<double>(now.micros - push.micros) / 1e6 > keep;
    });
    device = device->second.empty() ? pushes_.erase(device) : std::next(device);
  }
}

void CallPushContext::replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) {
  // A reload is not a restart: the window comes from the new catalog, the pushes seen stay.
  CallPushContext renewed(std::move(catalog));
  renewed.pushes_ = std::move(pushes_);
  *this = std::move(renewed);
}

}  // namespace baawatch::classify
