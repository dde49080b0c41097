#include "classify/signature_detector.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace baawatch::classify {
namespace {

L4Protocol l4Of(const flow::Flow& flow) {
  if (flow.protocol == 6) return L4Protocol::kTcp;
  if (flow.protocol == 17) return L4Protocol::kUdp;
  return L4Protocol::kAny;
}

// DNS itself (and mDNS, LLMNR) feeds the DNS cache and the inventory; the lookup flow is not use
// of the service it names.
bool isNameServiceFlow(const flow::Flow& flow) {
  return flow.serverPort == 53 || flow.serverPort == 5353 || flow.serverPort == 5355 ||
         flow.clientPort == 53 || flow.clientPort == 5353 || flow.clientPort == 5355;
}

int rank(Confidence confidence) { return static_cast<int>(confidence); }

// A flow without payload (handshake or teardown segments only) showed nDPI nothing to dissect:
// its label is a guess, "port.address" (master from the server port, application from nDPI
// 4.2's own address tables, which are years older than signatures/lists). Only the port's half
// is kept; our address lists judge the address.
bool carriedPayload(const flow::Flow& flow) {
  return flow.toServer.payloadBytes + flow.toClient.payloadBytes > 0;
}

// A TLS connection whose records were seen but not its handshake (the capture began
// mid-connection): no name came with it, and what nDPI 4.2 calls it comes from the server address
// alone. Addresses are shared across a vendor's services (Tencent's serve QQ and WeChat, Apple's
// iCloud and push), so such a flow says which company, not which service; nDPI 2024 likewise
// leaves it "TLS". A name the device looked up for that server still counts.
bool isTlsWithoutHandshake(const flow::Flow& flow, const FlowFacts& facts) {
  bool tls = facts.ndpiMasterName == "TLS" || facts.ndpiAppName == "TLS";
  return tls && carriedPayload(flow) && facts.tlsServerName.empty() &&
         !facts.tlsCertificateSeen && facts.httpHost.empty();
}

}  // namespace

SignatureDetector::SignatureDetector(std::shared_ptr<const SignatureCatalog> catalog,
                                     const DnsCache& dnsCache)
    : catalog_(catalog), matcher_(catalog), dnsCache_(dnsCache) {}

void SignatureDetector::observe(PacketContext& context, DetectorFlowState* /*state*/) {
  FlowFacts& facts = context.facts;
  if (!facts.resolvedName.empty()) return;
  if (auto resolved = dnsCache_.lookup(context.flow.client, context.flow.server,
                                       context.packet.time)) {
    facts.resolvedName = resolved->name;
    facts.nameSeenAt = resolved->resolvedAt;
  }
}

