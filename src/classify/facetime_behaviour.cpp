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
const ThresholdNeed kRtpMinPackets{"rtp_min_packets", ThresholdType::kCount};
const ThresholdNeed kRtpMinFaceTimePackets{"rtp_min_facetime_packets", ThresholdType::kCount};
const ThresholdNeed kRtpPayloadTypes{"rtp_payload_types", ThresholdType::kPayloadTypes};
// The signals' weights and the combination's thresholds (facetime.yaml says why each value).
const ThresholdNeed kWeightAppleAddress{"weight_apple_address", ThresholdType::kNumber};
const ThresholdNeed kWeightAppleStun{"weight_apple_stun_attributes", ThresholdType::kNumber};
const ThresholdNeed kWeightLegacyPort{"weight_legacy_symmetric_port", ThresholdType::kNumber};
const ThresholdNeed kWeightDocumentedPort{"weight_documented_port", ThresholdType::kNumber};
const ThresholdNeed kWeightStunTurn{"weight_stun_turn", ThresholdType::kNumber};
const ThresholdNeed kWeightQuic{"weight_quic_without_sni", ThresholdType::kNumber};
const ThresholdNeed kWeightRtp{"weight_rtp", ThresholdType::kNumber};
const ThresholdNeed kWeightRtpFaceTime{"weight_rtp_facetime_types", ThresholdType::kNumber};
const ThresholdNeed kWeightMedia{"weight_media_both_ways", ThresholdType::kNumber};
const ThresholdNeed kMediumMinWeight{"medium_min_weight", ThresholdType::kNumber};
const ThresholdNeed kHighMinWeight{"high_min_weight", ThresholdType::kNumber};
const ThresholdNeed kMediumMinSignals{"medium_min_signals", ThresholdType::kCount};
const ThresholdNeed kHighMinSignals{"high_min_signals", ThresholdType::kCount};

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
                         kObserveMaxSeconds, kObserveMaxPackets, kRtpMinPackets,
                         kRtpMinFaceTimePackets, kRtpPayloadTypes, kWeightAppleAddress,
                         kWeightAppleStun, kWeightLegacyPort, kWeightDocumentedPort,
                         kWeightStunTurn, kWeightQuic, kWeightRtp, kWeightRtpFaceTime,
                         kWeightMedia, kMediumMinWeight, kHighMinWeight, kMediumMinSignals,
                         kHighMinSignals}}};
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
  rtpMinPackets_ = thresholdValue(*service_, kRtpMinPackets);
  rtpMinFaceTimePackets_ = thresholdValue(*service_, kRtpMinFaceTimePackets);
  payloadTypes_ = thresholdPayloadTypes(*service_, kRtpPayloadTypes);
  weights_.appleAddress = thresholdValue(*service_, kWeightAppleAddress);
  weights_.appleStunAttributes = thresholdValue(*service_, kWeightAppleStun);
  weights_.legacySymmetricPort = thresholdValue(*service_, kWeightLegacyPort);
  weights_.documentedPort = thresholdValue(*service_, kWeightDocumentedPort);
  weights_.stunTurn = thresholdValue(*service_, kWeightStunTurn);
  weights_.quicWithoutSni = thresholdValue(*service_, kWeightQuic);
  weights_.rtp = thresholdValue(*service_, kWeightRtp);
  weights_.rtpFaceTimeTypes = thresholdValue(*service_, kWeightRtpFaceTime);
  weights_.mediaBothWays = thresholdValue(*service_, kWeightMedia);
  weights_.mediumMinWeight = thresholdValue(*service_, kMediumMinWeight);
  weights_.highMinWeight = thresholdValue(*service_, kHighMinWeight);
  weights_.mediumMinSignals = thresholdValue(*service_, kMediumMinSignals);
  weights_.highMinSignals = thresholdValue(*service_, kHighMinSignals);
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

std::string_view FaceTimeBehaviour::guardOf(const MediaObservation& media,
                                            const FlowFacts& facts) const {
  // A QUIC session that names its server is Apple's edge, iCloud or Private Relay: QuickRelay's
  // QUIC uses the relay's address as server name and sends none.
  if (media.quicLongHeaders > 0 && !facts.quicServerName.empty()) return "QUIC with SNI";
  // QUIC alone on the 5-tuple is a QUIC session, not QuickRelay's multiplex.
  if (media.quicLongHeaders > 0 && media.stunMessages == 0 && media.channelData == 0)
    return "QUIC without STUN/TURN";
  // Microsoft's STUN dialect (0x8008 MS-Version, 4 bytes): Teams and Skype, never Apple.
  if (media.msVersionStunMessages > 0) return "Microsoft STUN 0x8008";
  return {};
}

