#include "baawatch/classify/flow_classifier.hpp"

#include <ndpi_protocol_ids.h>

#include <algorithm>
#include <map>
#include <set>

#include "baawatch/classify/facetime_behaviour.hpp"
#include "baawatch/classify/media_observation.hpp"
#include "baawatch/decode/tls_client_hello.hpp"
#include "classify/client_hello_reader.hpp"
#include "classify/ndpi_engine.hpp"

namespace baawatch::classify {
namespace {

// Everything the classifier keeps per flow, attached to the flow as its extension.
class ClassifierState : public flow::FlowExtension {
 public:
  // nDPI's per-flow state (about 700 bytes plus what its dissectors allocate) is needed only
  // until the flow is classified; it is released then, so a long flow costs only its facts.
  std::unique_ptr<NdpiFlow> ndpi = std::make_unique<NdpiFlow>();
  FlowFacts facts;
  MediaObservation media;
  Timestamp tlsSeenAt;
  Timestamp nameSeenAt;
  ClientHelloProgress hello;
};

ClassifierState& stateOf(flow::Flow& flow) {
  if (!flow.extension) flow.extension = std::make_unique<ClassifierState>();
  return static_cast<ClassifierState&>(*flow.extension);
}

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

}  // namespace

struct FlowClassifier::Impl {
  explicit Impl(std::shared_ptr<const SignatureCatalog> catalog) : faceTime(std::move(catalog)) {}
  NdpiEngine ndpi;
  FaceTimeBehaviour faceTime;
  ClientHelloReader helloReader;
};

FlowClassifier::FlowClassifier(std::shared_ptr<const SignatureCatalog> catalog,
                               ClassifierOptions options)
    : catalog_(catalog),
      matcher_(catalog),
      options_(options),
      dnsCache_(options.dnsCache),
      impl_(std::make_unique<Impl>(catalog)) {}

FlowClassifier::~FlowClassifier() = default;

const FlowFacts* FlowClassifier::facts(const flow::Flow& flow) {
  if (!flow.extension) return nullptr;
  return &static_cast<const ClassifierState&>(*flow.extension).facts;
}

FlowFacts* FlowClassifier::mutableFacts(flow::Flow& flow) {
  if (!flow.extension) return nullptr;
  return &static_cast<ClassifierState&>(*flow.extension).facts;
}

void FlowClassifier::observeDnsResponse(const IpAddress& client,
                                        const decode::DnsMessage& response, Timestamp time) {
  dnsCache_.observeResponse(client, response, time);
}

bool FlowClassifier::onPacket(flow::Flow& flow, const decode::DecodedPacket& packet,
                              flow::Direction direction) {
  ClassifierState& state = stateOf(flow);
  if (state.facts.classified) return false;

  if (state.facts.resolvedName.empty()) {
    if (auto resolved = dnsCache_.lookup(flow.client, flow.server, packet.time)) {
      state.facts.resolvedName = resolved->name;
      state.nameSeenAt = resolved->resolvedAt;
    }
  }

  // Our own ClientHello reading (TCP segments or QUIC Initials): it also reports ECH, which
  // nDPI 4.2 does not know, and reads the hellos nDPI 4.2 cannot (scrambled CRYPTO frames).
  if (direction == flow::Direction::kToServer && !state.hello.finished) {
    if (flow.protocol == 6) {
      if (auto hello = impl_->helloReader.onTcpSegment(state.hello, packet, counters_)) {
        state.facts.tlsServerName = std::move(hello->serverName);
        state.facts.tlsAlpn = std::move(hello->alpn);
        state.facts.tlsEchOffered = hello->echOffered;
        state.tlsSeenAt = packet.time;
      }
    } else if (flow.protocol == 17 && !packet.payload.empty()) {
      if (auto hello = impl_->helloReader.onQuicDatagram(state.hello, packet.payload, counters_)) {
        state.facts.quicServerName = std::move(hello->serverName);
        state.facts.tlsAlpn = std::move(hello->alpn);
        state.facts.tlsEchOffered = hello->echOffered;
      }
    }
  }

  if (flow.protocol == 17 && !packet.payload.empty() &&
      state.media.packetsSeen < impl_->faceTime.observeMaxPackets()) {
    state.media.observe(packet.payload);
  }
  if (!packet.ipPacket.empty() && !packet.isFragment) {
    impl_->ndpi.process(*state.ndpi, packet.ipPacket, packet.time, options_.ndpiPacketBudget);
  }
  // A hello we are still reassembling may hold the name nDPI did not read: wait for it (its
  // reading is bounded in packets).
  if (!state.ndpi->done || state.hello.partial) return false;
  // Media flows are judged by behaviour over seconds, not by nDPI's first packets: a flow that
  // may be a FaceTime call is classified once the behaviour has decided.
  return classifyUnlessWatching(flow, packet.time, false);
}

bool FlowClassifier::onFlowEnd(flow::Flow& flow) {
  ClassifierState& state = stateOf(flow);
  if (state.facts.classified) return false;
  impl_->ndpi.giveUp(*state.ndpi);
  return classifyUnlessWatching(flow, flow.lastSeen, true);
}

bool FlowClassifier::onNdpiTimeUp(flow::Flow& flow, Timestamp now) {
  if (!flow.extension) return false;
  ClassifierState& state = stateOf(flow);
  if (state.facts.classified || (state.ndpi->done && !state.hello.partial)) return false;
  if (!state.ndpi->done) {
    impl_->ndpi.giveUp(*state.ndpi);
    counters_.add("classify.ndpi_time_budget_spent");
  }
  state.hello = ClientHelloProgress{};
  state.hello.finished = true;
  return classifyUnlessWatching(flow, now, false);
}

bool FlowClassifier::classifyUnlessWatching(flow::Flow& flow, Timestamp time, bool final) {
  ClassifierState& state = stateOf(flow);
  BehaviourAssessment assessment =
      impl_->faceTime.assess(flow, state.media, state.facts, time, final);
  if (assessment.state == BehaviourState::kWatching) return false;
  classify(flow, time, std::move(assessment.verdict));
  state.ndpi.reset();
  state.hello = ClientHelloProgress{};  // a partial hello is not needed once decided
  return true;
}

void FlowClassifier::classify(flow::Flow& flow, Timestamp time,
                              std::optional<Verdict> behaviourVerdict) {
  ClassifierState& state = stateOf(flow);
  FlowFacts& facts = state.facts;
  facts.classified = true;
  const NdpiLabel label = impl_->ndpi.label(*state.ndpi);
  facts.ndpiLabel = label.label();
  facts.ndpiCategory = label.category;
  std::string ndpiHost = NdpiEngine::hostServerName(*state.ndpi);
  bool isQuic = label.masterId == NDPI_PROTOCOL_QUIC || label.appId == NDPI_PROTOCOL_QUIC;
  bool isHttp = label.masterId == NDPI_PROTOCOL_HTTP || label.appId == NDPI_PROTOCOL_HTTP;
  // Our own Initial reading comes first; nDPI's name fills in when ours found none.
  if (isQuic && facts.quicServerName.empty()) facts.quicServerName = ndpiHost;
  if (isHttp) facts.httpHost = ndpiHost;
  if (facts.tlsServerName.empty() && !ndpiHost.empty() &&
      (label.masterId == NDPI_PROTOCOL_TLS || label.appId == NDPI_PROTOCOL_TLS)) {
    // A hello we could not read (past our bounds, or its segments out of our reach).
    facts.tlsServerName = ndpiHost;
    state.tlsSeenAt = flow.firstSeen;
  }
  counters_.add("classify.flows");
  if (behaviourVerdict) {
    // Behaviour that matched outranks names and addresses: it saw what the flow did.
    facts.verdict = std::move(behaviourVerdict);
    counters_.add("classify.attributed");
    counters_.add("classify.behaviour." + facts.verdict->service->id);
    return;
  }
  if (isNameServiceFlow(flow)) {
    counters_.add("classify.name_service_flows");
    return;
  }

  L4Protocol protocol = l4Of(flow);
  std::uint16_t port = flow.serverPort;
  std::vector<std::pair<SignatureMatch, Timestamp>> matches;
  auto addAll = [&](std::vector<SignatureMatch> found, Timestamp seen) {
    for (auto& match : found) matches.emplace_back(std::move(match), seen);
  };
  if (!facts.tlsServerName.empty())
    addAll(matcher_.matchName(facts.tlsServerName, EvidenceField::kTlsSni, protocol, port),
           state.tlsSeenAt);
  if (!facts.quicServerName.empty())
    addAll(matcher_.matchName(facts.quicServerName, EvidenceField::kQuicSni, protocol, port),
           flow.firstSeen);
  if (!facts.httpHost.empty())
    addAll(matcher_.matchName(facts.httpHost, EvidenceField::kHttpHost, protocol, port),
           flow.firstSeen);
  if (!facts.resolvedName.empty())
    addAll(matcher_.matchName(facts.resolvedName, EvidenceField::kDnsQuery, protocol, port),
           state.nameSeenAt);
  addAll(matcher_.matchAddress(flow.server, protocol, port), flow.firstSeen);
  if (!label.appName.empty()) addAll(matcher_.matchNdpi(label.appName, protocol, port), time);
  if (!label.masterName.empty() && label.masterName != label.appName)
    addAll(matcher_.matchNdpi(label.masterName, protocol, port), time);
  if (matches.empty()) {
    counters_.add("classify.unattributed");
    return;
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
  Verdict verdict;
  verdict.catalog = catalog_;
  verdict.service = chosen->service;
  verdict.confidence = chosenConfidence;
  verdict.kind = chosen->kind;
  verdict.evidence = chosen->evidence;
  facts.verdict = std::move(verdict);
  counters_.add("classify.attributed");
}

}  // namespace baawatch::classify
