#pragma once
// Bounded flow table: finds or creates the flow of each packet, ends flows on idle timeouts per
// protocol and TCP state, and evicts the least recently active flow when full. Every way a flow
// leaves the table goes through the end handler with its reason and is counted.
// Thread: owned by one packet thread; not thread-safe.
#include <cstdint>
#include <functional>
#include <list>
#include <unordered_map>
#include <vector>

#include "baawatch/common/counters.hpp"
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
};

class FlowTable {
 public:
  using EndHandler = std::function<void(Flow&, FlowEndReason, Timestamp endTime)>;

  FlowTable(FlowTableOptions options, EndHandler onEnd);
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

  std::size_t size() const { return index_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  using FlowList = std::list<Flow>;
  struct Entry {
    FlowList::iterator flow;
    std::uint64_t touch = 0;  // order of the flow's last packet (its place in activity order)
    bool idle = false;        // in idle_ (else in recent_)
  };
  // A flow of idle_ due to end at about `due`; stale once the flow was touched again or ended.
  struct DueEntry {
    Microseconds due = 0;
    std::uint64_t touch = 0;
    FlowKey key;
  };
  double timeoutFor(const Flow& flow) const;
  void end(const FlowKey& key, FlowEndReason reason, Timestamp endTime);
  FlowList::iterator leastRecent();
  void expireIdle(Timestamp now);
  void pushDue(const Flow& flow, std::uint64_t touch);

  FlowTableOptions options_;
  EndHandler onEnd_;
  // Activity order (least recently active first) is idle_ followed by recent_. idle_ holds the
  // flows an expiry walk already passed (idle longer than the shortest timeout, not yet due),
  // indexed by due time in due_, so housekeeping does not walk them again every second.
  FlowList idle_;
  FlowList recent_;
  std::vector<DueEntry> due_;  // min-heap on `due`
  std::unordered_map<FlowKey, Entry, FlowKeyHash> index_;
  std::uint64_t nextTouch_ = 1;
  Timestamp lastExpiry_{};
  double shortestTimeout_ = 0;
  std::uint64_t nextId_ = 1;
  Counters counters_;
};

}  // namespace baawatch::flow
