#include "initiator_table.hpp"

#include <algorithm>

namespace baawatch::engine {
namespace {

// Housekeeping ends an idle flow within a packet-second of its timeout; the entry must last
// until then, and a little more.
constexpr double kSlackSeconds = 2;

Microseconds periodOf(double seconds) { return static_cast<Microseconds>((seconds + kSlackSeconds) * 1e6); }

}  // namespace

InitiatorTable::InitiatorTable(std::size_t capacity, const FlowSettings& flows,
                               flow::FlowKeyHash hash)
    : capacity_(capacity) {
  setTimeouts(flows);
  for (auto& generations : byClass_) {
    generations.recent = Map(0, hash);
    generations.older = Map(0, hash);
  }
}

void InitiatorTable::setTimeouts(const FlowSettings& flows) {
  double tcp = std::max({flows.tcpSynTimeout, flows.tcpEstablishedTimeout, flows.tcpClosedTimeout});
  byClass_[0].period = periodOf(tcp);
  byClass_[1].period = periodOf(flows.udpTimeout);
  byClass_[2].period = periodOf(flows.otherTimeout);
}

InitiatorTable::Generations& InitiatorTable::generationsFor(std::uint8_t protocol) {
  return byClass_[protocol == 6 ? 0 : protocol == 17 ? 1 : 2];
}

const IpAddress* InitiatorTable::initiatorOf(const flow::FlowKey& key, const IpAddress& source,
                                             Timestamp now) {
  Generations& generations = generationsFor(key.protocol);
  if (!generations.started) {
    generations.started = true;
    generations.lastRotation = now.micros;
  }
  if (auto it = generations.recent.find(key); it != generations.recent.end()) return &it->second;
  if (auto node = generations.older.extract(key)) {
    // Seen again: back into the recent generation (the node moves, nothing is allocated).
    return &generations.recent.insert(std::move(node)).position->second;
  }
  if (size() >= capacity_) return nullptr;
  return &generations.recent.emplace(key, source).first->second;
}

void InitiatorTable::advance(Timestamp now) {
  for (auto& generations : byClass_) {
    if (!generations.started) continue;
    Microseconds since = now.micros - generations.lastRotation;
    if (since < generations.period) continue;
    // Entries in `older` were last seen before the previous rotation, a period or more ago: they
    // go. Those seen since (in `recent`) stay for one more period.
    generations.older.swap(generations.recent);
    generations.recent.clear();
    generations.lastRotation = now.micros;
  }
}

std::size_t InitiatorTable::size() const {
  std::size_t total = 0;
  for (const auto& generations : byClass_) total += generations.recent.size() + generations.older.size();
  return total;
}

}  // namespace baawatch::engine
