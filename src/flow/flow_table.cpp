#include "baawatch/flow/flow_table.hpp"

#include <algorithm>
#include <random>

namespace baawatch::flow {
namespace {

std::uint64_t mix(std::uint64_t hash, std::uint64_t value) {
  // splitmix64 finaliser step: good avalanche for a cheap per-field combine.
  hash ^= value + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  return hash;
}

std::uint64_t load64(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

Microseconds toMicros(double seconds) { return static_cast<Microseconds>(seconds * 1e6); }

}  // namespace

FlowKey FlowKey::fromPacket(const decode::DecodedPacket& packet) {
  FlowKey key;
  key.protocol = packet.ipProtocol;
  key.vlan = packet.vlan;
  bool sourceIsLow = std::tie(packet.source, packet.sourcePort) <=
                     std::tie(packet.destination, packet.destinationPort);
  if (sourceIsLow) {
    key.lowAddress = packet.source;
    key.lowPort = packet.sourcePort;
    key.highAddress = packet.destination;
    key.highPort = packet.destinationPort;
  } else {
    key.lowAddress = packet.destination;
    key.lowPort = packet.destinationPort;
    key.highAddress = packet.source;
    key.highPort = packet.sourcePort;
  }
  return key;
}

std::size_t FlowKeyHash::operator()(const FlowKey& key) const noexcept {
  std::uint64_t hash = seed;
  hash = mix(hash, load64(key.lowAddress.bytes().data()));
  hash = mix(hash, load64(key.lowAddress.bytes().data() + 8));
  hash = mix(hash, load64(key.highAddress.bytes().data()));
  hash = mix(hash, load64(key.highAddress.bytes().data() + 8));
  hash = mix(hash, (std::uint64_t{key.lowPort} << 32) | (std::uint64_t{key.highPort} << 16) |
                       (std::uint64_t{key.protocol} << 8));
  hash = mix(hash, key.vlan);
  return static_cast<std::size_t>(hash);
}

std::string_view toString(FlowEndReason reason) {
  switch (reason) {
    case FlowEndReason::kIdle: return "idle";
    case FlowEndReason::kTcpClosed: return "tcp_closed";
    case FlowEndReason::kEvicted: return "evicted";
    case FlowEndReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

FlowTable::FlowTable(FlowTableOptions options, EndHandler onEnd)
    : options_(options), onEnd_(std::move(onEnd)) {
  std::uint64_t seed = options_.hashSeed;
  if (seed == 0) {
    std::random_device device;
    seed = (std::uint64_t{device()} << 32) | device();
  }
  index_ = decltype(index_)(1024, FlowKeyHash{seed});
  shortestTimeout_ = std::min({options_.tcpSynTimeout, options_.tcpEstablishedTimeout,
                               options_.tcpClosedTimeout, options_.udpTimeout,
                               options_.otherTimeout});
}

double FlowTable::timeoutFor(const Flow& flow) const {
  switch (flow.protocol) {
    case 6:
      switch (flow.tcpState) {
        case TcpState::kClosed: return options_.tcpClosedTimeout;
        case TcpState::kEstablished:
        case TcpState::kClosing: return options_.tcpEstablishedTimeout;
        case TcpState::kNone:
        case TcpState::kSynSeen: return options_.tcpSynTimeout;
      }
      return options_.tcpEstablishedTimeout;
    case 17: return options_.udpTimeout;
    default: return options_.otherTimeout;
  }
}

void FlowTable::end(const FlowKey& key, FlowEndReason reason, Timestamp endTime) {
  switch (reason) {
    case FlowEndReason::kIdle: counters_.add("flow.ended.idle"); break;
    case FlowEndReason::kTcpClosed: counters_.add("flow.ended.tcp_closed"); break;
    case FlowEndReason::kEvicted: counters_.add("flow.ended.evicted"); break;
    case FlowEndReason::kShutdown: counters_.add("flow.ended.shutdown"); break;
  }
  auto found = index_.find(key);
  FlowList::iterator it = found->second.flow;
  FlowList& list = found->second.idle ? idle_ : recent_;
  if (onEnd_) onEnd_(*it, reason, endTime);
  index_.erase(found);
  list.erase(it);
}

FlowTable::FlowList::iterator FlowTable::leastRecent() {
  return idle_.empty() ? recent_.begin() : idle_.begin();
}

void FlowTable::pushDue(const Flow& flow, std::uint64_t touch) {
  // One microsecond early: the exact test (the same double arithmetic as before) is made when
  // the entry comes due, so rounding can only delay the test, never skip a due flow.
  due_.push_back(DueEntry{flow.lastSeen.micros + toMicros(timeoutFor(flow)) - 1, touch, flow.key});
  std::push_heap(due_.begin(), due_.end(),
                 [](const DueEntry& a, const DueEntry& b) { return a.due > b.due; });
}

FlowTable::Tracked FlowTable::track(const decode::DecodedPacket& packet) {
  FlowKey key = FlowKey::fromPacket(packet);
  auto found = index_.find(key);
  if (found != index_.end()) {
    Flow& existing = *found->second.flow;
    double idle = static_cast<double>(packet.time.micros - existing.lastSeen.micros) / 1e6;
    if (idle > timeoutFor(existing)) {
      // Port reuse after the old conversation went quiet: the old flow ends as idle.
      end(key, existing.tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed
                                                      : FlowEndReason::kIdle,
          Timestamp{existing.lastSeen.micros + toMicros(timeoutFor(existing))});
      found = index_.end();
    }
  }

  Tracked tracked;
  if (found == index_.end()) {
    if (index_.size() >= options_.maxFlows && !index_.empty()) {
      end(leastRecent()->key, FlowEndReason::kEvicted, packet.time);
    }
    Flow fresh;
    fresh.id = nextId_++;
    fresh.key = key;
    fresh.protocol = packet.ipProtocol;
    fresh.vlan = packet.vlan;
    // A SYN-ACK seen first means we missed the SYN: its sender is the server.
    bool senderIsServer = packet.ipProtocol == 6 &&
                          (packet.tcpFlags & (decode::tcp_flags::kSyn | decode::tcp_flags::kAck)) ==
                              (decode::tcp_flags::kSyn | decode::tcp_flags::kAck);
    if (senderIsServer) {
      fresh.client = packet.destination;
      fresh.clientPort = packet.destinationPort;
      fresh.server = packet.source;
      fresh.serverPort = packet.sourcePort;
      fresh.clientMac = packet.destinationMac;
      fresh.serverMac = packet.sourceMac;
    } else {
      fresh.client = packet.source;
      fresh.clientPort = packet.sourcePort;
      fresh.server = packet.destination;
      fresh.serverPort = packet.destinationPort;
      fresh.clientMac = packet.sourceMac;
      fresh.serverMac = packet.destinationMac;
    }
    fresh.firstSeen = packet.time;
    fresh.lastSeen = packet.time;
    recent_.push_back(std::move(fresh));
    found = index_.emplace(key, Entry{std::prev(recent_.end()), nextTouch_++, false}).first;
    counters_.add("flow.created");
    tracked.created = true;
  } else {
    // Most recently active goes to the back: eviction and expiry start at the front.
    Entry& entry = found->second;
    recent_.splice(recent_.end(), entry.idle ? idle_ : recent_, entry.flow);
    entry.idle = false;  // its entry in due_ is stale now (the touch no longer matches)
    entry.touch = nextTouch_++;
  }

  Flow& flow = *found->second.flow;
  bool toServer = packet.source == flow.client && packet.sourcePort == flow.clientPort;
  tracked.flow = &flow;
  tracked.direction = toServer ? Direction::kToServer : Direction::kToClient;
  DirectionStats& stats = toServer ? flow.toServer : flow.toClient;
  stats.packets += 1;
  stats.bytes += packet.ipPacket.size();
  stats.payloadBytes += packet.payload.size();
  if (packet.time > flow.lastSeen) flow.lastSeen = packet.time;

  if (flow.protocol == 6) {
    using namespace decode::tcp_flags;
    std::uint8_t flags = packet.tcpFlags;
    if (flags & kRst) {
      flow.tcpState = TcpState::kClosed;
    } else {
      if ((flags & kSyn) && flow.tcpState == TcpState::kNone) flow.tcpState = TcpState::kSynSeen;
      if ((flags & kAck) && !(flags & kSyn) &&
          (flow.tcpState == TcpState::kNone || flow.tcpState == TcpState::kSynSeen))
        flow.tcpState = TcpState::kEstablished;
      if (flags & kFin) {
        (toServer ? flow.finToServer : flow.finToClient) = true;
        flow.tcpState = (flow.finToServer && flow.finToClient) ? TcpState::kClosed
                                                               : TcpState::kClosing;
      }
    }
  }
  return tracked;
}

void FlowTable::expire(Timestamp now) {
  // Activity order is idle_ then recent_. The walk ends flows due at `now` in that order and
  // stops at the first flow younger than the shortest timeout: nothing after it can be due.
  // Flows of idle_ were passed by an earlier walk (older than the shortest timeout then, and
  // untouched since), so with `now` never going back none of them stops the walk: only their
  // due ones need visiting, found through due_. A `now` earlier than the last one (a caller
  // replaying time) puts them back into recent_ and walks the whole order as before.
  if (now < lastExpiry_) {
    for (auto& [key, entry] : index_) entry.idle = false;
    recent_.splice(recent_.begin(), idle_);
    due_.clear();
  }
  lastExpiry_ = now;
  expireIdle(now);

  auto it = recent_.begin();
  while (it != recent_.end()) {
    double idle = static_cast<double>(now.micros - it->lastSeen.micros) / 1e6;
    if (idle <= shortestTimeout_) break;
    auto next = std::next(it);
    if (idle > timeoutFor(*it)) {
      FlowEndReason reason =
          it->tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle;
      end(it->key, reason, Timestamp{it->lastSeen.micros + toMicros(timeoutFor(*it))});
    } else {
      Entry& entry = index_.find(it->key)->second;
      idle_.splice(idle_.end(), recent_, it);
      entry.idle = true;
      pushDue(*it, entry.touch);
    }
    it = next;
  }
}

void FlowTable::expireIdle(Timestamp now) {
  auto later = [](const DueEntry& a, const DueEntry& b) { return a.due > b.due; };
  // Entries of flows touched or ended since they were pushed are stale; rebuild when they
  // outnumber the live ones so due_ stays proportional to idle_.
  if (due_.size() > 64 && due_.size() > 2 * idle_.size()) {
    due_.clear();
    for (const Flow& flow : idle_) {
      const Entry& entry = index_.find(flow.key)->second;
      due_.push_back(DueEntry{flow.lastSeen.micros + toMicros(timeoutFor(flow)) - 1, entry.touch,
                              flow.key});
    }
    std::make_heap(due_.begin(), due_.end(), later);
  }
  struct Due {
    std::uint64_t touch;
    FlowKey key;
  };
  std::vector<Due> ending;
  std::vector<DueEntry> notYet;
  while (!due_.empty() && due_.front().due <= now.micros) {
    std::pop_heap(due_.begin(), due_.end(), later);
    DueEntry candidate = due_.back();
    due_.pop_back();
    auto found = index_.find(candidate.key);
    if (found == index_.end() || !found->second.idle || found->second.touch != candidate.touch)
      continue;  // stale
    const Flow& flow = *found->second.flow;
    double idle = static_cast<double>(now.micros - flow.lastSeen.micros) / 1e6;
    if (idle > timeoutFor(flow)) {
      ending.push_back(Due{candidate.touch, candidate.key});
    } else {
      candidate.due += 1;
      notYet.push_back(candidate);
    }
  }
  for (const DueEntry& entry : notYet) {
    due_.push_back(entry);
    std::push_heap(due_.begin(), due_.end(), later);
  }
  // End them in activity order, as one walk over the list would.
  std::sort(ending.begin(), ending.end(), [](const Due& a, const Due& b) { return a.touch < b.touch; });
  for (const Due& due : ending) {
    const Flow& flow = *index_.find(due.key)->second.flow;
    FlowEndReason reason =
        flow.tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle;
    end(due.key, reason, Timestamp{flow.lastSeen.micros + toMicros(timeoutFor(flow))});
  }
}

void FlowTable::drain(Timestamp now) {
  while (!index_.empty()) {
    auto it = leastRecent();
    Timestamp endTime = std::max(now, it->lastSeen);
    end(it->key, FlowEndReason::kShutdown, endTime);
  }
}

}  // namespace baawatch::flow
