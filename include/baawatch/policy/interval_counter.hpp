#pragma once
// Per-interval counts per service and device: attributed flows, alerts raised and suppressed,
// bytes and packets. An event is counted in the interval that holds its event time (the packet
// time at which it was processed), so intervals close in order; an interval is written once
// packet time has passed its end, and every interval is written at the end of a run (the
// unfinished ones marked partial).
// Thread: owned by one packet thread.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <tuple>

#include "baawatch/classify/verdict.hpp"
#include "baawatch/flow/flow.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "baawatch/policy/policy_engine.hpp"

namespace baawatch::policy {

struct IntervalCount {
  Timestamp intervalStart;
  Timestamp intervalEnd;                // for a partial interval, when it was written
  bool partial = false;                 // written before its end (shutdown, end of input)
  std::shared_ptr<const classify::SignatureCatalog> catalog;
  const classify::ServiceSignature* service = nullptr;
  inventory::Device device;
  std::uint64_t flowsClassified = 0;
  std::uint64_t flowsEnded = 0;
  std::uint64_t alerts = 0;
  std::uint64_t suppressed = 0;
  std::uint64_t counted = 0;           // decisions that were count-only (presence, BAA, exempt)
  flow::DirectionStats fromDevice;
  flow::DirectionStats toDevice;
  std::set<std::string> caveats;       // what the counted evidence cannot show, in words
};

class IntervalCounter {
 public:
  using Emit = std::function<void(const IntervalCount&)>;
  IntervalCounter(double intervalSeconds, Emit emit);

  void flowClassified(const classify::Verdict& verdict, const inventory::Device& device,
                      const Decision& decision, Timestamp time);
  void flowEnded(const flow::Flow& flow, flow::DeviceSide deviceSide,
                 const classify::Verdict& verdict, const inventory::Device& device, Timestamp time);
  // Writes every interval that ended at or before `now`.
  void flushBefore(Timestamp now);
  // Writes every interval, at `now` (the latest event time): one that has not ended yet is
  // written as partial, ending at `now`, so no record is dated in the future.
  void flushAll(Timestamp now);

 private:
  IntervalCount& bucket(const classify::Verdict& verdict, const inventory::Device& device,
                        Timestamp time);
  Microseconds intervalMicros_;
  Emit emit_;
  // key: interval start, service id, device id — ordered so flushing walks oldest first.
  std::map<std::tuple<Microseconds, std::string, std::string>, IntervalCount> buckets_;
};

}  // namespace baawatch::policy
