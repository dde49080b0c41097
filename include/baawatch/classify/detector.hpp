#pragma once
// The two plug-in interfaces of classification (docs/architecture.md, "Adding a detector").
//
// A FlowDetector looks at the packets of one flow and, when the chain asks, judges the flow:
// still watching (ask again on a later packet), no match (the next detector's turn), or a match
// with its verdict. FlowClassifier runs its detectors in order for every flow; the first match
// decides, a detector that is still watching holds the flow back. A detector may also emit a
// DetectorSignal (activity a context rule weighs across flows, such as push traffic).
//
// A ContextRule runs on the decision side, after a flow is judged: it takes the signals of the
// device's other flows and may set or refine the verdict (ContextRules runs them in order).
//
// The engine carries signals and verdicts without reading them: which service a detector finds,
// and what a signal means, stays between the detector and the rule that reads it.
// Thread: a detector belongs to one packet thread's FlowClassifier, a context rule to the
// decision stage; both are built from one catalog snapshot and rebuilt when it changes.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baawatch/classify/detector_needs.hpp"
#include "baawatch/classify/detector_signal.hpp"
#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::classify {

enum class Judgement : std::uint8_t {
  kWatching,  // not decided yet: keep the flow open for judgement and ask again
  kNoMatch,   // not this detector's service (or it cannot be shown): the next detector's turn
  kMatch,     // the verdict says what the flow is and why
};

struct Assessment {
  Judgement judgement = Judgement::kNoMatch;
  std::optional<Verdict> verdict;  // set exactly when kMatch
};

// What a detector keeps per flow until the flow is classified (then it is released).
class DetectorFlowState {
 public:
  virtual ~DetectorFlowState() = default;
};

struct PacketContext {
  const flow::Flow& flow;
  const decode::DecodedPacket& packet;
  flow::Direction direction;
  FlowFacts& facts;                      // what the flow showed so far; a detector may add to it
  Counters& counters;                    // the classifier's counters (declare names in the doc)
  std::vector<DetectorSignal>& signals;  // append to emit; the engine ships them in packet order
};

struct JudgeContext {
  const flow::Flow& flow;
  FlowFacts& facts;
  Timestamp now;  // the verdict's time
  bool final;     // the flow ended (or its time ran out for good): kWatching is no answer
  Counters& counters;
};

class FlowDetector {
 public:
  virtual ~FlowDetector() = default;
  virtual std::string_view name() const = 0;

  // The detector's state for a new flow, or null when it keeps none for this flow.
  virtual std::unique_ptr<DetectorFlowState> newFlowState(const flow::Flow& flow) const {
    (void)flow;
    return nullptr;
  }
  // Whether observe() sees packets of flows already classified too (activity signals).
  virtual bool observesClassifiedFlows() const { return false; }
  // One packet of the flow. `state` is what newFlowState() made (may be null).
  virtual void observe(PacketContext& context, DetectorFlowState* state) {
    (void)context;
    (void)state;
  }
  // The flow's time budget ran out: stop deciding and answer from what was seen. Returns true
  // when this detector was still deciding (the flow is then judged now).
  virtual bool timeUp(DetectorFlowState* state, Counters& counters) {
    (void)state;
    (void)counters;
    return false;
  }
  virtual Assessment judge(JudgeContext& context, DetectorFlowState* state) = 0;
};

class ContextRule {
 public:
  virtual ~ContextRule() = default;
  virtual std::string_view name() const = 0;
  // The counter counted each time refine() changes a verdict ("classify.context_refined").
  virtual std::string_view refinedCounter() const = 0;

  virtual void observeSignal(const std::string& deviceId, const DetectorSignal& signal) {
    (void)deviceId;
    (void)signal;
  }
  // A flow judged by the detectors, of device `deviceId`: may set `facts.verdict` (when it has
  // none) or rewrite it. Returns true when it changed it.
  virtual bool refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
                      Timestamp time) = 0;
  // A flow that ended without a verdict: a rule that learns across flows may give it one now,
  // when what explains it came after the flow was judged (a relay flow judged after the P2P leg
  // of its socket). Returns true when it set `facts.verdict`.
  virtual bool refineEnded(const flow::Flow& flow, FlowFacts& facts, Timestamp endTime) {
    (void)flow;
    (void)facts;
    (void)endTime;
    return false;
  }
  // A flow with a verdict ended, with the facts it was decided on.
  virtual void flowEnded(const flow::Flow& flow, const FlowFacts& facts, Timestamp endTime) {
    (void)flow;
    (void)facts;
    (void)endTime;
  }
  // Forgets per-device memory that can no longer matter at `now`.
  virtual void forgetBefore(Timestamp now) { (void)now; }
  // A new catalog (reload): rules read their rules and thresholds again. Per-device memory that
  // holds its own catalog may stay.
  virtual void replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) = 0;
};

// The context rules of the decision side, in order: the iMessage attachment correlation (it
// gives unattributed flows a verdict), then the session context (it refines call verdicts), then
// the socket association (a call's socket lends its service to the socket's unattributed UDP
// flows), then FaceTime's push context (push activity just before a medium FaceTime call raises
// it).
class ContextRules {
 public:
  explicit ContextRules(std::shared_ptr<const SignatureCatalog> catalog);
  ~ContextRules();
  ContextRules(const ContextRules&) = delete;
  ContextRules& operator=(const ContextRules&) = delete;

  void observeSignal(const std::string& deviceId, const DetectorSignal& signal);
  // Runs every rule; true when one changed the verdict.
  bool refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
              Timestamp time);
  // A flow without a verdict ended: the first rule that gives it one; true when one did.
  bool refineEnded(const flow::Flow& flow, FlowFacts& facts, Timestamp endTime);
  void flowEnded(const flow::Flow& flow, const FlowFacts& facts, Timestamp endTime);
  void forgetBefore(Timestamp now);
  void replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog);
  // One counter per rule's refinedCounter().
  const Counters& counters() const { return counters_; }

 private:
  std::vector<std::unique_ptr<ContextRule>> rules_;
  Counters counters_;
};

}  // namespace baawatch::classify
