#pragma once
// "iMessage attachment possible": an HTTPS transfer to an iCloud content host (pNN-content.icloud
// .com, *.icloud-content.com) that starts within a few seconds of push activity on the same
// device's APNs connection. iMessage uploads an attachment right after fetching the upload
// authorisation over APNs and downloads it right after the announcing push; iCloud Photos and
// Drive use the same hosts on their own schedule. So this is a correlation, not an observation:
// medium confidence, counted, and alerted only where the policy opts in
// (alert_on_attachment_possible). Thresholds: signatures/services/imessage.yaml `behaviour:`.
// Never counts messages. Thread: owned by one packet thread.
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/classify/signature.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::classify {

class AttachmentCorrelator {
 public:
  explicit AttachmentCorrelator(std::shared_ptr<const SignatureCatalog> catalog);

  // Whether this packet is APNs push activity (TCP to Apple's push addresses and ports, with more
  // payload than a keepalive).
  bool isPushActivity(const decode::DecodedPacket& packet) const;
  void observePushActivity(const std::string& deviceId, Timestamp time);
  // Forgets push activity older than the window plus `margin` seconds at `now` (as
  // SessionContext::forgetBefore, for the same reason).
  void forgetBefore(Timestamp now, double margin = 7200);
  std::size_t devices() const { return lastPush_.size(); }

  // A verdict for an otherwise unattributed flow to an iCloud content host that began within the
  // window after the device's push activity.
  std::optional<Verdict> assess(const std::string& deviceId, const flow::Flow& flow,
                                const FlowFacts& facts) const;

 private:
  std::shared_ptr<const SignatureCatalog> catalog_;
  const ServiceSignature* imessage_ = nullptr;
  const SignatureRule* contentHosts_ = nullptr;
  const SignatureRule* pushAddresses_ = nullptr;
  double windowSeconds_ = 10;
  double minPushPayload_ = 200;
  std::unordered_map<std::string, Timestamp> lastPush_;
};

}  // namespace baawatch::classify
