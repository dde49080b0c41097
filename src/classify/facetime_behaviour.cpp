#include "baawatch/classify/facetime_behaviour.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace baawatch::classify {
namespace {

double behaviourValue(const ServiceSignature& service, const std::string& name, double fallback) {
  auto it = service.behaviour.find(name);
  return it != service.behaviour.end() ? it->second : fallback;
}

std::string reasonOf(const ServiceSignature& service, const std::string& name) {
  auto it = service.behaviourReasons.find(name);
  return it != service.behaviourReasons.end() ? it->second : std::string();
}

}  // namespace

FaceTimeBehaviour::FaceTimeBehaviour(std::shared_ptr<const SignatureCatalog> catalog)
    : catalog_(std::move(catalog)) {
  service_ = catalog_ ? catalog_->find("facetime") : nullptr;
  if (service_ == nullptr) return;
  relaySpace_ = service_->findRule("facetime.relay-space");
  relayPorts_ = service_->findRule("facetime.relay-ports");
  peerPorts_ = service_->findRule("facetime.p2p-ports");
  legacyPorts_ = service_->findRule("facetime.legacy-ports");
  callMinSeconds_ = behaviourValue(*service_, "call_min_seconds", callMinSeconds_);
  mediaMinPps_ = behaviourValue(*service_, "media_min_packets_per_second", mediaMinPps_);
  mediaMinKbps_ = behaviourValue(*service_, "media_min_kbps", mediaMinKbps_);
  videoMinKbps_ = behaviourValue(*service_, "video_min_kbps", videoMinKbps_);
  observeMaxSeconds_ = behaviourValue(*service_, "observe_max_seconds", observeMaxSeconds_);
  observeMaxPackets_ = static_cast<std::uint32_t>(
      behaviourValue(*service_, "observe_max_packets", observeMaxPackets_));
  legacyMinRtpPackets_ =
      behaviourValue(*service_, "legacy_min_rtp_packets", legacyMinRtpPackets_);
  peerMinFaceTimeRtpPackets_ =
      behaviourValue(*service_, "p2p_min_facetime_rtp_packets", peerMinFaceTimeRtpPackets_);
  if (auto it = service_->behaviourLists.find("rtp_payload_types");
      it != service_->behaviourLists.end()) {
    for (double type : it->second) payloadTypes_.push_back(static_cast<int>(type));
  }
}

bool FaceTimeBehaviour::portIn(const SignatureRule* rule, std::uint16_t port) {
  if (rule == nullptr) return false;
  return std::any_of(rule->ports.begin(), rule->ports.end(),
                     [&](const PortRange& range) { return range.contains(port); });
}

bool FaceTimeBehaviour::inRelaySpace(const IpAddress& address) const {
  if (relaySpace_ == nullptr) return false;
  return std::any_of(relaySpace_->ipRanges.begin(), relaySpace_->ipRanges.end(),
                     [&](const IpRange& range) { return range.contains(address); });
}

bool FaceTimeBehaviour::worthWatching(const flow::Flow& flow,
                                      const MediaObservation& media) const {
  if (!enabled() || flow.protocol != 17) return false;
  if (inRelaySpace(flow.server) || inRelaySpace(flow.client)) return true;
  if (media.appleLinkStunMessages > 0) return true;
  if (portIn(peerPorts_, flow.serverPort) || portIn(peerPorts_, flow.clientPort)) return true;
  return flow.clientPort == flow.serverPort && portIn(legacyPorts_, flow.serverPort);
}

FaceTimeBehaviour::Rates FaceTimeBehaviour::ratesOf(const flow::Flow& flow) {
  Rates rates;
  rates.seconds = static_cast<double>(flow.lastSeen.micros - flow.firstSeen.micros) / 1e6;
  double seconds = std::max(rates.seconds, 1e-3);
  rates.ppsFromClient = static_cast<double>(flow.toServer.packets) / seconds;
  rates.ppsFromServer = static_cast<double>(flow.toClient.packets) / seconds;
  rates.kbpsFromClient = static_cast<double>(flow.toServer.bytes) * 8 / 1000 / seconds;
  rates.kbpsFromServer = static_cast<double>(flow.toClient.bytes) * 8 / 1000 / seconds;
  return rates;
}

bool FaceTimeBehaviour::mediaRateMet(const Rates& rates) const {
  return rates.seconds >= callMinSeconds_ && rates.ppsFromClient >= mediaMinPps_ &&
         rates.ppsFromServer >= mediaMinPps_ && rates.kbpsFromClient >= mediaMinKbps_ &&
         rates.kbpsFromServer >= mediaMinKbps_;
}