Assessment SignatureDetector::judge(JudgeContext& context, DetectorFlowState* /*state*/) {
  const flow::Flow& flow = context.flow;
  FlowFacts& facts = context.facts;
  L4Protocol protocol = l4Of(flow);
  std::uint16_t port = flow.serverPort;
  std::vector<std::pair<SignatureMatch, Timestamp>> matches;
  auto addAll = [&](std::vector<SignatureMatch> found, Timestamp seen) {
    for (auto& match : found) matches.emplace_back(std::move(match), seen);
  };
  // A documented protocol opening is evidence whatever the port: DNSCrypt on port 53 is
  // encrypted DNS, not a look-up the monitor can read.
  for (WireShape shape : allWireShapes()) {
    if ((facts.wireShapes & (1u << static_cast<unsigned>(shape))) != 0)
      addAll(matcher_.matchWireShape(shape, protocol, port), facts.wireSeenAt);
  }
  // Otherwise a name-service flow is a look-up, never use of what it names.
  const bool nameService = isNameServiceFlow(flow);
  if (nameService && matches.empty()) {
    context.counters.add("classify.name_service_flows");
    return {};
  }
  if (!nameService) {
    // TLS seen without its handshake: only a name the device looked up for this server can still
    // say which service.
    const bool addressesOnly = isTlsWithoutHandshake(flow, facts);
    if (addressesOnly) context.counters.add("classify.tls_without_handshake");

    if (!facts.tlsServerName.empty())
      addAll(matcher_.matchName(facts.tlsServerName, EvidenceField::kTlsSni, protocol, port),
             facts.tlsSeenAt);
    if (!facts.quicServerName.empty())
      addAll(matcher_.matchName(facts.quicServerName, EvidenceField::kQuicSni, protocol, port),
             flow.firstSeen);
    if (!facts.httpHost.empty())
      addAll(matcher_.matchName(facts.httpHost, EvidenceField::kHttpHost, protocol, port),
             flow.firstSeen);
    if (!facts.resolvedName.empty())
      addAll(matcher_.matchName(facts.resolvedName, EvidenceField::kDnsQuery, protocol, port),
             facts.nameSeenAt);
    if (!addressesOnly) {
      addAll(matcher_.matchAddress(flow.server, protocol, port), flow.firstSeen);
      if (carriedPayload(flow)) {
        if (!facts.ndpiAppName.empty())
          addAll(matcher_.matchNdpi(facts.ndpiAppName, protocol, port), context.now);
        if (!facts.ndpiMasterName.empty() && facts.ndpiMasterName != facts.ndpiAppName)
          addAll(matcher_.matchNdpi(facts.ndpiMasterName, protocol, port), context.now);
      } else {
        const std::string& portGuess =
            facts.ndpiMasterName.empty() ? facts.ndpiAppName : facts.ndpiMasterName;
        if (!portGuess.empty()) addAll(matcher_.matchNdpi(portGuess, protocol, port), context.now);
      }
    }
  }
  std::erase_if(matches, [&](const auto& found) { return found.first.rule->excludes(flow.server); });
  if (matches.empty()) {
    context.counters.add("classify.unattributed");
    return {};
  }

  // Group by service; a service's confidence is its strongest rule, raised one step when two
  // independent fields (say a name and nDPI's label) agree.
  struct Candidate {
    const ServiceSignature* service = nullptr;
    Confidence best = Confidence::kLow;
    UseKind kind = UseKind::kPresence;
    std::set<EvidenceField> fields;
    std::vector<Evidence> evidence;
  };
  std::map<std::string, Candidate> byService;
  for (const auto& [match, seen] : matches) {
    Candidate& candidate = byService[match.service->id];
    candidate.service = match.service;
    if (candidate.evidence.empty() || rank(match.rule->confidence) > rank(candidate.best))
      candidate.best = match.rule->confidence;
    candidate.kind = std::max(candidate.kind, match.rule->kind);
    candidate.fields.insert(match.field);
    // An init-capture: clang before 16 cannot capture a structured binding (P1091R3).
    bool duplicate = std::any_of(candidate.evidence.begin(), candidate.evidence.end(),
                                 [&found = match](const Evidence& e) {
                                   return e.ruleId == found.rule->id && e.field == found.field;
                                 });
    if (!duplicate) {
      candidate.evidence.push_back(Evidence{match.rule->id, match.field, match.value, seen,
                                            match.rule->confidence, match.rule->reason,
                                            match.rule->caveat});
    }
  }
  const Candidate* chosen = nullptr;
  Confidence chosenConfidence = Confidence::kLow;
  for (auto& [id, candidate] : byService) {
    Confidence confidence = candidate.best;
    // Two hints stay a hint: only a medium signal confirmed by another field becomes high.
    if (candidate.fields.size() >= 2 && confidence == Confidence::kMedium)
      confidence = static_cast<Confidence>(rank(confidence) + 1);
    if (chosen == nullptr || rank(confidence) > rank(chosenConfidence) ||
        (confidence == chosenConfidence && candidate.evidence.size() > chosen->evidence.size())) {
      chosen = &candidate;
      chosenConfidence = confidence;
    }
  }
  Assessment assessment{Judgement::kMatch, Verdict{}};
  Verdict& verdict = *assessment.verdict;
  verdict.catalog = catalog_;
  verdict.service = chosen->service;
  verdict.confidence = chosenConfidence;
  verdict.kind = chosen->kind;
  verdict.evidence = chosen->evidence;
  return assessment;
}

}  // namespace baawatch::classify
