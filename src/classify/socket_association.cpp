#include "baawatch/classify/socket_association.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace baawatch::classify {
namespace {

// Absent or 0: the service's calls lend nothing to other flows of their socket.
const ThresholdNeed kWindow{"socket_association_seconds", ThresholdType::kNumber, false, 0};
constexpr std::uint8_t kUdp = 17;
// Seeds are dated by flow times, which may lie well before the decision side's `now` (a flow is
// judged when nDPI is done with it): kept this much past their window, as the other rules do.
constexpr double kForgetMarginSeconds = 7200;

double secondsBetween(Timestamp earlier, Timestamp later) {
  return static_cast<double>(later.micros - earlier.micros) / 1e6;
}

std::string endpoint(const IpAddress& address, std::uint16_t port) {
  return address.isV4() ? fmt::format("{}:{}", address.toString(), port)
                        : fmt::format("[{}]:{}", address.toString(), port);
}

}  // namespace

std::vector<DetectorNeeds> SocketAssociation::needs() {
  return {DetectorNeeds{"socket association", kAnyService, {}, {kWindow}}};
}

std::size_t SocketAssociation::SocketHash::operator()(const Socket& socket) const {
  std::uint64_t mixed = socket.address.highBits() * 0x9E3779B97F4A7C15ULL ^
                        socket.address.lowBits() ^ (std::uint64_t{socket.port} << 48);
  return std::hash<std::uint64_t>{}(mixed);
}

double SocketAssociation::windowFor(const ServiceSignature& service) {
  return thresholdValue(service, kWindow);
}

bool SocketAssociation::refine(const std::string& /*deviceId*/, const flow::Flow& flow,
                               FlowFacts& facts, Timestamp time) {
  if (flow.protocol != kUdp) return false;
  if (facts.verdict) {
    remember(flow, *facts.verdict, time);
    return false;
  }
  return associate(flow, facts);
}

bool SocketAssociation::refineEnded(const flow::Flow& flow, FlowFacts& facts,
                                    Timestamp /*endTime*/) {
  if (flow.protocol != kUdp || facts.verdict || seeds_.empty()) return false;
  return associate(flow, facts);
}

bool SocketAssociation::associate(const flow::Flow& flow, FlowFacts& facts) const {
  // Either end may be the device's socket: between two clinic devices (a P2P leg on the clinic's
  // own network) the first sender is the client.
  for (const Socket& socket :
       {Socket{flow.client, flow.clientPort}, Socket{flow.server, flow.serverPort}}) {
    const Seed* seed = seedFor(socket, flow.firstSeen);
    if (seed == nullptr) continue;
    const ServiceSignature& service = *seed->verdict.service;
    Verdict verdict;
    verdict.catalog = seed->verdict.catalog;
    verdict.service = &service;
    verdict.confidence = Confidence::kMedium;
    verdict.kind = UseKind::kCall;
    verdict.evidence.push_back(
        Evidence{"context.socket-association", EvidenceField::kBehaviour,
                 fmt::format("the device's UDP socket {} carried a {} call with {}",
                             endpoint(socket.address, socket.port), service.name,
                             endpoint(seed->relay, seed->relayPort)),
                 seed->seededAt, Confidence::kMedium, thresholdReason(service, kWindow.name),
                 "another application may reuse the port once the call has ended"});
    facts.verdict = std::move(verdict);
    return true;
  }
  return false;
}

void SocketAssociation::remember(const flow::Flow& flow, const Verdict& verdict, Timestamp time) {
  if (verdict.service == nullptr || verdict.kind != UseKind::kCall ||
      verdict.confidence == Confidence::kLow)
    return;
  bool associated =
      std::any_of(verdict.evidence.begin(), verdict.evidence.end(),
                  [](const Evidence& e) { return e.ruleId == "context.socket-association"; });
  if (associated) return;
  double window = windowFor(*verdict.service);
  if (window <= 0) return;
  // The client is the device's end of a relay flow (the clinic endpoint, else the first sender).
  Socket socket{flow.client, flow.clientPort};
  auto [found, fresh] = seeds_.try_emplace(socket);
  Seed& seed = found->second;
  if (seed.verdict.service != verdict.service) {
    // A socket another service's call holds: a weaker verdict does not take it over (a Signal
    // socket's STUN to Google's servers may be judged a Meet call), else the latest call owns it.
    bool held = !fresh && seedFor(socket, flow.firstSeen) != nullptr;
    if (held && verdict.confidence < seed.verdict.confidence) return;
    seed.verdict = verdict;
    seed.verdict.evidence.clear();
    seed.first = flow.firstSeen;
  }
  if (flow.firstSeen < seed.first) seed.first = flow.firstSeen;
  seed.relay = flow.server;
  seed.relayPort = flow.serverPort;
  seed.windowSeconds = window;
  if (time > seed.seededAt) seed.seededAt = time;
  if (time > seed.last) seed.last = time;
  if (openSeedFlows_.emplace(flow.id, socket).second) ++seed.openFlows;
}

void SocketAssociation::flowEnded(const flow::Flow& flow, const FlowFacts& /*facts*/,
                                  Timestamp /*endTime*/) {
  auto open = openSeedFlows_.find(flow.id);
  if (open == openSeedFlows_.end()) return;
  auto seed = seeds_.find(open->second);
  if (seed != seeds_.end()) {
    if (seed->second.openFlows > 0) --seed->second.openFlows;
    // Its last packet, not `endTime`: an idle flow ends a timeout after its last packet.
    if (flow.lastSeen > seed->second.last) seed->second.last = flow.lastSeen;
  }
  openSeedFlows_.erase(open);
}

const SocketAssociation::Seed* SocketAssociation::seedFor(const Socket& socket,
                                                          Timestamp flowStart) const {
  auto found = seeds_.find(socket);
  if (found == seeds_.end()) return nullptr;
  const Seed& seed = found->second;
  // A flow that began well before the call's first seed flow is another app's.
  if (secondsBetween(flowStart, seed.first) > seed.windowSeconds) return nullptr;
  if (seed.openFlows > 0) return &seed;
  return secondsBetween(seed.last, flowStart) <= seed.windowSeconds ? &seed : nullptr;
}

void SocketAssociation::forgetBefore(Timestamp now) {
  std::erase_if(seeds_, [&](const auto& entry) {
    const Seed& seed = entry.second;
    return seed.openFlows == 0 &&
           secondsBetween(seed.last, now) > seed.windowSeconds + kForgetMarginSeconds;
  });
}

}  // namespace baawatch::classify