bool FaceTimeBehaviour::hasFaceTimePayloadType(const MediaObservation& media) const {
  return std::any_of(payloadTypes_.begin(), payloadTypes_.end(), [&](int type) {
    return type >= 0 && type < 128 && media.rtpPayloadTypes.test(static_cast<std::size_t>(type));
  });
}

std::string FaceTimeBehaviour::describeRates(const Rates& rates) const {
  return fmt::format("{:.0f}/{:.0f} packets/s and {:.0f}/{:.0f} kbit/s (device/peer) over {:.1f} s",
                     rates.ppsFromClient, rates.ppsFromServer, rates.kbpsFromClient,
                     rates.kbpsFromServer, rates.seconds);
}

Verdict FaceTimeBehaviour::makeVerdict(Confidence confidence, const Rates& rates) const {
  Verdict verdict;
  verdict.catalog = catalog_;
  verdict.service = service_;
  verdict.confidence = confidence;
  verdict.kind = UseKind::kCall;
  if (rates.seconds > 0) {
    verdict.media = std::max(rates.kbpsFromClient, rates.kbpsFromServer) >= videoMinKbps_
                        ? "video"
                        : "audio";
  }
  return verdict;
}

void FaceTimeBehaviour::addEvidence(Verdict& verdict, const SignatureRule* rule, std::string ruleId,
                                    EvidenceField field, std::string value, Timestamp time,
                                    Confidence confidence, std::string reason) const {
  Evidence evidence;
  evidence.ruleId = rule != nullptr ? rule->id : std::move(ruleId);
  evidence.field = field;
  evidence.value = std::move(value);
  evidence.time = time;
  evidence.confidence = rule != nullptr ? rule->confidence : confidence;
  evidence.reason = rule != nullptr ? rule->reason : std::move(reason);
  verdict.evidence.push_back(std::move(evidence));
}