std::vector<FaceTimeBehaviour::Signal> FaceTimeBehaviour::signalsOf(
    const flow::Flow& flow, const MediaObservation& media, const FlowFacts& facts,
    const Rates& rates, Timestamp now, bool withEvidence) const {
  std::vector<Signal> signals;
  auto add = [&](double weight, const ThresholdNeed& need, std::string ruleId,
                 EvidenceField field, Timestamp time, auto describe) -> Signal& {
    Signal& signal = signals.emplace_back();
    signal.weight = weight;
    if (withEvidence) {
      signal.evidence.ruleId = std::move(ruleId);
      signal.evidence.field = field;
      signal.evidence.value = fmt::format("{} (weight {:g})", describe(), weight);
      signal.evidence.time = time;
      signal.evidence.confidence = weight >= 4   ? Confidence::kHigh
                                   : weight >= 2 ? Confidence::kMedium
                                                 : Confidence::kLow;
      signal.evidence.reason = reasonOf(*service_, need);
    }
    return signal;
  };

  // Who: Apple's address space at exactly one end (two hosts both numbered in 17/8 are a LAN
  // that borrowed Apple's block, not a device and an Apple relay).
  bool serverApple = inRelaySpace(flow.server);
  bool clientApple = inRelaySpace(flow.client);
  if (serverApple != clientApple) {
    const IpAddress& apple = serverApple ? flow.server : flow.client;
    std::uint16_t applePort = serverApple ? flow.serverPort : flow.clientPort;
    add(weights_.appleAddress, kWeightAppleAddress, relaySpace_->id, EvidenceField::kServerIp,
        flow.firstSeen, [&] { return fmt::format("{} udp/{}", apple.toString(), applePort); })
        .apple = true;
  }
  bool appleStun = media.appleLinkStunMessages > 0;
  if (appleStun) {
    Signal& signal = add(weights_.appleStunAttributes, kWeightAppleStun,
                         "facetime.apple-stun-attributes", EvidenceField::kBehaviour, now, [&] {
                           return fmt::format(
                               "{} STUN message(s) with 0x8008 (16 bytes) and 0x8007 (4 bytes)",
                               media.appleLinkStunMessages);
                         });
    signal.apple = true;
    signal.framing = true;  // they are STUN messages
  }
  bool legacyPort = flow.clientPort == flow.serverPort && portIn(legacyPorts_, flow.serverPort);
  if (legacyPort) {
    add(weights_.legacySymmetricPort, kWeightLegacyPort, legacyPorts_->id,
        EvidenceField::kBehaviour, flow.firstSeen,
        [&] { return fmt::format("udp {} at both ends", flow.serverPort); })
        .apple = true;
  } else {
    // How: one of Apple's documented ports (the legacy layout above is the same fact, stronger).
    const SignatureRule* portRule = nullptr;
    std::uint16_t port = 0;
    for (std::uint16_t candidate : {flow.serverPort, flow.clientPort}) {
      for (const SignatureRule* rule : {relayPorts_, peerPorts_}) {
        if (portRule == nullptr && portIn(rule, candidate)) {
          portRule = rule;
          port = candidate;
        }
      }
    }
    if (portRule != nullptr) {
      add(weights_.documentedPort, kWeightDocumentedPort, portRule->id, EvidenceField::kBehaviour,
          flow.firstSeen, [&] {
            return fmt::format("udp {} <-> {}, {} in Apple's FaceTime list", flow.clientPort,
                               flow.serverPort, port);
          });
    }
  }
  // STUN/TURN framing; Apple's STUN attributes are STUN messages already (not counted twice).
  bool stunTurn = media.stunMessages > 0 || media.channelData > 0;
  if (stunTurn && !appleStun) {
    add(weights_.stunTurn, kWeightStunTurn, "facetime.stun-turn", EvidenceField::kBehaviour, now,
        [&] {
          return fmt::format("STUN {}, TURN ChannelData {}", media.stunMessages,
                             media.channelData);
        })
        .framing = true;
  }
  if (stunTurn && media.quicLongHeaders > 0 && facts.quicServerName.empty()) {
    add(weights_.quicWithoutSni, kWeightQuic, "facetime.quic-without-sni",
        EvidenceField::kBehaviour, now, [&] {
          return fmt::format("{} QUIC long header(s) without SNI beside STUN/TURN",
                             media.quicLongHeaders);
        })
        .framing = true;
  }
  if (media.rtpPackets >= rtpMinPackets_ && media.rtpPackets > 0) {
    bool faceTimeTypes =
        media.rtpPackets >= rtpMinFaceTimePackets_ && hasFaceTimePayloadType(media);
    Signal& signal = add(
        faceTimeTypes ? weights_.rtpFaceTimeTypes : weights_.rtp,
        faceTimeTypes ? kWeightRtpFaceTime : kWeightRtp,
        faceTimeTypes ? "facetime.rtp-payload-types" : "facetime.rtp", EvidenceField::kBehaviour,
        now, [&] {
          std::string types;
          for (int type : payloadTypes_) {
            if (type < 0 || type >= 128 || !media.rtpPayloadTypes.test(static_cast<std::size_t>(type)))
              continue;
            types += (types.empty() ? "" : ",") + std::to_string(type);
          }
          return fmt::format("{} RTP packet(s) ({} inside ChannelData), FaceTime payload types "
                             "seen: {}",
                             media.rtpPackets, media.channelDataRtpPackets,
                             types.empty() ? "none" : types);
        });
    signal.framing = true;
    signal.media = true;
  }
  // Media: both ways at a call's rate for a call's length.
  if (mediaRateMet(rates)) {
    add(weights_.mediaBothWays, kWeightMedia, "facetime.media-rate", EvidenceField::kBehaviour,
        now, [&] {
          bool video = std::max(rates.kbpsFromClient, rates.kbpsFromServer) >= videoMinKbps_;
          return fmt::format("{}, {} rate", describeRates(rates), video ? "video" : "audio");
        })
        .media = true;
  }
  return signals;
}

