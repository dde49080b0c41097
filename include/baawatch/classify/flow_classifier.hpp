#pragma once
// The classification chain for one packet thread: the detectors (classify/detector.hpp) run in
// order over every flow. nDPI 4.2 first (until it decides or its packet budget is spent, then it
// gives up and its label and host name become facts); our own ClientHello reading; the FaceTime
// behaviour (it may watch a UDP flow for seconds); the push activity signal; and last our
// signatures over everything the flow showed (TLS SNI, QUIC SNI, HTTP host, the name its client
// resolved, the server address, nDPI's labels). The first detector that matches decides; one that
// is still watching holds the judgement back. A flow is classified once, when every detector
// before the deciding one is done with it or when it ends, so the verdict carries all the
// evidence at once.
// Thread: one instance per packet thread (it owns an nDPI detection module).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baawatch/classify/detector_signal.hpp"
#include "baawatch/classify/dns_cache.hpp"
#include "baawatch/classify/signature_matcher.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/decode/packet.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::classify {

struct ClassifierOptions {
  std::uint32_t ndpiPacketBudget = 24;
  double ndpiTimeBudget = 120;  // seconds of packet time from a flow's first packet; 0 = none
  DnsCacheOptions dnsCache;
};

// What the classifier learned about a flow, for flow records and encounters.
struct FlowFacts {
  std::string ndpiLabel;        // "TLS.WhatsApp", "STUN", "Unknown"
  std::string ndpiCategory;
  std::string ndpiAppName;      // nDPI's two names, for the signatures' `ndpi:` rules
  std::string ndpiMasterName;
  std::string tlsServerName;
  bool tlsCertificateSeen = false;  // nDPI read the server's certificate (names in it)
  std::vector<std::string> tlsAlpn;
  bool tlsEchOffered = false;
  std::string quicServerName;
  std::string httpHost;
  std::string resolvedName;     // the DNS name the client resolved to the server address
  Timestamp tlsSeenAt;          // when the ClientHello's name was seen, for the evidence
  Timestamp nameSeenAt;         // when `resolvedName` was resolved
  std::uint32_t wireShapes = 0; // the wire shapes its first payloads showed (1 << WireShape)
  Timestamp wireSeenAt;         // when the first of them was seen
  bool classified = false;
  std::optional<Verdict> verdict;
};

class FlowDetector;

class FlowClassifier {
 public:
  FlowClassifier(std::shared_ptr<const SignatureCatalog> catalog, ClassifierOptions options);
  ~FlowClassifier();
  FlowClassifier(const FlowClassifier&) = delete;
  FlowClassifier& operator=(const FlowClassifier&) = delete;

  // Feeds one packet of `flow`. Returns true exactly once per flow: on the packet that made it
  // classified (facts(flow).verdict then says what it is, or nothing).
  bool onPacket(flow::Flow& flow, const decode::DecodedPacket& packet, flow::Direction direction);
  // Classifies a flow that ends before nDPI was done. Returns true if it was not classified yet.
  bool onFlowEnd(flow::Flow& flow);
  // nDPI's time budget for `flow` ran out at `now` (options.ndpiTimeBudget after its first
  // packet): nDPI stops and guesses, as at the flow's end, and the flow is classified now unless
  // its behaviour is still being watched (then on a later packet or its end). Returns true if it
  // was classified now. Without this, a flow that goes quiet before nDPI decides (a push or chat
  // connection idling between keep-alives) would be classified only when it times out, an hour
  // later for TCP.
  bool onNdpiTimeUp(flow::Flow& flow, Timestamp now);

  // The signals the detectors emitted since the last call, in packet order (FlowStage ships
  // them before the packet's classification).
  std::vector<DetectorSignal> takeSignals();
  bool hasSignals() const { return !signals_.empty(); }

  // DNS answers feed the cache (call for every DNS response seen).
  void observeDnsResponse(const IpAddress& client, const decode::DnsMessage& response,
                          Timestamp time);

  static const FlowFacts* facts(const flow::Flow& flow);
  const Counters& counters() const { return counters_; }
  const DnsCache& dnsCache() const { return dnsCache_; }
  // The chain, in the order it runs.
  const std::vector<std::unique_ptr<FlowDetector>>& detectors() const { return detectors_; }
  // A reload's new classifier takes over what the one it replaces learned from DNS.
  void takeDnsCacheFrom(FlowClassifier& previous) {
    dnsCache_.takeEntriesFrom(std::move(previous.dnsCache_));
  }

 private:
  // Asks the detectors in order; classifies `flow` at `time` unless one is still watching (never
  // so when `final`), then releases the detectors' per-flow state. Returns whether it classified.
  bool judge(flow::Flow& flow, Timestamp time, bool final);

  std::shared_ptr<const SignatureCatalog> catalog_;
  ClassifierOptions options_;
  DnsCache dnsCache_;
  std::vector<std::unique_ptr<FlowDetector>> detectors_;
  std::vector<DetectorSignal> signals_;
  Counters counters_;
};

}  // namespace baawatch::classify
