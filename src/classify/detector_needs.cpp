#include "baawatch/classify/detector_needs.hpp"

#include <fmt/format.h>

#include "baawatch/classify/attachment_correlator.hpp"
#include "baawatch/classify/call_push_context.hpp"
#include "baawatch/classify/facetime_behaviour.hpp"
#include "baawatch/classify/session_context.hpp"
#include "baawatch/classify/socket_association.hpp"
#include "baawatch/common/config_error.hpp"
#include "classify/push_activity_detector.hpp"

namespace baawatch::classify {
namespace {

// Only reachable with a catalog built by hand (the loader refuses one that lacks a need).
[[noreturn]] void notInCatalog(const ServiceSignature& service, const std::string& what) {
  throw ConfigError(SourceLocation{service.file, 0, 0}, service.id,
                    fmt::format("{} is missing (the catalog was not checked against the "
                                "detectors' needs)",
                                what));
}

}  // namespace

std::string_view toString(ThresholdType type) {
  switch (type) {
    case ThresholdType::kNumber:
      return "a number >= 0 in 'value'";
    case ThresholdType::kCount:
      return "a whole number >= 0 in 'value'";
    case ThresholdType::kPayloadTypes:
      return "a list of RTP payload types (whole numbers 0-127) in 'values'";
  }
  return "unknown";
}

std::vector<DetectorNeeds> builtInDetectorNeeds() {
  std::vector<DetectorNeeds> needs;
  for (auto* list :
       {&FaceTimeBehaviour::needs, &PushActivityDetector::needs, &AttachmentCorrelator::needs,
        &SessionContext::needs, &SocketAssociation::needs, &CallPushContext::needs}) {
    for (DetectorNeeds& need : list()) needs.push_back(std::move(need));
  }
  return needs;
}

double thresholdValue(const ServiceSignature& service, const ThresholdNeed& need) {
  if (auto it = service.behaviour.find(need.name); it != service.behaviour.end())
    return it->second;
  if (!need.required) return need.fallback;
  notInCatalog(service, fmt::format("threshold '{}'", need.name));
}

std::vector<int> thresholdPayloadTypes(const ServiceSignature& service,
                                       const ThresholdNeed& need) {
  auto it = service.behaviourLists.find(need.name);
  if (it == service.behaviourLists.end()) {
    if (!need.required) return {};
    notInCatalog(service, fmt::format("threshold '{}'", need.name));
  }
  std::vector<int> types;
  for (double type : it->second) types.push_back(static_cast<int>(type));
  return types;
}

const std::string& thresholdReason(const ServiceSignature& service, const std::string& name) {
  static const std::string kNone;
  auto it = service.behaviourReasons.find(name);
  return it != service.behaviourReasons.end() ? it->second : kNone;
}

const SignatureRule& neededRule(const ServiceSignature& service, const std::string& ruleId) {
  const SignatureRule* rule = service.findRule(ruleId);
  if (rule == nullptr) notInCatalog(service, fmt::format("rule '{}'", ruleId));
  return *rule;
}

}  // namespace baawatch::classify
