#pragma once
// The device's context as one more FaceTime signal: push activity on the same device's APNs
// connection in the seconds before a FaceTime call's media began. A FaceTime call is set up over
// APNs: the invitation and the relay allocation (address, port, key) arrive as pushes just before
// the media flow opens (rustpush src/ids/link.rs; research/signatures.md §1). It never makes a
// verdict by itself (every iPhone gets pushes all day): it raises a medium FaceTime call verdict
// one step, with the push as evidence, as SessionContext does for a facetime.apple.com visit.
// The window is facetime.yaml's `behaviour: push_before_call_seconds` (declared by needs()).
// A ContextRule fed by the push detector's signals (classify/push_activity_detector.hpp).
// Thread: owned by the decision stage.
#include <memory>
#include <string>
#include <unordered_map>

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/signature.hpp"
#include "baawatch/classify/verdict.hpp"

namespace baawatch::classify {

class CallPushContext final : public ContextRule {
 public:
  explicit CallPushContext(std::shared_ptr<const SignatureCatalog> catalog);
  static std::vector<DetectorNeeds> needs();

  // ContextRule
  std::string_view name() const override { return "FaceTime push context"; }
  std::string_view refinedCounter() const override { return "classify.context_refined"; }
  void observeSignal(const std::string& deviceId, const DetectorSignal& signal) override;
  bool refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
              Timestamp time) override;
  void forgetBefore(Timestamp now) override;
  // New signatures (SIGHUP): the window comes from `catalog`, the push activity seen so far stays.
  void replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) override;

  void observePushActivity(const std::string& deviceId, Timestamp time);
  // Raises `verdict` (a medium FaceTime call of a flow that began at `flowStart`) when the device
  // had push activity within the window before; true when it changed it.
  bool refine(const std::string& deviceId, Timestamp flowStart, Verdict& verdict) const;

 private:
  std::shared_ptr<const SignatureCatalog> catalog_;
  const ServiceSignature* facetime_ = nullptr;
  double windowSeconds_ = 0;
  // device id -> the push activities of the last window (time order), bounded per device
  std::unordered_map<std::string, std::vector<Timestamp>> pushes_;
};

}  // namespace baawatch::classify
