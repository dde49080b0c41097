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

void FlowTable::end(FlowList::iterator it, FlowEndReason reason, Timestamp endTime) {
  switch (reason) {
    case FlowEndReason::kIdle: counters_.add("flow.ended.idle"); break;
    case FlowEndReason::kTcpClosed: counters_.add("flow.ended.tcp_closed"); break;
    case FlowEndReason::kEvicted: counters_.add("flow.ended.evicted"); break;
    case FlowEndReason::kShutdown: counters_.add("flow.ended.shutdown"); break;
  }
  if (onEnd_) onEnd_(*it, reason, endTime);
  index_.erase(it->key);
  byActivity_.erase(it);
}

FlowTable::Tracked FlowTable::track(const decode::DecodedPacket& packet) {
  FlowKey key = FlowKey::fromPacket(packet);
  auto found = index_.find(key);
  if (found != index_.end()) {
    Flow& existing = *found->second;
    double idle = static_cast<double>(packet.time.micros - existing.lastSeen.micros) / 1e6;
    if (idle > timeoutFor(existing)) {
      // Port reuse after the old conversation went quiet: the old flow ends as idle.
      end(found->second, existing.tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed
                                                                : FlowEndReason::kIdle,
          Timestamp{existing.lastSeen.micros + toMicros(timeoutFor(existing))});
      found = index_.end();
    }
  }

  Tracked tracked;
  if (found == index_.end()) {
    if (index_.size() >= options_.maxFlows && !byActivity_.empty()) {
      end(byActivity_.begin(), FlowEndReason::kEvicted, packet.time);
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
    byActivity_.push_back(std::move(fresh));
    auto it = std::prev(byActivity_.end());
    index_.emplace(key, it);
    counters_.add("flow.created");
    tracked.created = true;
    found = index_.find(key);
  } else {
    // Most recently active goes to the back: eviction and expiry start at the front.
    byActivity_.splice(byActivity_.end(), byActivity_, found->second);
  }

  Flow& flow = *found->second;
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
  // The list is ordered by last activity, so once a flow is younger than the shortest timeout
  // nothing after it can be due either.
  auto it = byActivity_.begin();
  while (it != byActivity_.end()) {
    double idle = static_cast<double>(now.micros - it->lastSeen.micros) / 1e6;
    if (idle <= shortestTimeout_) break;
    auto next = std::next(it);
    if (idle > timeoutFor(*it)) {
      FlowEndReason reason =
          it->tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle;
      end(it, reason, Timestamp{it->lastSeen.micros + toMicros(timeoutFor(*it))});
    }
    it = next;
  }
}

void FlowTable::drain(Timestamp now) {
  while (!byActivity_.empty()) {
    Timestamp endTime = std::max(now, byActivity_.front().lastSeen);
    end(byActivity_.begin(), FlowEndReason::kShutdown, endTime);
  }
}

}  // namespace baawatch::flow
