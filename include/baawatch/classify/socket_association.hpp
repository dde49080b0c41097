#pragma once
// P2P call legs by socket: a device's UDP socket that carried a service's call (STUN/TURN with
// its relay, or media to its servers) lends that service to the other flows of the same socket.
// ICE gathers and checks every candidate from the socket of its host candidate (RFC 8445 §5.1.1,
// §7.2.2: server-reflexive and relayed candidates share the base of the host one), so the
// connectivity checks and media to a peer leave the device's address and port of the relay
// flow; their peer address is anyone's (another phone, a home router) and says nothing.
//
// Promise: only a flow the detectors left without a verdict is given one; only UDP; the seed is
// a call verdict of medium confidence or more of a service whose file sets
// `behaviour: socket_association_seconds` (0 or absent: the service lends nothing). A seed lends
// while its flow is open and for that many seconds after its last packet, to flows that began in
// that time, and not more than that many seconds before its first packet (ICE gathering). Only
// the device's own endpoint is remembered (the call flow's client: the clinic endpoint, see
// flow/flow_table.hpp), never the relay's or a public STUN server's (those serve every app). An
// association does not seed further associations.
// A ContextRule: refine() and refineEnded() give the verdict, flowEnded() keeps the seed's last
// packet time.
// Thread: owned by the decision stage.
#include <memory>
#include <string>
#include <unordered_map>

#include "baawatch/classify/detector.hpp"
#include "baawatch/classify/verdict.hpp"
#include "baawatch/common/timestamp.hpp"

namespace baawatch::classify {

class SocketAssociation final : public ContextRule {
 public:
  static std::vector<DetectorNeeds> needs();

  // ContextRule
  std::string_view name() const override { return "socket association"; }
  std::string_view refinedCounter() const override { return "classify.socket_associated"; }
  bool refine(const std::string& deviceId, const flow::Flow& flow, FlowFacts& facts,
              Timestamp time) override;
  // The P2P leg judged before its relay flow (nDPI may take longer over a sparse relay flow
  // than over the leg's media): associated when it ends.
  bool refineEnded(const flow::Flow& flow, FlowFacts& facts, Timestamp endTime) override;
  void flowEnded(const flow::Flow& flow, const FlowFacts& facts, Timestamp endTime) override;
  void forgetBefore(Timestamp now) override;
  // Seeds keep the catalog their service came from: nothing to reread.
  void replaceCatalog(std::shared_ptr<const SignatureCatalog> catalog) override { (void)catalog; }

  std::size_t sockets() const { return seeds_.size(); }

 private:
  struct Socket {
    IpAddress address;
    std::uint16_t port = 0;
    bool operator==(const Socket&) const = default;
  };
  struct SocketHash {
    std::size_t operator()(const Socket& socket) const;
  };
  struct Seed {
    Verdict verdict;  // the seed's verdict (its catalog keeps the service alive)
    IpAddress relay;  // the latest seed flow's far end, for the evidence
    std::uint16_t relayPort = 0;
    unsigned openFlows = 0;  // seed flows of this socket not ended yet
    Timestamp seededAt;      // the latest seed flow's classification: the evidence's time
    Timestamp first;         // the first packet of the earliest seed flow
    Timestamp last;          // the latest end (or classification) of a seed flow
    double windowSeconds = 0;
  };

  static double windowFor(const ServiceSignature& service);
  void remember(const flow::Flow& flow, const Verdict& verdict, Timestamp time);
  bool associate(const flow::Flow& flow, FlowFacts& facts) const;
  const Seed* seedFor(const Socket& socket, Timestamp flowStart) const;

  std::unordered_map<Socket, Seed, SocketHash> seeds_;
  // The flows that made a seed, until they end: flow id -> their device's socket.
  std::unordered_map<std::uint64_t, Socket> openSeedFlows_;
};

}  // namespace baawatch::classify
