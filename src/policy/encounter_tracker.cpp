#include "baawatch/policy/encounter_tracker.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace baawatch::policy {
namespace {

constexpr std::size_t kMaxEvidence = 16;
constexpr std::size_t kMaxServers = 16;

void addStats(flow::DirectionStats& into, const flow::DirectionStats& from) {
  into.packets += from.packets;
  into.bytes += from.bytes;
  into.payloadBytes += from.payloadBytes;
}

int actionRank(Action action) {
  switch (action) {
    case Action::kIgnore: return 0;
    case Action::kCount: return 1;
    case Action::kVisibility: return 2;
    case Action::kAlert: return 3;
  }
  return 0;
}

std::string encounterId(const std::string& deviceId, const std::string& serviceId,
                        Timestamp start) {
  // FNV-1a: a stable id lets a SIEM join an encounter with its alerts across re-runs.
  std::uint64_t hash = 1469598103934665603ULL;
  auto feed = [&](std::string_view text) {
    for (char c : text) {
      hash ^= static_cast<std::uint8_t>(c);
      hash *= 1099511628211ULL;
    }
  };
  feed(deviceId);
  feed("|");
  feed(serviceId);
  feed("|");
  feed(std::to_string(start.micros));
  return fmt::format("{:016x}", hash);
}

}  // namespace

std::string EncounterTracker::flowClassified(const flow::Flow& flow,
                                             const classify::Verdict& verdict,
                                             const inventory::Device& device,
                                             const Decision& decision) {
  std::string key = device.id + "|" + verdict.service->id;
  auto it = open_.find(key);
  if (it != open_.end()) {
    Encounter& current = it->second;
    bool joins = current.liveFlows > 0 || flow.firstSeen.micros <= current.end.micros + gapMicros_;
    if (!joins) {
      emit_(current);
      open_.erase(it);
      it = open_.end();
    }
  }
  if (it == open_.end()) {
    Encounter fresh;
    fresh.device = device;
    fresh.catalog = verdict.catalog;
    fresh.service = verdict.service;
    fresh.start = flow.firstSeen;
    fresh.end = flow.lastSeen;
    fresh.kind = verdict.kind;
    fresh.confidence = verdict.confidence;
    fresh.action = decision.action;
    fresh.policyRule = decision.policyRule;
    fresh.id = encounterId(device.id, verdict.service->id, flow.firstSeen);
    it = open_.emplace(key, std::move(fresh)).first;
  }
  Encounter& encounter = it->second;
  encounter.liveFlows += 1;
  encounter.start = std::min(encounter.start, flow.firstSeen);
  if (!device.hostName.empty()) encounter.device.hostName = device.hostName;
  if (device.mac) encounter.device.mac = device.mac;
  encounter.device.ip = device.ip;
  if (actionRank(decision.action) > actionRank(encounter.action)) {
    encounter.action = decision.action;
    encounter.policyRule = decision.policyRule;
  }
  if ((decision.action == Action::kAlert || decision.action == Action::kVisibility) &&
      !decision.suppressed)
    encounter.alerts += 1;
  return key;
}

void EncounterTracker::flowEnded(const std::string& key, const flow::Flow& flow,
                                 flow::DeviceSide deviceSide, const classify::Verdict& verdict) {
  auto it = open_.find(key);
  if (it == open_.end()) return;
  Encounter& encounter = it->second;
  if (encounter.liveFlows > 0) encounter.liveFlows -= 1;
  encounter.end = std::max(encounter.end, flow.lastSeen);
  encounter.flows += 1;
  addStats(encounter.fromDevice, deviceSide.sent(flow));
  addStats(encounter.toDevice, deviceSide.received(flow));
  encounter.kind = std::max(encounter.kind, verdict.kind);
  encounter.confidence = std::max(encounter.confidence, verdict.confidence);
  if (verdict.media == "video" || (verdict.media == "audio" && encounter.media.empty()))
    encounter.media = verdict.media;
  std::string remote = deviceSide.remote(flow).toString();
  if (encounter.servers.size() < kMaxServers) {
    encounter.servers.insert(remote);
  } else if (encounter.servers.count(remote) == 0) {
    encounter.serversTruncated = true;
  }
  // Evidence is kept in time order, the earliest kMaxEvidence distinct items, so the record does
  // not depend on the order in which the encounter's flows happened to end (several flows end in
  // one housekeeping pass; with several workers they come from different threads).
  auto earlier = [](const classify::Evidence& a, const classify::Evidence& b) {
    return std::tie(a.time.micros, a.ruleId, a.field, a.value) <
           std::tie(b.time.micros, b.ruleId, b.field, b.value);
  };
  for (const auto& evidence : verdict.evidence) {
    auto known = std::find_if(encounter.evidence.begin(), encounter.evidence.end(),
                              [&](const classify::Evidence& e) {
                                return e.ruleId == evidence.ruleId && e.field == evidence.field &&
                                       e.value == evidence.value;
                              });
    if (known != encounter.evidence.end()) {
      // The same observation from several flows: the earliest packet that showed it stands.
      if (evidence.time.micros >= known->time.micros) continue;
      encounter.evidence.erase(known);
    }
    auto place = std::upper_bound(encounter.evidence.begin(), encounter.evidence.end(), evidence,
                                  earlier);
    if (encounter.evidence.size() < kMaxEvidence) {
      encounter.evidence.insert(place, evidence);
    } else {
      encounter.evidenceTruncated = true;
      if (place != encounter.evidence.end()) {
        auto index = place - encounter.evidence.begin();
        encounter.evidence.pop_back();
        encounter.evidence.insert(encounter.evidence.begin() + index, evidence);
      }
    }
  }
}

void EncounterTracker::flushIdle(Timestamp now) {
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.liveFlows == 0 && it->second.end.micros + gapMicros_ < now.micros) {
      emit_(it->second);
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
}

void EncounterTracker::flushAll() {
  for (auto& [key, encounter] : open_) emit_(encounter);
  open_.clear();
}

}  // namespace baawatch::policy
