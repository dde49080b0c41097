#pragma once
// "iMessage attachment possible": an HTTPS transfer to an iCloud content host (pNN-content.icloud
// .com, *.icloud-content.com) that starts within a few seconds of push activity on the same
// device's APNs connection. iMessage uploads an attachment right after fetching the upload
// authorisation over APNs and downloads it right after the announcing push; iCloud Photos and
// Drive use the same hosts on their own schedule. So this is a correlation, not an observation:
// medium confidence, counted, and alerted only where the policy opts in
// (alert_on_attachment_possible). Thresholds: signatures/services/imessage.yaml `behaviour:`
// (declared by needs()). A ContextRule: the push activity comes as signals of the push detector
// (classify/push_activity_detector.hpp). Never counts messages. Thread: owned by the decision
// stage.
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/classify/signature.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::classify {

class AttachmentCorrelator final : public ContextRule {
 public:
  explicit AttachmentCorrelator(std::shared_ptr<const SignatureCatalog> catalog);
  static std::vector<DetectorNeeds> needs();

  // ContextRule
  std::string_view name() const override { return "iMessage attachment correlation"; }
  std::string_view refinedCounter() const override { return "classify.attachment_possible"; }
  void observeSignal(const std::string& deviceId, const DetectorSignal& signal) override;
  // Gives an unattributed flow the attachment verdict (assess()).
  bool refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
              Timestamp time) override;
  void forgetBefore(Timestamp now) override { forgetBefore(now, 7200); }
  // New signatures (SIGHUP): the rules come from `catalog`, the push activity seen so far stays.
  void replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) override;

  void observePushActivity(const std::string& deviceId, Timestamp time);
  // Forgets push activity older than the window plus `margin` seconds at `now` (as
  // SessionContext::forgetBefore, for the same reason).
  void forgetBefore(Timestamp now, double margin);
  std::size_t devices() const { return lastPush_.size(); }

  // A verdict for an otherwise unattributed flow to an iCloud content host that began within the
  // window after the device's push activity.
  std::optional<Verdict> assess(const std::string& deviceId, const flow::Flow& flow,
                                const FlowFacts& facts) const;

 private:
  std::shared_ptr<const SignatureCatalog> catalog_;
  const ServiceSignature* imessage_ = nullptr;
  const SignatureRule* contentHosts_ = nullptr;
  double windowSeconds_ = 0;
  std::unordered_map<std::string, Timestamp> lastPush_;
};

}  // namespace baawatch::classify
