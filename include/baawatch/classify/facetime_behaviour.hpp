#pragma once
// FaceTime calls found by what their traffic does (docs/heuristics.md; research/signatures.md §1):
//  - relay call: one UDP 5-tuple to Apple's relay space carrying STUN/TURN ChannelData and QUIC
//    together, the QUIC without SNI, media-rate packets both ways;
//  - peer-to-peer leg: STUN with Apple's 0x8008 (16 bytes) and 0x8007 (4 bytes) attributes, then
//    media, preferably RTP with FaceTime's payload types;
//  - legacy media: RTP on one port of FaceTime's UDP block, the same port at both ends;
//  - web join media: WebRTC (STUN + DTLS/SRTP) to Apple's relay space at media rate (the browser's
//    facetime.apple.com visit is matched by name; the pipeline's device context joins the two).
// Every number comes from signatures/services/facetime.yaml (`behaviour:` and the
// `behaviour_only` rules), with its reason there; needs() declares them, so the catalog loader
// refuses a facetime.yaml without one. A FlowDetector of the classification chain: it watches
// UDP flows that could be FaceTime media (per-flow state: a MediaObservation) and judges them by
// assess(). assess() is read-only and thread-safe.
#include <memory>
#include <optional>

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/flow_classifier.hpp"
#include "baawatch/classify/media_observation.hpp"
#include "baawatch/classify/signature.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::classify {

class FaceTimeBehaviour final : public FlowDetector {
 public:
  // Disabled (never watches) when the catalog has no `facetime` service.
  explicit FaceTimeBehaviour(std::shared_ptr<const SignatureCatalog> catalog);
  static std::vector<DetectorNeeds> needs();

  // FlowDetector
  std::string_view name() const override { return "FaceTime behaviour"; }
  std::unique_ptr<DetectorFlowState> newFlowState(const flow::Flow& flow) const override;
  void observe(PacketContext& context, DetectorFlowState* state) override;
  Assessment judge(JudgeContext& context, DetectorFlowState* state) override;

  bool enabled() const { return service_ != nullptr; }
  // Whether a UDP flow could still turn out to be FaceTime media and deserves watching.
  bool worthWatching(const flow::Flow& flow, const MediaObservation& media) const;
  // Decides on what has been seen so far; with `final` (flow ended or watched long enough) it
  // never answers kWatching.
  Assessment assess(const flow::Flow& flow, const MediaObservation& media,
                             const FlowFacts& facts, Timestamp now, bool final) const;
  double observeMaxSeconds() const { return observeMaxSeconds_; }
  std::uint32_t observeMaxPackets() const { return observeMaxPackets_; }

 private:
  struct Rates {
    double seconds = 0;
    double ppsFromClient = 0, ppsFromServer = 0;
    double kbpsFromClient = 0, kbpsFromServer = 0;
  };
  static Rates ratesOf(const flow::Flow& flow);
  bool mediaRateMet(const Rates& rates) const;
  bool inRelaySpace(const IpAddress& address) const;
  static bool portIn(const SignatureRule* rule, std::uint16_t port);
  bool hasFaceTimePayloadType(const MediaObservation& media) const;
  std::string describeRates(const Rates& rates) const;
  Verdict makeVerdict(Confidence confidence, const Rates& rates) const;
  void addEvidence(Verdict& verdict, const SignatureRule* rule, std::string ruleId,
                   EvidenceField field, std::string value, Timestamp time,
                   Confidence confidence, std::string reason) const;

  std::shared_ptr<const SignatureCatalog> catalog_;
  const ServiceSignature* service_ = nullptr;
  const SignatureRule* relaySpace_ = nullptr;
  const SignatureRule* relayPorts_ = nullptr;
  const SignatureRule* peerPorts_ = nullptr;
  const SignatureRule* legacyPorts_ = nullptr;
  double callMinSeconds_ = 5;
  double mediaMinPps_ = 8;
  double mediaMinKbps_ = 16;
  double videoMinKbps_ = 250;
  double observeMaxSeconds_ = 120;
  std::uint32_t observeMaxPackets_ = 20000;
  double legacyMinRtpPackets_ = 1;
  double peerMinFaceTimeRtpPackets_ = 10;
  std::vector<int> payloadTypes_;
};

}  // namespace baawatch::classify
