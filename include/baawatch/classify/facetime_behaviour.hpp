#pragma once
// FaceTime calls found by weighing independent signals of what a UDP flow does
// (docs/heuristics.md; research/signatures.md §1). Each signal that holds adds its weight:
//  - who:   one end in Apple's address space (the other not), Apple's STUN attributes 0x8008
//           (16 bytes) with 0x8007 (4 bytes), or one port of FaceTime's legacy block at both ends;
//  - how:   a documented FaceTime port (relay 3478-3497, peer 16384-16387/16393-16402), STUN or
//           TURN framing, QUIC without SNI multiplexed with them (QuickRelay), RTP/SRTP (plain or
//           in ChannelData), more with FaceTime's payload types;
//  - media: both directions at a media rate for a call's minimum length (audio or video rate).
// A verdict needs one "who" signal, one framing signal (STUN/TURN, QUIC, RTP) and media (RTP or
// the rate); medium and high then depend on the summed weight and the number of signals that
// agree. No single shape is required. Guards stop the judgement: QUIC that names a server (or
// QUIC without STUN/TURN: Apple's edge, iCloud), Microsoft's 4-byte 0x8008 STUN dialect.
// The device's context (facetime.apple.com visited just before) is a context rule on the
// decision side (SessionContext), which raises a medium call one step.
// Every weight and threshold comes from signatures/services/facetime.yaml (`behaviour:`), with its
// reason there, which the verdict's evidence carries; needs() declares them, so the catalog loader
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
  // One signal that held: its weight, the evidence it adds, and what it stands for.
  struct Signal {
    double weight = 0;
    bool apple = false;    // says Apple (address, STUN attributes, legacy port layout)
    bool framing = false;  // shows real-time framing (STUN/TURN, QUIC multiplex, RTP)
    bool media = false;    // shows media (RTP, the rate both ways)
    Evidence evidence;
  };
  struct Weights {
    double appleAddress = 3, appleStunAttributes = 4, legacySymmetricPort = 4;
    double documentedPort = 1, stunTurn = 1, quicWithoutSni = 2;
    double rtp = 1, rtpFaceTimeTypes = 3, mediaBothWays = 2;
    double mediumMinWeight = 5, highMinWeight = 8;
    double mediumMinSignals = 2, highMinSignals = 3;
  };
  static Rates ratesOf(const flow::Flow& flow);
  bool mediaRateMet(const Rates& rates) const;
  bool inRelaySpace(const IpAddress& address) const;
  static bool portIn(const SignatureRule* rule, std::uint16_t port);
  bool hasFaceTimePayloadType(const MediaObservation& media) const;
  std::string describeRates(const Rates& rates) const;
  // The signals that hold for the flow; with `withEvidence` each carries its evidence (built only
  // for a verdict: the packet path asks without).
  std::vector<Signal> signalsOf(const flow::Flow& flow, const MediaObservation& media,
                                const FlowFacts& facts, const Rates& rates, Timestamp now,
                                bool withEvidence) const;
  // A guard that stops the judgement (the look-alike it names), or empty.
  std::string_view guardOf(const MediaObservation& media, const FlowFacts& facts) const;

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
  double rtpMinPackets_ = 1;
  double rtpMinFaceTimePackets_ = 10;
  std::vector<int> payloadTypes_;
  Weights weights_;
};

}  // namespace baawatch::classify
