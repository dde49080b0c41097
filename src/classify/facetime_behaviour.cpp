#include "baawatch/classify/facetime_behaviour.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace baawatch::classify {
namespace {

const std::string kService = "facetime";
const std::string kRelaySpace = "facetime.relay-space";
const std::string kRelayPorts = "facetime.relay-ports";
const std::string kPeerPorts = "facetime.p2p-ports";
const std::string kLegacyPorts = "facetime.legacy-ports";
const ThresholdNeed kCallMinSeconds{"call_min_seconds", ThresholdType::kNumber};
const ThresholdNeed kMediaMinPps{"media_min_packets_per_second", ThresholdType::kNumber};
const ThresholdNeed kMediaMinKbps{"media_min_kbps", ThresholdType::kNumber};
const ThresholdNeed kVideoMinKbps{"video_min_kbps", ThresholdType::kNumber};
const ThresholdNeed kObserveMaxSeconds{"observe_max_seconds", ThresholdType::kNumber};
const ThresholdNeed kObserveMaxPackets{"observe_max_packets", ThresholdType::kCount};
const ThresholdNeed kLegacyMinRtpPackets{"legacy_min_rtp_packets", ThresholdType::kCount};
const ThresholdNeed kPeerMinFaceTimeRtpPackets{"p2p_min_facetime_rtp_packets",
                                               ThresholdType::kCount};
const ThresholdNeed kRtpPayloadTypes{"rtp_payload_types", ThresholdType::kPayloadTypes};

// What the detector keeps per UDP flow until it is classified.
struct MediaState final : DetectorFlowState {
  MediaObservation media;
};

std::string reasonOf(const ServiceSignature& service, const ThresholdNeed& need) {
  return thresholdReason(service, need.name);
}

}  // namespace

std::vector<DetectorNeeds> FaceTimeBehaviour::needs() {
  return {DetectorNeeds{"FaceTime behaviour",
                        kService,
                        {kRelaySpace, kRelayPorts, kPeerPorts, kLegacyPorts},
                        {kCallMinSeconds, kMediaMinPps, kMediaMinKbps, kVideoMinKbps,
                         kObserveMaxSeconds, kObserveMaxPackets, kLegacyMinRtpPackets,
                         kPeerMinFaceTimeRtpPackets, kRtpPayloadTypes}}};
}

FaceTimeBehaviour::FaceTimeBehaviour(std::shared_ptr<const SignatureCatalog> catalog)
    : catalog_(std::move(catalog)) {
  service_ = catalog_ ? catalog_->find(kService) : nullptr;
  if (service_ == nullptr) return;
  relaySpace_ = &neededRule(*service_, kRelaySpace);
  relayPorts_ = &neededRule(*service_, kRelayPorts);
  peerPorts_ = &neededRule(*service_, kPeerPorts);
  legacyPorts_ = &neededRule(*service_, kLegacyPorts);
  callMinSeconds_ = thresholdValue(*service_, kCallMinSeconds);
  mediaMinPps_ = thresholdValue(*service_, kMediaMinPps);
  mediaMinKbps_ = thresholdValue(*service_, kMediaMinKbps);
  videoMinKbps_ = thresholdValue(*service_, kVideoMinKbps);
  observeMaxSeconds_ = thresholdValue(*service_, kObserveMaxSeconds);
  observeMaxPackets_ = static_cast<std::uint32_t>(thresholdValue(*service_, kObserveMaxPackets));
  legacyMinRtpPackets_ = thresholdValue(*service_, kLegacyMinRtpPackets);
  peerMinFaceTimeRtpPackets_ = thresholdValue(*service_, kPeerMinFaceTimeRtpPackets);
  payloadTypes_ = thresholdPayloadTypes(*service_, kRtpPayloadTypes);
}

std::unique_ptr<DetectorFlowState> FaceTimeBehaviour::newFlowState(const flow::Flow& flow) const {
  if (!enabled() || flow.protocol != 17) return nullptr;
  return std::make_unique<MediaState>();
}

void FaceTimeBehaviour::observe(PacketContext& context, DetectorFlowState* state) {
  if (state == nullptr || context.packet.payload.empty()) return;
  MediaObservation& media = static_cast<MediaState*>(state)->media;
  if (media.packetsSeen < observeMaxPackets_) media.observe(context.packet.payload);
}

Assessment FaceTimeBehaviour::judge(JudgeContext& context, DetectorFlowState* state) {
  if (state == nullptr) return {};
  Assessment assessment = assess(context.flow, static_cast<MediaState*>(state)->media,
                                 context.facts, context.now, context.final);
  if (assessment.judgement == Judgement::kMatch) {
    context.counters.add("classify.behaviour." + service_->id);
  }
  return assessment;
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

Assessment FaceTimeBehaviour::assess(const flow::Flow& flow,
                                              const MediaObservation& media,
                                              const FlowFacts& facts, Timestamp now,
                                              bool final) const {
  Assessment result;
  if (!worthWatching(flow, media)) return result;
  Rates rates = ratesOf(flow);
  bool mediaRate = mediaRateMet(rates);
  bool watchedLongEnough = rates.seconds >= observeMaxSeconds_ ||
                           media.packetsSeen >= observeMaxPackets_;
  final = final || watchedLongEnough;
  const IpAddress& apple = inRelaySpace(flow.server) ? flow.server : flow.client;
  bool appleSide = inRelaySpace(flow.server) || inRelaySpace(flow.client);
  std::string rateText = describeRates(rates);
  std::string mediaReason = reasonOf(*service_, kMediaMinPps);

  // Relay call: STUN/TURN and QUIC multiplexed on one 5-tuple to Apple, QUIC without SNI.
  bool multiplexed = (media.stunMessages > 0 || media.channelData > 0) && media.quicLongHeaders > 0;
  if (appleSide && multiplexed && facts.quicServerName.empty() && mediaRate) {
    result.judgement = Judgement::kMatch;
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
    result.judgement = Judgement::kMatch;
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
                  Confidence::kMedium, reasonOf(*service_, kRtpPayloadTypes));
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
    result.judgement = Judgement::kMatch;
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
    result.judgement = Judgement::kMatch;
    result.verdict = makeVerdict(faceTimeTypes ? Confidence::kHigh : Confidence::kMedium, rates);
    if (!mediaRate) result.verdict->media.clear();  // too little seen to tell audio from video
    addEvidence(*result.verdict, legacyPorts_, "facetime.legacy-ports", EvidenceField::kBehaviour,
                fmt::format("RTP on udp {} at both ends", flow.serverPort), flow.firstSeen,
                Confidence::kMedium, "");
    if (faceTimeTypes) {
      addEvidence(*result.verdict, nullptr, "facetime.rtp-payload-types",
                  EvidenceField::kBehaviour,
                  fmt::format("{} RTP packets with FaceTime payload types", media.rtpPackets), now,
                  Confidence::kMedium, reasonOf(*service_, kRtpPayloadTypes));
    }
    return result;
  }

  result.judgement = final ? Judgement::kNoMatch : Judgement::kWatching;
  return result;
}

}  // namespace baawatch::classify
