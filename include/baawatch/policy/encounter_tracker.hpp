#pragma once
// Joins the ended flows of one device and one service into encounters: what an auditor asks
// about ("dr-lee-iphone used WhatsApp from 09:02 to 09:14, a call, 4.1 MB"). Flows less than
// `gap` apart join; an encounter is written once nothing has joined it for `gap`, and every open
// encounter is written at the end of a run.
// Thread: owned by one packet thread.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "baawatch/classify/verdict.hpp"
#include "baawatch/flow/flow.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "baawatch/policy/policy_engine.hpp"

namespace baawatch::policy {

struct Encounter {
  std::string id;                       // stable: device, service and start time
  inventory::Device device;
  std::shared_ptr<const classify::SignatureCatalog> catalog;
  const classify::ServiceSignature* service = nullptr;
  Timestamp start;
  Timestamp end;
  std::uint64_t flows = 0;
  flow::DirectionStats fromDevice;      // bytes the clinic device sent
  flow::DirectionStats toDevice;        // bytes the clinic device received
  classify::UseKind kind = classify::UseKind::kPresence;
  classify::Confidence confidence = classify::Confidence::kLow;
  std::string media;                    // calls: "video" if any flow was video, else "audio"
  std::vector<classify::Evidence> evidence;  // distinct rule+field+value, capped
  bool evidenceTruncated = false;
  std::set<std::string> servers;        // remote addresses, capped
  bool serversTruncated = false;
  Action action = Action::kCount;       // the strongest action any of its flows got
  std::string policyRule;
  std::uint64_t alerts = 0;
  std::uint32_t liveFlows = 0;          // flows classified but not ended yet
};

class EncounterTracker {
 public:
  using Emit = std::function<void(const Encounter&)>;
  EncounterTracker(double gapSeconds, Emit emit) : gapMicros_(toMicros(gapSeconds)), emit_(std::move(emit)) {}

  // A flow was attributed: it joins (or opens) its device+service encounter, which stays open
  // while the flow lives. Returns the encounter key to pass to flowEnded.
  std::string flowClassified(const flow::Flow& flow, const classify::Verdict& verdict,
                             const inventory::Device& device, const Decision& decision);
  // The flow ended: its packets, bytes and evidence are added, seen from `deviceSide`.
  void flowEnded(const std::string& key, const flow::Flow& flow, flow::DeviceSide deviceSide,
                 const classify::Verdict& verdict);
  // Writes encounters with no live flow that nothing has joined for longer than the gap.
  void flushIdle(Timestamp now);
  // Writes every open encounter.
  void flushAll();
  std::size_t open() const { return open_.size(); }

 private:
  static Microseconds toMicros(double seconds) { return static_cast<Microseconds>(seconds * 1e6); }
  Microseconds gapMicros_;
  Emit emit_;
  std::map<std::string, Encounter> open_;  // key: device id | service id
};

}  // namespace baawatch::policy
