#pragma once
// The classification chain for one packet thread: nDPI 4.2 first (until it decides or its packet
// budget is spent, then give up), then our signatures over everything the flow showed (TLS SNI,
// QUIC SNI, HTTP host, the name its client resolved, the server address, nDPI's labels).
// A flow is classified once, when nDPI is done with it or when it ends, so the verdict carries
// all the evidence at once.
// Thread: one instance per packet thread (it owns an nDPI detection module).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

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
  std::string tlsServerName;
  std::vector<std::string> tlsAlpn;
  bool tlsEchOffered = false;
  std::string quicServerName;
  std::string httpHost;
  std::string resolvedName;     // the DNS name the client resolved to the server address
  bool classified = false;
  std::optional<Verdict> verdict;
};

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

  // DNS answers feed the cache (call for every DNS response seen).
  void observeDnsResponse(const IpAddress& client, const decode::DnsMessage& response,
                          Timestamp time);

  static const FlowFacts* facts(const flow::Flow& flow);
  // For the stages after classification that refine a verdict (device context).
  static FlowFacts* mutableFacts(flow::Flow& flow);
  const SignatureMatcher& matcher() const { return matcher_; }
  const Counters& counters() const { return counters_; }
  const DnsCache& dnsCache() const { return dnsCache_; }

 private:
  struct Impl;
  // Once nDPI is done: classifies `flow` at `time` unless its behaviour is still being watched
  // (never so when `final`), then releases nDPI's state. Returns whether it classified.
  bool classifyUnlessWatching(flow::Flow& flow, Timestamp time, bool final);
  void classify(flow::Flow& flow, Timestamp time, std::optional<Verdict> behaviourVerdict);

  std::shared_ptr<const SignatureCatalog> catalog_;
  SignatureMatcher matcher_;
  ClassifierOptions options_;
  DnsCache dnsCache_;
  std::unique_ptr<Impl> impl_;
  Counters counters_;
};

}  // namespace baawatch::classify
