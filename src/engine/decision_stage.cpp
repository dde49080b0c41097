#include "baawatch/engine/decision_stage.hpp"

namespace baawatch::engine {
namespace {

record::RecordContext recordContext(const Snapshot& snapshot, const std::string& sensorName) {
  return record::RecordContext{sensorName, snapshot.policy->clinicName.value_or(""),
                             snapshot.policy->version, snapshot.catalog->version};
}

}  // namespace

DecisionStage::DecisionStage(const Snapshot& snapshot, sink::RecordSink& sink,
                             std::string sensorName)
    : sink_(sink),
      sensorName_(std::move(sensorName)),
      flowRecords_(snapshot.settings.output.flowRecords),
      builder_(recordContext(snapshot, sensorName_)),
      attachments_(snapshot.catalog),
      policyEngine_(snapshot.policy),
      encounters_(snapshot.settings.output.encounterGap,
                  [this](const policy::Encounter& encounter) {
                    sink_.write(builder_.encounter(encounter));
                  }),
      intervalCounts_(snapshot.settings.output.countsInterval,
                      [this](const policy::IntervalCount& count) {
                        sink_.write(builder_.counts(count));
                      }) {}

void DecisionStage::observePush(const PushActivity& push) {
  bool deviceIsClient = policyEngine_.isClinical(push.client);
  inventory::Device device = inventory_.lookup(deviceIsClient ? push.client : push.server,
                                               deviceIsClient ? push.clientMac : push.serverMac);
  attachments_.observePushActivity(device.id, push.time);
}

bool DecisionStage::onClassified(const flow::Flow& flow, classify::FlowFacts& facts,
                                 Timestamp time) {
  // The clinic device is the endpoint inside the clinical networks, the client when both are.
  bool deviceIsClient = policyEngine_.isClinical(flow.client) || !policyEngine_.isClinical(flow.server);
  const IpAddress& address = deviceIsClient ? flow.client : flow.server;
  inventory::Device device =
      inventory_.lookup(address, deviceIsClient ? flow.clientMac : flow.serverMac);
  bool changed = false;
  if (!facts.verdict) {
    facts.verdict = attachments_.assess(device.id, flow, facts);
    if (!facts.verdict) return false;
    counters_.add("classify.attachment_possible");
    changed = true;
  }
  classify::Verdict& verdict = *facts.verdict;
  if (sessions_.refine(device.id, verdict, time)) {
    counters_.add("classify.context_refined");
    changed = true;
  }
  sessions_.observe(device.id, verdict, time);
  policy::Decision decision = policyEngine_.decide(verdict, device, flow.vlan, time);
  if (decision.action == policy::Action::kIgnore) return changed;

  if ((decision.action == policy::Action::kAlert || decision.action == policy::Action::kVisibility) &&
      !decision.suppressed) {
    sink_.write(builder_.decision(flow, deviceIsClient, verdict, device, decision, time));
  }
  FlowPolicyState state;
  state.device = device;
  state.deviceIsClient = deviceIsClient;
  if (decision.policyRule != "presence") {
    state.encounterKey = encounters_.flowClassified(flow, verdict, device, decision);
  }
  intervalCounts_.flowClassified(verdict, device, decision, time);
  flowPolicy_[flow.id] = std::move(state);
  return changed;
}

void DecisionStage::onFlowEnd(const flow::Flow& flow, const classify::FlowFacts* facts,
                              flow::FlowEndReason reason, Timestamp endTime) {
  auto state = flowPolicy_.find(flow.id);
  if (state != flowPolicy_.end()) {
    if (facts != nullptr && facts->verdict) {
      if (!state->second.encounterKey.empty()) {
        encounters_.flowEnded(state->second.encounterKey, flow, state->second.deviceIsClient,
                              *facts->verdict);
      }
      intervalCounts_.flowEnded(flow, state->second.deviceIsClient, *facts->verdict,
                                state->second.device, endTime);
    }
    flowPolicy_.erase(state);
  }
  if (flowRecords_) sink_.write(builder_.flow(flow, facts, reason, endTime));
}

void DecisionStage::housekeeping(Timestamp now) {
  encounters_.flushIdle(now);
  intervalCounts_.flushBefore(now);
  // Per-device context is kept while it can still matter; a walk a minute is plenty.
  if (now.micros - lastForget_.micros >= 60000000) {
    sessions_.forgetBefore(now);
    attachments_.forgetBefore(now);
    lastForget_ = now;
  }
}

void DecisionStage::flushAll() {
  encounters_.flushAll();
  intervalCounts_.flushAll();
}

void DecisionStage::writeStats(const Counters& counters, Timestamp time, bool final) {
  sink_.write(builder_.stats(counters, time, final));
}

void DecisionStage::replaceSnapshot(const Snapshot& snapshot, bool signaturesChanged) {
  builder_ = record::RecordBuilder(recordContext(snapshot, sensorName_));
  flowRecords_ = snapshot.settings.output.flowRecords;
  retiredPolicyCounters_.merge(policyEngine_.counters());
  policyEngine_ = policy::PolicyEngine(snapshot.policy);
  if (signaturesChanged) attachments_ = classify::AttachmentCorrelator(snapshot.catalog);
}

Counters DecisionStage::counters() const {
  Counters merged;
  merged.merge(counters_);
  merged.merge(policyEngine_.counters());
  merged.merge(inventory_.counters());
  merged.merge(retiredPolicyCounters_);
  return merged;
}

}  // namespace baawatch::engine
