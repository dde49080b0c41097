#pragma once
// Bounded flow table: finds or creates the flow of each packet, ends flows on idle timeouts per
// protocol and TCP state, and evicts the least recently active flow when full. Every way a flow
// leaves the table goes through the end handler with its reason and is counted.
// Thread: owned by one packet thread; not thread-safe.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "baawatch/common/counters.hpp"
#include "baawatch/common/ip_address.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::flow {

struct FlowTableOptions {
  std::uint32_t maxFlows = 262144;
  double tcpSynTimeout = 30;
  double tcpEstablishedTimeout = 3600;
  double tcpClosedTimeout = 10;
  double udpTimeout = 120;
  double otherTimeout = 60;
  std::uint64_t hashSeed = 0;  // 0: draw one from std::random_device
  // The networks the clinic's devices are on (the policy's clinical networks). A flow whose
  // opening the table does not see (UDP, ICMP, TCP caught without its SYN) takes the endpoint
  // inside them as its client when exactly one endpoint is: in a one-way capture, or when a
  // relay or a peer speaks first, the first sender is the far end, and every rule that reads the
  // server's address or port would read the device's. Empty: the first sender is the client.
  std::vector<IpRange> clientNetworks;
};

class FlowTable {
 public:
  using EndHandler = std::function<void(Flow&, FlowEndReason, Timestamp endTime)>;

  FlowTable(FlowTableOptions options, EndHandler onEnd);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  struct Tracked {
    Flow* flow = nullptr;
    Direction direction = Direction::kToServer;
    bool created = false;
  };
  // Finds or creates the packet's flow and updates its counters and TCP state. Time is packet
  // time; a flow already due to end is ended first so the packet starts a new one.
  Tracked track(const decode::DecodedPacket& packet);

  // Ends flows idle past their timeout at `now` (packet time). Cheap when nothing is due.
  void expire(Timestamp now);
  // Ends every flow (end of capture, shutdown).
  void drain(Timestamp now);
  // The tracked flow with this key, or null.
  Flow* lookup(const FlowKey& key);

  std::size_t size() const { return count_; }
  const Counters& counters() const { return counters_; }

 private:
  // One slot of the table: a flow and every link the table keeps for it, in one allocation
  // (activity order, hash chain, place in activity order). Slots come from slabs and are reused;
  // a slot is never freed before the table, so a stale due_ entry may still read its `touch`.
  struct Node {
    Node() {}
    ~Node() {}
    Node* prev = nullptr;      // activity order (idle_ or recent_)
    Node* next = nullptr;
    Node* hashNext = nullptr;  // bucket chain; the free list while the slot is unused
    std::uint64_t touch = 0;   // order of the flow's last packet; 0 while the slot is unused
    bool idle = false;         // in idle_ (else in recent_)
    union {
      Flow flow;  // alive while touch != 0
    };
  };
  // An intrusive list in activity order, least recently active first.
  struct NodeList {
    Node* head = nullptr;
    Node* tail = nullptr;
    std::size_t size = 0;
    void pushBack(Node* node);
    void remove(Node* node);
    void prependAll(NodeList& other);  // other's nodes go in front, other ends empty
  };
  // A flow of idle_ due to end at about `due`; stale once the flow was touched again or ended
  // (the slot's touch no longer matches).
  struct DueEntry {
    Microseconds due = 0;
    std::uint64_t touch = 0;
    Node* node = nullptr;
  };
  double timeoutFor(const Flow& flow) const;
  void end(Node* node, FlowEndReason reason, Timestamp endTime);
  Node* leastRecent() const;
  // Whether the first packet of a new flow came from its server (see clientNetworks).
  bool senderIsServer(const decode::DecodedPacket& packet) const;
  void expireIdle(Timestamp now);
  void pushDue(Node* node);
  Node* find(const FlowKey& key, std::size_t hash) const;
  Node* allocate();
  void insert(Node* node, std::size_t hash);
  void unlink(Node* node);

  FlowTableOptions options_;
  EndHandler onEnd_;
  FlowKeyHash hash_;
  // Activity order (least recently active first) is idle_ followed by recent_. idle_ holds the
  // flows an expiry walk already passed (idle longer than the shortest timeout, not yet due),
  // indexed by due time in due_, so housekeeping does not walk them again every second.
  NodeList idle_;
  NodeList recent_;
  std::vector<DueEntry> due_;  // min-heap on `due`
  std::vector<Node*> buckets_;  // power-of-two count, at most one flow per bucket on average
  std::size_t count_ = 0;
  std::vector<std::unique_ptr<Node[]>> slabs_;
  std::size_t slabSize_ = 0;
  Node* free_ = nullptr;
  std::uint64_t nextTouch_ = 1;
  Timestamp lastExpiry_{};
  double shortestTimeout_ = 0;
  std::uint64_t nextId_ = 1;
  Counters counters_;
};

}  // namespace baawatch::flow