BehaviourAssessment FaceTimeBehaviour::assess(const flow::Flow& flow,
                                              const MediaObservation& media,
                                              const FlowFacts& facts, Timestamp now,
                                              bool final) const {
  BehaviourAssessment result;
  if (!worthWatching(flow, media)) return result;
  Rates rates = ratesOf(flow);
  bool mediaRate = mediaRateMet(rates);
  bool watchedLongEnough = rates.seconds >= observeMaxSeconds_ ||
                           media.packetsSeen >= observeMaxPackets_;
  final = final || watchedLongEnough;
  const IpAddress& apple = inRelaySpace(flow.server) ? flow.server : flow.client;
  bool appleSide = inRelaySpace(flow.server) || inRelaySpace(flow.client);
  std::string rateText = describeRates(rates);
  std::string mediaReason = reasonOf(*service_, "media_min_packets_per_second");

  // Relay call: STUN/TURN and QUIC multiplexed on one 5-tuple to Apple, QUIC without SNI.
  bool multiplexed = (media.stunMessages > 0 || media.channelData > 0) && media.quicLongHeaders > 0;
  if (appleSide && multiplexed && facts.quicServerName.empty() && mediaRate) {
    result.state = BehaviourState::kMatched;
    result.verdict = makeVerdict(Confidence::kHigh, rates);
    std::string portNote = portIn(relayPorts_, flow.serverPort) ? " (documented relay port)" : "";
    addEvidence(*result.verdict, relaySpace_, "facetime.relay-space", EvidenceField::kServerIp,
                fmt::format("{} udp/{}{}", apple.toString(), flow.serverPort, portNote),
                flow.firstSeen, Confidence::kMedium, "");
    addEvidence(*result.verdict, nullptr, "facetime.relay-multiplex", EvidenceField::kBehaviour,
                fmt::format("one 5-tuple carries STUN {}, TURN ChannelData {}, QUIC long header {} "
                            "with no SNI",
                            media.stunMessages, media.channelData, media.quicLongHeaders),
                now, Confidence::kHigh,
                "Apple's QuickRelay multiplexes STUN/TURN control, ChannelData and a QUIC session "
                "whose server name is the relay's address (external PSK), so its ClientHello "
                "carries no SNI");
    addEvidence(*result.verdict, nullptr, "facetime.media-rate", EvidenceField::kBehaviour,
                rateText, now, Confidence::kMedium, mediaReason);
    return result;
  }

  // Peer-to-peer leg: Apple's link STUN attributes with their documented lengths, then media.
  if (media.appleLinkStunMessages > 0 && mediaRate) {
    bool faceTimeTypes = media.rtpPackets >= peerMinFaceTimeRtpPackets_ &&
                         hasFaceTimePayloadType(media);
    result.state = BehaviourState::kMatched;
    result.verdict = makeVerdict(faceTimeTypes ? Confidence::kHigh : Confidence::kMedium, rates);
    addEvidence(*result.verdict, nullptr, "facetime.p2p-stun", EvidenceField::kBehaviour,
                fmt::format("{} STUN message(s) with attributes 0x8008 (16 bytes) and 0x8007 "
                            "(4 bytes)",
                            media.appleLinkStunMessages),
                now, Confidence::kMedium,
                "IDS link STUN: Apple's IDSStunAttributeLinkUUID (0x8008, 16 bytes) with "
                "IDSStunAttributeCellularRAT (0x8007, 4 bytes); Teams' 0x8008 has 4 bytes");
    if (faceTimeTypes) {
      addEvidence(*result.verdict, nullptr, "facetime.rtp-payload-types",
                  EvidenceField::kBehaviour,
                  fmt::format("{} RTP packets with FaceTime payload types", media.rtpPackets), now,
                  Confidence::kMedium, reasonOf(*service_, "rtp_payload_types"));
    }
    if (portIn(peerPorts_, flow.serverPort) || portIn(peerPorts_, flow.clientPort)) {
      addEvidence(*result.verdict, peerPorts_, "facetime.p2p-ports", EvidenceField::kBehaviour,
                  fmt::format("udp {} <-> {}", flow.clientPort, flow.serverPort), flow.firstSeen,
                  Confidence::kLow, "");
    }
    addEvidence(*result.verdict, nullptr, "facetime.media-rate", EvidenceField::kBehaviour,
                rateText, now, Confidence::kMedium, mediaReason);
    return result;
  }

  // WebRTC media to Apple (a FaceTime link joined in a browser).
  if (appleSide && media.stunMessages > 0 && (media.dtlsRecords > 0 || media.rtpPackets > 0) &&
      media.quicLongHeaders == 0 && mediaRate) {
    result.state = BehaviourState::kMatched;
    result.verdict = makeVerdict(Confidence::kMedium, rates);
    addEvidence(*result.verdict, relaySpace_, "facetime.relay-space", EvidenceField::kServerIp,
                fmt::format("{} udp/{}", apple.toString(), flow.serverPort), flow.firstSeen,
                Confidence::kMedium, "");
    addEvidence(*result.verdict, nullptr, "facetime.webrtc-media", EvidenceField::kBehaviour,
                fmt::format("WebRTC to Apple: STUN {}, DTLS {}, RTP {}", media.stunMessages,
                            media.dtlsRecords, media.rtpPackets),
                now, Confidence::kMedium,
                "FaceTime links joined in a browser send WebRTC media (ICE/STUN, DTLS-SRTP) to "
                "Apple; no other Apple service uses WebRTC");
    addEvidence(*result.verdict, nullptr, "facetime.media-rate", EvidenceField::kBehaviour,
                rateText, now, Confidence::kMedium, mediaReason);
    return result;
  }

  // Legacy media: RTP on one port of FaceTime's block, the same port at both ends.
  bool symmetricLegacyPort =
      flow.clientPort == flow.serverPort && portIn(legacyPorts_, flow.serverPort);
  if (symmetricLegacyPort && media.rtpPackets >= legacyMinRtpPackets_ &&
      (final || mediaRate)) {
    bool faceTimeTypes = hasFaceTimePayloadType(media);
    result.state = BehaviourState::kMatched;
    result.verdict = makeVerdict(faceTimeTypes ? Confidence::kHigh : Confidence::kMedium, rates);
    if (!mediaRate) result.verdict->media.clear();  // too little seen to tell audio from video
    addEvidence(*result.verdict, legacyPorts_, "facetime.legacy-ports", EvidenceField::kBehaviour,
                fmt::format("RTP on udp {} at both ends", flow.serverPort), flow.firstSeen,
                Confidence::kMedium, "");
    if (faceTimeTypes) {
      addEvidence(*result.verdict, nullptr, "facetime.rtp-payload-types",
                  EvidenceField::kBehaviour,
                  fmt::format("{} RTP packets with FaceTime payload types", media.rtpPackets), now,
                  Confidence::kMedium, reasonOf(*service_, "rtp_payload_types"));
    }
    return result;
  }

  result.state = final ? BehaviourState::kNotMatched : BehaviourState::kWatching;
  return result;
}

}  // namespace baawatch::classify
