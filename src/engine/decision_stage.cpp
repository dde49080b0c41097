#include "baawatch/engine/decision_stage.hpp"

namespace baawatch::engine {
namespace {

record::RecordContext recordContext(const Snapshot& snapshot, const record::RecordOrigin& origin) {
  record::RecordContext context;
  context.sensor = origin.sensor;
  context.clinic = snapshot.policy->clinicName.value_or("");
  context.policyVersion = snapshot.policy->version;
  context.signaturesVersion = snapshot.catalog->version;
  // Never empty, so a SIEM can always group by site: configured, else the clinic, else the sensor.
  const SensorSettings& sensor = snapshot.settings.sensor;
  context.site = !sensor.site.empty() ? sensor.site
                 : !context.clinic.empty() ? context.clinic
                                           : origin.sensor;
  context.tenant = sensor.tenant;
  context.runId = origin.runId;
  return context;
}

}  // namespace

DecisionStage::DecisionStage(const Snapshot& snapshot, sink::RecordSink& sink,
                             record::RecordOrigin origin)
    : sink_(sink),
      origin_(std::move(origin)),
      flowRecords_(snapshot.settings.output.flowRecords),
      builder_(recordContext(snapshot, origin_)),
      contextRules_(snapshot.catalog),
      policyEngine_(snapshot.policy),
      encounters_(snapshot.settings.output.encounterGap,
                  [this](const policy::Encounter& encounter) {
                    sink_.write(builder_.encounter(encounter));
                  }),
      intervalCounts_(snapshot.settings.output.countsInterval,
                      [this](const policy::IntervalCount& count) {
                        sink_.write(builder_.counts(count));
                      }) {}

void DecisionStage::observeSignal(const classify::DetectorSignal& signal) {
  // The same rule as for flows: a signal is a flow's activity.
  bool client = policyEngine_.deviceSide(signal.client, signal.server).isClient();
  inventory::Device device = client ? inventory_.lookup(signal.client, signal.clientMac)
                                    : inventory_.lookup(signal.server, signal.serverMac);
  contextRules_.observeSignal(device.id, signal);
}

void DecisionStage::onClassified(const flow::Flow& flow, const classify::FlowFacts& facts,
                                 Timestamp time) {
  noteTime(time);
  decide(flow, facts, time, std::nullopt);
}

void DecisionStage::decide(const flow::Flow& flow, const classify::FlowFacts& facts, Timestamp time,
                           std::optional<classify::FlowFacts> decidedHere) {
  FlowState state;
  state.deviceSide = policyEngine_.deviceSide(flow.client, flow.server);
  state.device = inventory_.lookup(state.deviceSide.device(flow), state.deviceSide.deviceMac(flow));
  state.decided = std::move(decidedHere);
  classify::FlowFacts refined = state.decided ? *state.decided : facts;
  if (contextRules_.refine(state.device.id, flow, refined, time)) state.decided = std::move(refined);
  const classify::FlowFacts& decided = state.decided ? *state.decided : facts;
  if (decided.verdict) {
    const classify::Verdict& verdict = *decided.verdict;
    policy::Decision decision = policyEngine_.decide(verdict, state.device, flow.vlan, time);
    if (decision.action != policy::Action::kIgnore) {
      if ((decision.action == policy::Action::kAlert ||
           decision.action == policy::Action::kVisibility) &&
          !decision.suppressed) {
        sink_.write(builder_.decision(flow, verdict, state.device, decision, time));
      }
      state.reported = true;
      if (decision.policyRule != "presence") {
        state.encounterKey = encounters_.flowClassified(flow, verdict, state.device, decision);
      }
      intervalCounts_.flowClassified(verdict, state.device, decision, time);
    }
  }
  if (state.reported || state.decided) flows_[flow.id] = std::move(state);
}

void DecisionStage::onFlowEnd(const flow::Flow& flow, const classify::FlowFacts* facts,
                              flow::FlowEndReason reason, Timestamp endTime) {
  noteTime(endTime);
  auto found = flows_.find(flow.id);
  if (found == flows_.end() && facts != nullptr && !facts->verdict) {
    // What explains a flow may have come after it was judged: the rules may give it a verdict
    // now, and it is decided (alert, encounter, counts) as if classified at its end.
    classify::FlowFacts late = *facts;
    if (contextRules_.refineEnded(flow, late, endTime)) {
      decide(flow, *facts, endTime, std::move(late));
      found = flows_.find(flow.id);
    }
  }
  if (found != flows_.end() && found->second.decided) facts = &*found->second.decided;
  if (facts != nullptr && facts->verdict) contextRules_.flowEnded(flow, *facts, endTime);
  if (found == flows_.end()) {
    if (flowRecords_) sink_.write(builder_.flow(flow, facts, reason, endTime));
    return;
  }
  FlowState& state = found->second;
  if (state.reported && facts != nullptr && facts->verdict) {
    if (!state.encounterKey.empty()) {
      encounters_.flowEnded(state.encounterKey, flow, state.deviceSide, *facts->verdict);
    }
    intervalCounts_.flowEnded(flow, state.deviceSide, *facts->verdict, state.device, endTime);
  }
  if (flowRecords_) sink_.write(builder_.flow(flow, facts, reason, endTime));
  flows_.erase(found);
}

void DecisionStage::housekeeping(Timestamp now) {
  noteTime(now);
  encounters_.flushIdle(now);
  intervalCounts_.flushBefore(now);
  // Per-device context is kept while it can still matter; a walk a minute is plenty.
  if (now.micros - lastForget_.micros >= 60000000) {
    contextRules_.forgetBefore(now);
    lastForget_ = now;
  }
}

void DecisionStage::flushAll() {
  encounters_.flushAll();
  intervalCounts_.flushAll(latest_);
}

void DecisionStage::writeStats(const Counters& counters, Timestamp time, StatsRecord kind) {
  sink_.write(builder_.stats(counters, time, kind == StatsRecord::kFinal));
}

void DecisionStage::replaceSnapshot(const Snapshot& snapshot, SignaturesChanged signatures) {
  builder_ = record::RecordBuilder(recordContext(snapshot, origin_));
  flowRecords_ = snapshot.settings.output.flowRecords;
  // Only the rules change: which alerts were raised, the devices' context, encounters and counts
  // go on (a reload is not a restart).
  policyEngine_.replacePolicy(snapshot.policy);
  if (signatures == SignaturesChanged::kYes) contextRules_.replaceCatalog(snapshot.catalog);
}

Counters DecisionStage::counters() const {
  Counters merged;
  merged.merge(counters_);
  merged.merge(contextRules_.counters());
  merged.merge(policyEngine_.counters());
  merged.merge(inventory_.counters());
  return merged;
}

}  // namespace baawatch::engine
