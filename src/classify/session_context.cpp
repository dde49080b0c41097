#include "baawatch/classify/session_context.hpp"

#include <algorithm>

namespace baawatch::classify {
namespace {

// Ten minutes: a call following the named session of its app (research/call-protocols.md).
const ThresholdNeed kSessionWindow{"session_window_seconds", ThresholdType::kNumber, false, 600};

bool isNameField(EvidenceField field) {
  return field == EvidenceField::kTlsSni || field == EvidenceField::kQuicSni ||
         field == EvidenceField::kHttpHost || field == EvidenceField::kDnsQuery;
}

}  // namespace

bool hasNameEvidence(const Verdict& verdict) {
  return std::any_of(verdict.evidence.begin(), verdict.evidence.end(),
                     [](const Evidence& evidence) { return isNameField(evidence.field); });
}

std::vector<DetectorNeeds> SessionContext::needs() {
  return {DetectorNeeds{"session context", kAnyService, {}, {kSessionWindow}}};
}

double SessionContext::windowFor(const ServiceSignature& service) {
  return thresholdValue(service, kSessionWindow);
}

bool SessionContext::refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
                            Timestamp time) {
  if (!facts.verdict) return false;
  bool changed = refine(deviceId, *facts.verdict, time);
  observe(deviceId, *facts.verdict, time, flow.id);
  return changed;
}

void SessionContext::flowEnded(const flow::Flow& flow, const FlowFacts& /*facts*/,
                               Timestamp /*endTime*/) {
  auto open = openNamed_.find(flow.id);
  if (open == openNamed_.end()) return;
  auto device = named_.find(open->second.first);
  if (device != named_.end()) {
    auto seen = device->second.find(open->second.second);
    if (seen != device->second.end()) {
      if (seen->second.openFlows > 0) --seen->second.openFlows;
      // Its last packet, not its end: an idle flow ends a timeout after it.
      if (flow.lastSeen > seen->second.last) seen->second.last = flow.lastSeen;
    }
  }
  openNamed_.erase(open);
}

bool SessionContext::fresh(const Seen& seen, Timestamp time) const {
  if (seen.openFlows > 0) return true;
  double age = static_cast<double>(time.micros - seen.last.micros) / 1e6;
  return age <= windowFor(*seen.service);
}

void SessionContext::observe(const std::string& deviceId, const Verdict& verdict, Timestamp time,
                             std::optional<std::uint64_t> flowId) {
  // Only real use opens a session: presence signals (APNs, identity lookups) never do.
  if (verdict.service == nullptr || !hasNameEvidence(verdict) ||
      verdict.kind < UseKind::kMessaging || verdict.service->category == Category::kPresence)
    return;
  Seen& seen = named_[deviceId][verdict.service->id];
  seen.catalog = verdict.catalog;
  seen.service = verdict.service;
  if (time > seen.namedAt) seen.namedAt = time;
  if (time > seen.last) seen.last = time;
  if (flowId && openNamed_.emplace(*flowId, std::pair{deviceId, verdict.service->id}).second)
    ++seen.openFlows;
}

void SessionContext::forgetBefore(Timestamp now, double margin) {
  for (auto device = named_.begin(); device != named_.end();) {
    std::erase_if(device->second, [&](const auto& entry) {
      const Seen& seen = entry.second;
      double age = static_cast<double>(now.micros - seen.last.micros) / 1e6;
      return seen.openFlows == 0 && age > windowFor(*seen.service) + margin;
    });
    device = device->second.empty() ? named_.erase(device) : std::next(device);
  }
}

bool SessionContext::refine(const std::string& deviceId, Verdict& verdict, Timestamp time) const {
  // Only calls are re-attributed: shared relays carry calls; everything else keeps its verdict.
  if (verdict.service == nullptr || hasNameEvidence(verdict) || verdict.kind != UseKind::kCall)
    return false;
  auto device = named_.find(deviceId);
  if (device == named_.end()) return false;
  if (auto own = device->second.find(verdict.service->id);
      own != device->second.end() && fresh(own->second, time)) {
    // The device named this very service moments ago (a FaceTime link opened in the browser,
    // then media to Apple): an independent second signal, so the call's confidence rises.
    if (verdict.confidence == Confidence::kHigh) return false;
    verdict.confidence = static_cast<Confidence>(static_cast<int>(verdict.confidence) + 1);
    verdict.evidence.push_back(Evidence{
        "context." + verdict.service->id + ".same-service-session", EvidenceField::kBehaviour,
        "device in a named " + verdict.service->name + " session", own->second.namedAt,
        Confidence::kMedium,
        "the same device named " + verdict.service->name +
            " (SNI or DNS) within the session window before this call",
        ""});
    return true;
  }
  const Seen* sibling = nullptr;
  for (const auto& [id, seen] : device->second) {
    if (seen.service->vendor != verdict.service->vendor || !fresh(seen, time)) continue;
    if (sibling != nullptr) return false;  // two named siblings: the context does not decide
    sibling = &seen;
  }
  if (sibling == nullptr) return false;
  const ServiceSignature* from = verdict.service;
  std::string fromName = from->name;
  std::string fromVendor = from->vendor;
  // The sibling may come from the catalog before a reload: the verdict now keeps that one alive.
  verdict.catalog = sibling->catalog;
  verdict.service = sibling->service;
  verdict.confidence = std::min(verdict.confidence, Confidence::kMedium);
  verdict.evidence.push_back(Evidence{
      "context." + sibling->service->id + ".same-vendor-session", EvidenceField::kBehaviour,
      "device in a named " + sibling->service->name + " session; relay shared with " + fromName,
      sibling->namedAt, Confidence::kMedium,
      fromVendor + " runs one relay infrastructure for " + fromName + " and " +
          sibling->service->name +
          ": the flow's own evidence names only the vendor, the device's live session names the "
          "app",
      ""});
  return true;
}

}  // namespace baawatch::classify