Assessment FaceTimeBehaviour::assess(const flow::Flow& flow, const MediaObservation& media,
                                     const FlowFacts& facts, Timestamp now, bool final) const {
  Assessment result;
  if (!worthWatching(flow, media)) return result;
  Rates rates = ratesOf(flow);
  bool mediaRate = mediaRateMet(rates);
  bool watchedLongEnough =
      rates.seconds >= observeMaxSeconds_ || media.packetsSeen >= observeMaxPackets_;
  final = final || watchedLongEnough;
  // The rate is the signal that needs time: judge once it holds, or when the flow is over.
  bool decide = mediaRate || final;
  std::vector<Signal> signals;
  if (decide && guardOf(media, facts).empty()) {
    signals = signalsOf(flow, media, facts, rates, now, false);
  }
  double weight = 0;
  bool apple = false, framing = false, mediaSeen = false;
  for (const Signal& signal : signals) {
    weight += signal.weight;
    apple = apple || signal.apple;
    framing = framing || signal.framing;
    mediaSeen = mediaSeen || signal.media;
  }
  auto count = static_cast<double>(signals.size());
  bool medium = apple && framing && mediaSeen && weight >= weights_.mediumMinWeight &&
                count >= weights_.mediumMinSignals;
  if (!medium) {
    result.judgement = final ? Judgement::kNoMatch : Judgement::kWatching;
    return result;
  }
  bool high = weight >= weights_.highMinWeight && count >= weights_.highMinSignals;

  result.judgement = Judgement::kMatch;
  Verdict& verdict = result.verdict.emplace();
  verdict.catalog = catalog_;
  verdict.service = service_;
  verdict.confidence = high ? Confidence::kHigh : Confidence::kMedium;
  verdict.kind = UseKind::kCall;
  if (mediaRate) {
    verdict.media = std::max(rates.kbpsFromClient, rates.kbpsFromServer) >= videoMinKbps_
                        ? "video"
                        : "audio";
  }
  for (Signal& signal : signalsOf(flow, media, facts, rates, now, true)) {
    verdict.evidence.push_back(std::move(signal.evidence));
  }
  const ThresholdNeed& level = high ? kHighMinWeight : kMediumMinWeight;
  verdict.evidence.push_back(Evidence{
      "facetime.combination", EvidenceField::kBehaviour,
      fmt::format("{} signals agree, weight {:g} (medium from {:g} with {:g} signals, high from "
                  "{:g} with {:g})",
                  signals.size(), weight, weights_.mediumMinWeight, weights_.mediumMinSignals,
                  weights_.highMinWeight, weights_.highMinSignals),
      now, verdict.confidence, reasonOf(*service_, level), ""});
  return result;
}

}  // namespace baawatch::classify
