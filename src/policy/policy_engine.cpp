#include "baawatch/policy/policy_engine.hpp"

#include <algorithm>

namespace baawatch::policy {

std::string_view toString(Action action) {
  switch (action) {
    case Action::kIgnore: return "ignore";
    case Action::kCount: return "count";
    case Action::kAlert: return "alert";
    case Action::kVisibility: return "visibility";
  }
  return "unknown";
}

bool PolicyEngine::isClinical(const IpAddress& address) const {
  return std::any_of(policy_->clinicalNetworks.begin(), policy_->clinicalNetworks.end(),
                     [&](const IpRange& range) { return range.contains(address); });
}

const Exemption* PolicyEngine::exemptionFor(const std::string& serviceId,
                                            const inventory::Device& device,
                                            std::uint16_t vlan) const {
  std::string mac = device.mac ? decode::formatMac(*device.mac) : std::string();
  for (const auto& exemption : policy_->exemptions) {
    bool serviceCovered =
        exemption.services.empty() ||
        std::find(exemption.services.begin(), exemption.services.end(), serviceId) !=
            exemption.services.end();
    if (!serviceCovered) continue;
    bool byNetwork = std::any_of(exemption.networks.begin(), exemption.networks.end(),
                                 [&](const IpRange& range) { return range.contains(device.ip); });
    bool byMac = !mac.empty() &&
                 std::find(exemption.macs.begin(), exemption.macs.end(), mac) != exemption.macs.end();
    bool byVlan = vlan != 0 && std::find(exemption.vlans.begin(), exemption.vlans.end(), vlan) !=
                                   exemption.vlans.end();
    if (byNetwork || byMac || byVlan) return &exemption;
  }
  return nullptr;
}

Decision PolicyEngine::decide(const classify::Verdict& verdict, const inventory::Device& device,
                              std::uint16_t vlan, Timestamp time) {
  Decision decision;
  const classify::ServiceSignature& service = *verdict.service;
  if (!isClinical(device.ip)) {
    decision.policyRule = "not_clinical";
    decision.reason = "the device is outside the clinical networks";
    counters_.add("policy.not_clinical");
    return decision;
  }
  decision.action = Action::kCount;
  auto severity = policy_->severityByCategory.find(service.category);
  decision.severity =
      severity != policy_->severityByCategory.end() ? severity->second : Severity::kMedium;

  if (const Exemption* exemption = exemptionFor(service.id, device, vlan)) {
    decision.policyRule = "exempt." + exemption->id;
    decision.reason = exemption->reason.empty() ? "exempt by policy" : exemption->reason;
    counters_.add("policy.exempt");
    return decision;
  }
  if (const BaaOnFile* baa = policy_->baaFor(service.id)) {
    decision.policyRule = "baa_on_file." + service.id;
    decision.reason = "BAA on file: " + baa->reference + " (signed " + baa->signedDate + ")";
    counters_.add("policy.baa_on_file");
    return decision;
  }
  if (service.category == classify::Category::kPresence ||
      verdict.kind == classify::UseKind::kPresence) {
    // Presence (an Apple device online, iMessage enabled) is counted, never alerted: it says a
    // capability exists, not that it was used (DOMAIN.md).
    decision.policyRule = "presence";
    decision.reason = "presence signal: counted, not alerted";
    counters_.add("policy.presence");
    return decision;
  }

  if (verdict.confidence < policy_->minimumAlertConfidence) {
    decision.policyRule = "low_confidence";
    decision.reason = std::string("confidence ") + std::string(classify::toString(verdict.confidence)) +
                      " is below the policy's minimum_alert_confidence: counted";
    counters_.add("policy.low_confidence");
    return decision;
  }
  if (verdict.alertNeedsOptIn && !policy_->alertOnAttachmentPossible) {
    decision.policyRule = "attachment_possible";
    decision.reason =
        "iMessage attachment possible: counted; alerts need alert_on_attachment_possible";
    counters_.add("policy.attachment_possible");
    return decision;
  }
  decision.action = service.category == classify::Category::kVisibilityLoss ? Action::kVisibility
                                                                            : Action::kAlert;
  decision.policyRule = std::string("no_baa.") + std::string(classify::toString(service.category));
  if (decision.action == Action::kVisibility) decision.policyRule = "visibility_loss";
  decision.reason = service.baaStatus == classify::BaaStatus::kNone
                        ? service.vendor + " offers no BAA for " + service.name
                        : "no BAA on file for " + service.name;
  const std::string& ruleId = verdict.evidence.empty() ? service.id : verdict.evidence.front().ruleId;
  decision.dedupKey = device.id + "|" + service.id + "|" + ruleId;
  auto last = lastAlert_.find(decision.dedupKey);
  auto interval = static_cast<Microseconds>(policy_->suppressionSeconds * 1e6);
  if (last != lastAlert_.end() && time.micros - last->second.micros < interval &&
      time.micros >= last->second.micros) {
    decision.suppressed = true;
    counters_.add("policy.suppressed");
  } else {
    lastAlert_[decision.dedupKey] = time;
    bool alert = decision.action == Action::kAlert;
    counters_.add(alert ? "policy.alerts" : "policy.visibility");
    // Per service for the IT dashboard (stats record, metrics file); once per written record,
    // never per packet, so building the name here costs nothing that matters.
    counters_.add(std::string(alert ? "policy.alerts_by_service." : "policy.visibility_by_service.") +
                  service.id);
  }
  return decision;
}

}  // namespace baawatch::policy
