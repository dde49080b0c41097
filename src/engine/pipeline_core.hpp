#pragma once
// What the one- and the N-worker pipelines share: the snapshot, the packet front on the reading
// thread, reload (the plan, the front's clinical networks, then each pipeline's own parts), and
// the counters the reading thread owns (reloads, the caller's capture events, counter sources).
// Private to the engine stage.
// Thread: every method is called from the reading (packet) thread.
#include <functional>
#include <string_view>
#include <vector>

#include "baawatch/common/counters.hpp"
#include "baawatch/engine/decision_stage.hpp"
#include "baawatch/engine/pipeline.hpp"
#include "baawatch/engine/snapshot.hpp"
#include "flow_stage.hpp"
#include "packet_front.hpp"

namespace baawatch::engine {

class PipelineCore : public PacketPipeline, protected FrontObserver {
 public:
  void countCaptureEvent(std::string_view name) final { counters_.add(name); }
  void addCounterSource(std::function<Counters()> source) final {
    counterSources_.push_back(std::move(source));
  }
  const Snapshot& snapshot() const final { return snapshot_; }
  void replaceSnapshot(Snapshot snapshot) final;

 protected:
  // What a reload changes besides the policy: the classifier is rebuilt for new signatures and
  // for new classifier settings (classifierSettingsChanged).
  struct ReloadPlan {
    SignaturesChanged signatures = SignaturesChanged::kNo;
    ClassifierRebuild classifier = ClassifierRebuild::kKeep;
  };

  explicit PipelineCore(Snapshot snapshot)
      : snapshot_(std::move(snapshot)), front_(snapshot_.policy) {}

  // The pipeline's own parts take the new snapshot_ (already in place).
  virtual void applyReload(const ReloadPlan& plan) = 0;

  void count(std::string_view name) { counters_.add(name); }
  // The front's counters, the reading thread's own and the counter sources'.
  Counters frontCounters() const;

  Snapshot snapshot_;
  PacketFront front_;

 private:
  Counters counters_;  // daemon.*, dispatch.*, capture events of the caller
  std::vector<std::function<Counters()>> counterSources_;
};

inline void PipelineCore::replaceSnapshot(Snapshot snapshot) {
  ReloadPlan plan;
  if (snapshot.catalog->version != snapshot_.catalog->version) {
    plan.signatures = SignaturesChanged::kYes;
  }
  if (plan.signatures == SignaturesChanged::kYes ||
      classifierSettingsChanged(snapshot_.settings, snapshot.settings)) {
    plan.classifier = ClassifierRebuild::kRebuild;
  }
  snapshot_ = std::move(snapshot);
  front_.replacePolicy(snapshot_.policy);
  applyReload(plan);
  if (plan.classifier == ClassifierRebuild::kRebuild) count("daemon.reload.classifier_rebuilt");
  count("daemon.reload.applied");
}

inline Counters PipelineCore::frontCounters() const {
  Counters merged;
  merged.merge(front_.counters());
  merged.merge(counters_);
  for (const auto& source : counterSources_) merged.merge(source());
  return merged;
}

}  // namespace baawatch::engine
