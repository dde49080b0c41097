#include "baawatch/policy/interval_counter.hpp"

#include <algorithm>

namespace baawatch::policy {

IntervalCounter::IntervalCounter(double intervalSeconds, Emit emit)
    : intervalMicros_(std::max<Microseconds>(1000000, static_cast<Microseconds>(intervalSeconds * 1e6))),
      emit_(std::move(emit)) {}

IntervalCount& IntervalCounter::bucket(const classify::Verdict& verdict,
                                       const inventory::Device& device, Timestamp time) {
  // Floor division that also holds for times before 1970 (anonymised captures).
  Microseconds start = time.micros / intervalMicros_ * intervalMicros_;
  if (time.micros < 0 && time.micros % intervalMicros_ != 0) start -= intervalMicros_;
  auto key = std::make_tuple(start, verdict.service->id, device.id);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    IntervalCount count;
    count.intervalStart = Timestamp{start};
    count.intervalEnd = Timestamp{start + intervalMicros_};
    count.catalog = verdict.catalog;
    count.service = verdict.service;
    count.device = device;
    it = buckets_.emplace(key, std::move(count)).first;
  }
  if (!device.hostName.empty()) it->second.device.hostName = device.hostName;
  return it->second;
}

void IntervalCounter::flowClassified(const classify::Verdict& verdict,
                                     const inventory::Device& device, const Decision& decision,
                                     Timestamp time) {
  IntervalCount& count = bucket(verdict, device, time);
  count.flowsClassified += 1;
  for (const auto& evidence : verdict.evidence)
    if (!evidence.caveat.empty()) count.caveats.insert(evidence.caveat);
  if (decision.suppressed) {
    count.suppressed += 1;
  } else if (decision.action == Action::kAlert || decision.action == Action::kVisibility) {
    count.alerts += 1;
  } else {
    count.counted += 1;
  }
}

void IntervalCounter::flowEnded(const flow::Flow& flow, flow::DeviceSide deviceSide,
                                const classify::Verdict& verdict, const inventory::Device& device,
                                Timestamp time) {
  IntervalCount& count = bucket(verdict, device, time);
  count.flowsEnded += 1;
  const auto& sent = deviceSide.sent(flow);
  const auto& received = deviceSide.received(flow);
  count.fromDevice.packets += sent.packets;
  count.fromDevice.bytes += sent.bytes;
  count.fromDevice.payloadBytes += sent.payloadBytes;
  count.toDevice.packets += received.packets;
  count.toDevice.bytes += received.bytes;
  count.toDevice.payloadBytes += received.payloadBytes;
}

void IntervalCounter::flushBefore(Timestamp now) {
  auto it = buckets_.begin();
  while (it != buckets_.end() && it->second.intervalEnd.micros <= now.micros) {
    emit_(it->second);
    it = buckets_.erase(it);
  }
}

void IntervalCounter::flushAll(Timestamp now) {
  for (auto& [key, count] : buckets_) {
    if (now.micros < count.intervalEnd.micros) {
      count.partial = true;
      count.intervalEnd = Timestamp{std::max(now.micros, count.intervalStart.micros)};
    }
    emit_(count);
  }
  buckets_.clear();
}

}  // namespace baawatch::policy
