#include "baawatch/flow/flow_table.hpp"

#include <algorithm>
#include <bit>
#include <random>

namespace baawatch::flow {
namespace {

// 64 x 64 -> 128-bit multiply folded to 64 bits (wyhash's "mum"): one multiply mixes two words.
__extension__ using Uint128 = unsigned __int128;  // gcc and clang on 64-bit targets
std::uint64_t mum(std::uint64_t a, std::uint64_t b) {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

Microseconds toMicros(double seconds) { return static_cast<Microseconds>(seconds * 1e6); }

// A new connection on a closed one's addresses and ports (a SYN without ACK after a RST, or after
// FIN both ways) ends the closed flow and starts one of its own, as Zeek does for connection
// reuse: merged into the old, already judged flow, the new connection's ClientHello would never
// be read.
bool opensAgain(const Flow& flow, const decode::DecodedPacket& packet) {
  using namespace decode::tcp_flags;
  return flow.protocol == 6 && flow.tcpState == TcpState::kClosed &&
         (packet.tcpFlags & (kSyn | kAck)) == kSyn;
}

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
  // Runs on every packet. Three independent multiplies (the CPU overlaps them) and one to fold:
  // a third of the latency of a chain of per-field rounds. The seed enters both operands of
  // every multiply, so an address chosen to zero one operand still needs the secret seed.
  constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL;
  constexpr std::uint64_t k1 = 0xe7037ed1a0b428dbULL;
  constexpr std::uint64_t k2 = 0x8ebc6af09c88c6e3ULL;
  constexpr std::uint64_t k3 = 0x589965cc75374cc3ULL;
  constexpr std::uint64_t k4 = 0x1d8e4e27c47d124fULL;
  const std::uint64_t s = seed;
  const std::uint64_t r = std::rotl(seed, 32);
  const std::uint64_t ports = (std::uint64_t{key.lowPort} << 48) |
                              (std::uint64_t{key.highPort} << 32) |
                              (std::uint64_t{key.protocol} << 16) | std::uint64_t{key.vlan};
  const std::uint64_t low =
      mum(key.lowAddress.highBits() ^ s ^ k0, key.lowAddress.lowBits() ^ r ^ k1);
  const std::uint64_t high =
      mum(key.highAddress.highBits() ^ s ^ k2, key.highAddress.lowBits() ^ r ^ k3);
  const std::uint64_t rest = mum(ports ^ s ^ k4, r ^ k0);
  return static_cast<std::size_t>(mum(low ^ rest ^ k1, high ^ k2));
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
  hash_ = FlowKeyHash{seed};
  buckets_.assign(1024, nullptr);
  // Slabs of up to 1024 slots (~230 KiB): a small table does not reserve a large one, a large
  // one grows in steps and, once full, reuses its slots without calling the allocator.
  slabSize_ = std::clamp<std::size_t>(options_.maxFlows, 1, 1024);
  shortestTimeout_ = std::min({options_.tcpSynTimeout, options_.tcpEstablishedTimeout,
                               options_.tcpClosedTimeout, options_.udpTimeout,
                               options_.otherTimeout});
}

bool FlowTable::senderIsServer(const decode::DecodedPacket& packet) const {
  if (packet.ipProtocol == 6) {
    constexpr std::uint8_t kSynAck = decode::tcp_flags::kSyn | decode::tcp_flags::kAck;
    // A SYN says who opened the connection; a SYN-ACK seen first means the SYN was missed and
    // its sender is the server.
    if ((packet.tcpFlags & kSynAck) == kSynAck) return true;
    if (packet.tcpFlags & decode::tcp_flags::kSyn) return false;
  }
  auto inside = [this](const IpAddress& address) {
    return std::any_of(options_.clientNetworks.begin(), options_.clientNetworks.end(),
                       [&](const IpRange& range) { return range.contains(address); });
  };
  if (options_.clientNetworks.empty()) return false;
  return !inside(packet.source) && inside(packet.destination);
}

FlowTable::~FlowTable() {
  for (NodeList* list : {&idle_, &recent_}) {
    for (Node* node = list->head; node != nullptr; node = node->next) node->flow.~Flow();
  }
}

void FlowTable::NodeList::pushBack(Node* node) {
  node->prev = tail;
  node->next = nullptr;
  (tail != nullptr ? tail->next : head) = node;
  tail = node;
  size += 1;
}

void FlowTable::NodeList::remove(Node* node) {
  (node->prev != nullptr ? node->prev->next : head) = node->next;
  (node->next != nullptr ? node->next->prev : tail) = node->prev;
  node->prev = node->next = nullptr;
  size -= 1;
}

void FlowTable::NodeList::prependAll(NodeList& other) {
  if (other.head == nullptr) return;
  other.tail->next = head;
  (head != nullptr ? head->prev : tail) = other.tail;
  head = other.head;
  size += other.size;
  other = NodeList{};
}

FlowTable::Node* FlowTable::find(const FlowKey& key, std::size_t hash) const {
  for (Node* node = buckets_[hash & (buckets_.size() - 1)]; node != nullptr; node = node->hashNext)
    if (node->flow.key == key) return node;
  return nullptr;
}

Flow* FlowTable::lookup(const FlowKey& key) {
  Node* node = find(key, hash_(key));
  return node != nullptr ? &node->flow : nullptr;
}

FlowTable::Node* FlowTable::allocate() {
  if (free_ == nullptr) {
    slabs_.push_back(std::make_unique<Node[]>(slabSize_));
    Node* slab = slabs_.back().get();
    for (std::size_t i = slabSize_; i > 0; --i) {
      slab[i - 1].hashNext = free_;
      free_ = &slab[i - 1];
    }
  }
  Node* node = free_;
  free_ = node->hashNext;
  node->hashNext = nullptr;
  return node;
}

void FlowTable::insert(Node* node, std::size_t hash) {
  if (count_ >= buckets_.size()) {
    // Double the buckets: every chain splits in two.
    std::vector<Node*> grown(buckets_.size() * 2, nullptr);
    for (Node* chain : buckets_) {
      while (chain != nullptr) {
        Node* next = chain->hashNext;
        Node*& bucket = grown[hash_(chain->flow.key) & (grown.size() - 1)];
        chain->hashNext = bucket;
        bucket = chain;
        chain = next;
      }
    }
    buckets_.swap(grown);
  }
  Node*& bucket = buckets_[hash & (buckets_.size() - 1)];
  node->hashNext = bucket;
  bucket = node;
  count_ += 1;
}

void FlowTable::unlink(Node* node) {
  Node** link = &buckets_[hash_(node->flow.key) & (buckets_.size() - 1)];
  while (*link != node) link = &(*link)->hashNext;
  *link = node->hashNext;
  count_ -= 1;
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

void FlowTable::end(Node* node, FlowEndReason reason, Timestamp endTime) {
  switch (reason) {
    case FlowEndReason::kIdle: counters_.add("flow.ended.idle"); break;
    case FlowEndReason::kTcpClosed: counters_.add("flow.ended.tcp_closed"); break;
    case FlowEndReason::kEvicted: counters_.add("flow.ended.evicted"); break;
    case FlowEndReason::kShutdown: counters_.add("flow.ended.shutdown"); break;
  }
  if (onEnd_) onEnd_(node->flow, reason, endTime);
  unlink(node);
  (node->idle ? idle_ : recent_).remove(node);
  node->flow.~Flow();
  node->touch = 0;  // due_ entries of this slot are stale from now on
  node->idle = false;
  node->hashNext = free_;
  free_ = node;
}

FlowTable::Node* FlowTable::leastRecent() const {
  return idle_.head != nullptr ? idle_.head : recent_.head;
}

void FlowTable::pushDue(Node* node) {
  // One microsecond early: the exact test (the same double arithmetic as before) is made when
  // the entry comes due, so rounding can only delay the test, never skip a due flow.
  due_.push_back(
      DueEntry{node->flow.lastSeen.micros + toMicros(timeoutFor(node->flow)) - 1, node->touch, node});
  std::push_heap(due_.begin(), due_.end(),
                 [](const DueEntry& a, const DueEntry& b) { return a.due > b.due; });
}

FlowTable::Tracked FlowTable::track(const decode::DecodedPacket& packet) {
  FlowKey key = FlowKey::fromPacket(packet);
  std::size_t hash = hash_(key);
  Node* node = find(key, hash);
  if (node != nullptr) {
    Flow& existing = node->flow;
    double idle = static_cast<double>(packet.time.micros - existing.lastSeen.micros) / 1e6;
    if (idle > timeoutFor(existing)) {
      // Port reuse after the old conversation went quiet: the old flow ends as idle.
      end(node,
          existing.tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle,
          Timestamp{existing.lastSeen.micros + toMicros(timeoutFor(existing))});
      node = nullptr;
    } else if (opensAgain(existing, packet)) {
      end(node, FlowEndReason::kTcpClosed, packet.time);
      node = nullptr;
    }
  }

  Tracked tracked;
  if (node == nullptr) {
    if (count_ >= options_.maxFlows && count_ > 0) {
      end(leastRecent(), FlowEndReason::kEvicted, packet.time);
    }
    node = allocate();
    Flow& fresh = *new (&node->flow) Flow();
    fresh.id = nextId_++;
    fresh.key = key;
    fresh.protocol = packet.ipProtocol;
    fresh.vlan = packet.vlan;
    if ((packet.ipProtocol == 1 || packet.ipProtocol == 58) && packet.payload.size() >= 2) {
      fresh.icmpType = packet.payload[0];
      fresh.icmpCode = packet.payload[1];
    }
    if (senderIsServer(packet)) {
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
    node->touch = nextTouch_++;
    node->idle = false;
    recent_.pushBack(node);
    insert(node, hash);
    counters_.add("flow.created");
    tracked.created = true;
  } else {
    // Most recently active goes to the back: eviction and expiry start at the front.
    (node->idle ? idle_ : recent_).remove(node);
    recent_.pushBack(node);
    node->idle = false;  // its entry in due_ is stale now (the touch no longer matches)
    node->touch = nextTouch_++;
  }

  Flow& flow = node->flow;
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
    for (Node* node = idle_.head; node != nullptr; node = node->next) node->idle = false;
    recent_.prependAll(idle_);
    due_.clear();
  }
  lastExpiry_ = now;
  expireIdle(now);

  Node* node = recent_.head;
  while (node != nullptr) {
    const Flow& flow = node->flow;
    double idle = static_cast<double>(now.micros - flow.lastSeen.micros) / 1e6;
    if (idle <= shortestTimeout_) break;
    Node* next = node->next;
    if (idle > timeoutFor(flow)) {
      FlowEndReason reason =
          flow.tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle;
      end(node, reason, Timestamp{flow.lastSeen.micros + toMicros(timeoutFor(flow))});
    } else {
      recent_.remove(node);
      idle_.pushBack(node);
      node->idle = true;
      pushDue(node);
    }
    node = next;
  }
}

void FlowTable::expireIdle(Timestamp now) {
  auto later = [](const DueEntry& a, const DueEntry& b) { return a.due > b.due; };
  // Entries of flows touched or ended since they were pushed are stale; rebuild when they
  // outnumber the live ones so due_ stays proportional to idle_.
  if (due_.size() > 64 && due_.size() > 2 * idle_.size) {
    due_.clear();
    for (Node* node = idle_.head; node != nullptr; node = node->next) {
      due_.push_back(DueEntry{node->flow.lastSeen.micros + toMicros(timeoutFor(node->flow)) - 1,
                              node->touch, node});
    }
    std::make_heap(due_.begin(), due_.end(), later);
  }
  std::vector<DueEntry> ending;
  std::vector<DueEntry> notYet;
  while (!due_.empty() && due_.front().due <= now.micros) {
    std::pop_heap(due_.begin(), due_.end(), later);
    DueEntry candidate = due_.back();
    due_.pop_back();
    // Slots are never freed before the table: a stale entry reads a touch that no longer
    // matches (touched again, ended, or reused by a newer flow).
    Node* node = candidate.node;
    if (!node->idle || node->touch != candidate.touch) continue;  // stale
    double idle = static_cast<double>(now.micros - node->flow.lastSeen.micros) / 1e6;
    if (idle > timeoutFor(node->flow)) {
      ending.push_back(candidate);
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
  std::sort(ending.begin(), ending.end(),
            [](const DueEntry& a, const DueEntry& b) { return a.touch < b.touch; });
  for (const DueEntry& due : ending) {
    const Flow& flow = due.node->flow;
    FlowEndReason reason =
        flow.tcpState == TcpState::kClosed ? FlowEndReason::kTcpClosed : FlowEndReason::kIdle;
    end(due.node, reason, Timestamp{flow.lastSeen.micros + toMicros(timeoutFor(flow))});
  }
}

void FlowTable::drain(Timestamp now) {
  while (count_ > 0) {
    Node* node = leastRecent();
    Timestamp endTime = std::max(now, node->flow.lastSeen);
    end(node, FlowEndReason::kShutdown, endTime);
  }
}

}  // namespace baawatch::flow
