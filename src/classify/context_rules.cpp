#include "baawatch/classify/attachment_correlator.hpp"
#include "baawatch/classify/call_push_context.hpp"
#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/session_context.hpp"
#include "baawatch/classify/socket_association.hpp"

namespace baawatch::classify {

ContextRules::ContextRules(std::shared_ptr<const SignatureCatalog> catalog) {
  // The attachment correlation first: it gives a verdict that the session context may refine.
  rules_.push_back(std::make_unique<AttachmentCorrelator>(catalog));
  rules_.push_back(std::make_unique<SessionContext>());
  // After the session context: a seed's verdict is the one it settled on.
  rules_.push_back(std::make_unique<SocketAssociation>());
  // FaceTime's push context last: a call the session context confirmed needs no second step.
  rules_.push_back(std::make_unique<CallPushContext>(catalog));
}

ContextRules::~ContextRules() = default;

void ContextRules::observeSignal(const std::string& deviceId, const DetectorSignal& signal) {
  for (auto& rule : rules_) rule->observeSignal(deviceId, signal);
}

bool ContextRules::refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
                          Timestamp time) {
  bool changed = false;
  for (auto& rule : rules_) {
    if (rule->refine(deviceId, flow, facts, time)) {
      counters_.add(rule->refinedCounter());
      changed = true;
    }
  }
  return changed;
}

bool ContextRules::refineEnded(const flow::Flow& flow, FlowFacts& facts, Timestamp endTime) {
  for (auto& rule : rules_) {
    if (rule->refineEnded(flow, facts, endTime)) {
      counters_.add(rule->refinedCounter());
      return true;
    }
  }
  return false;
}

void ContextRules::flowEnded(const flow::Flow& flow, const FlowFacts& facts, Timestamp endTime) {
  for (auto& rule : rules_) rule->flowEnded(flow, facts, endTime);
}

void ContextRules::forgetBefore(Timestamp now) {
  for (auto& rule : rules_) rule->forgetBefore(now);
}

void ContextRules::replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) {
  for (auto& rule : rules_) rule->replaceCatalog(catalog);
}

}  // namespace baawatch::classify
