#pragma once
// Which endpoint opened a flow, for flows the dispatcher cannot place by their clinic side (both
// endpoints clinical, or neither): the sharded pipeline sends such a flow to the worker of its
// initiator, so all of one device's flows meet in one worker.
//
// Promise: an entry lives at least as long as its protocol's longest flow timeout (plus slack
// for the once-a-second housekeeping) after the flow's last packet, so it outlives the flow it
// places; and the table never holds more than `capacity` entries (lookups past that say so).
// Cost: O(1) per packet. Entries age in two generations per protocol class instead of being
// swept: a rotation drops the older generation whole.
#include <array>
#include <cstddef>
#include <unordered_map>

#include "baawatch/common/ip_address.hpp"
#include "baawatch/common/timestamp.hpp"
#include "baawatch/engine/settings.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::engine {

class InitiatorTable {
 public:
  InitiatorTable(std::size_t capacity, const FlowSettings& flows, flow::FlowKeyHash hash);

  // The initiator of the flow `key`, remembering `source` when the flow is new; nullptr when the
  // flow is new and the table is full.
  const IpAddress* initiatorOf(const flow::FlowKey& key, const IpAddress& source, Timestamp now);

  // New timeouts (a reload): entries are kept by the new periods from the next rotation on.
  void setTimeouts(const FlowSettings& flows);

  // Ages the entries: call at least once a packet-second.
  void advance(Timestamp now);

  std::size_t size() const;

 private:
  using Map = std::unordered_map<flow::FlowKey, IpAddress, flow::FlowKeyHash>;
  struct Generations {
    Map recent;
    Map older;
    Microseconds period = 0;
    Microseconds lastRotation = 0;
    bool started = false;
  };
  Generations& generationsFor(std::uint8_t protocol);

  std::size_t capacity_;
  std::array<Generations, 3> byClass_;  // TCP, UDP, other
};

}  // namespace baawatch::engine
