#include "sharded_pipeline.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <variant>
#include <vector>

#include "baawatch/common/thread_name.hpp"
#include "baawatch/engine/decision_stage.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "flow_stage.hpp"
#include "initiator_table.hpp"
#include "packet_front.hpp"
#include "pipeline_core.hpp"
#include "spsc_ring.hpp"

namespace baawatch::engine {
namespace {

// Packets between two sync markers: how far the decision thread may lag behind the dispatcher
// in a busy second, and how many events a chunk holds.
constexpr std::uint64_t kSyncEvery = 1024;
// A housekeeping marker publishes the streams' chunks only when stats are due, a sync is owed or
// this much wall time has passed since the last publication. Expiry runs at every marker either
// way; publishing only moves chunk boundaries, and the decision thread orders events by sequence
// number whatever the boundaries, so output is the same. It matters when packet time runs faster
// than the wire (a replayed capture spanning hours: a packet-second every few dozen packets),
// where publishing at every marker made the threads trade the CPU through the kernel.
constexpr std::chrono::milliseconds kPublishAtLeastEvery{200};
// Chunks a worker may have published that the decision thread has not taken yet before it waits:
// bounds the memory held in events when the decision thread is the slower side.
constexpr std::size_t kMaxPendingChunks = 64;

// ---- Dispatcher -> worker: a bounded single-producer single-consumer ring. --------------------

enum class ItemKind : std::uint8_t {
  kPacket,        // a packet of one of this worker's flows
  kDnsOnly,       // a DNS answer of another worker's flow: feeds the DNS cache only
  kSync,          // publish the chunk of events made so far
  kHousekeeping,  // expire idle flows at `time`; publish when `publish` (with counters when `stats`)
  kStats,         // publish with counters (SIGUSR1)
  kReload,        // a new snapshot from here on
  kFinish,        // drain every flow at `time`, publish with counters, stop
};

struct WorkItem {
  ItemKind kind = ItemKind::kPacket;
  std::uint64_t seq = 0;
  std::uint64_t packetNumber = 0;
  decode::DecodedPacket packet;       // its spans point into `bytes`
  std::vector<std::uint8_t> bytes;    // the IP datagram (capacity kept from slot to slot)
  Timestamp time{};
  bool stats = false;
  bool publish = true;
  std::shared_ptr<const Snapshot> snapshot;
  ClassifierRebuild rebuild = ClassifierRebuild::kKeep;
};

using WorkRing = SpscRing<WorkItem>;

// ---- Streams -> decision thread: chunks of events. ---------------------------------------------

struct SenderSeen {
  IpAddress address;
  decode::MacAddress mac{};
};
struct MdnsSeen {
  decode::DnsMessage message;
};
struct FlowClassified {
  flow::Flow flow;
  classify::FlowFacts facts;
};
struct FlowEnded {
  flow::Flow flow;
  std::optional<classify::FlowFacts> facts;
  flow::FlowEndReason reason = flow::FlowEndReason::kIdle;
};
struct WorkerCounters {
  Counters counters;
};
// Actions of the decision stage itself, made by the dispatcher at a marker (phase kAction: after
// every worker's events of that marker). `front` holds the dispatcher's counters at the marker.
struct HousekeepingAction {
  bool stats = false;
  Counters front;
};
struct StatsAction {
  Counters front;
};
struct FinishAction {
  Counters front;
};
struct ReloadAction {
  std::shared_ptr<const Snapshot> snapshot;
  SignaturesChanged signatures = SignaturesChanged::kNo;
};

using EventBody = std::variant<SenderSeen, decode::ArpPacket, decode::DhcpMessage, MdnsSeen,
                               classify::DetectorSignal, FlowClassified, FlowEnded, WorkerCounters,
                               HousekeepingAction, StatsAction, FinishAction, ReloadAction>;

enum Phase : std::uint8_t { kPacketPhase = 0, kMarkerPhase = 1, kActionPhase = 2 };

struct Event {
  std::uint64_t seq = 0;
  std::uint8_t phase = kPacketPhase;
  Timestamp time{};
  EventBody body;
};

struct Chunk {
  std::uint64_t markerSeq = 0;
  std::vector<Event> events;
};

// A per-process seed keeps an attacker from aiming flows at one worker.
std::uint64_t randomSeed() {
  std::random_device random;
  return (static_cast<std::uint64_t>(random()) << 32) | random();
}

// The flow without its per-flow classifier state (which stays with the worker).
flow::Flow detachedCopy(const flow::Flow& source) {
  flow::Flow copy;
  copy.id = source.id;
  copy.key = source.key;
  copy.client = source.client;
  copy.server = source.server;
  copy.clientPort = source.clientPort;
  copy.serverPort = source.serverPort;
  copy.protocol = source.protocol;
  copy.vlan = source.vlan;
  copy.icmpType = source.icmpType;
  copy.icmpCode = source.icmpCode;
  copy.clientMac = source.clientMac;
  copy.serverMac = source.serverMac;
  copy.firstSeen = source.firstSeen;
  copy.lastSeen = source.lastSeen;
  copy.toServer = source.toServer;
  copy.toClient = source.toClient;
  copy.tcpState = source.tcpState;
  copy.finToServer = source.finToServer;
  copy.finToClient = source.finToClient;
  return copy;
}

// A stream's chunks wait for the decision thread: a worker's when too many are pending, so
// memory stays bounded; the dispatcher's never (it also feeds the workers that the decision
// thread waits on).
enum class Backpressure : std::uint8_t { kWaitForRoom, kNone };
// Whether a worker's chunk ends with its counters (stats are due).
enum class WithCounters : std::uint8_t { kNo, kYes };

// A marker broadcast to every worker.
struct Marker {
  ItemKind kind = ItemKind::kSync;
  Timestamp time{};
  bool stats = false;    // the workers publish their counters with the chunk
  bool publish = true;   // false: a housekeeping marker the workers apply without publishing
};

// Copies a decoded packet's datagram into `item` and points the copy's spans at it.
void copyPacket(const decode::DecodedPacket& packet, WorkItem& item) {
  std::span<const std::uint8_t> datagram = packet.ipPacket;
  item.bytes.assign(datagram.begin(), datagram.end());
  // One huge (GRO) packet must not leave a slot holding its buffer for good.
  constexpr std::size_t kKeptCapacity = 16384;
  if (item.bytes.capacity() > kKeptCapacity && item.bytes.size() <= kKeptCapacity) {
    item.bytes.shrink_to_fit();
  }
  item.packet = packet;
  std::span<const std::uint8_t> copied(item.bytes.data(), item.bytes.size());
  item.packet.ipPacket = copied;
  const std::uint8_t* begin = datagram.data();
  const std::uint8_t* payload = packet.payload.data();
  if (!packet.payload.empty() && begin != nullptr && payload >= begin &&
      payload + packet.payload.size() <= begin + datagram.size()) {
    item.packet.payload =
        copied.subspan(static_cast<std::size_t>(payload - begin), packet.payload.size());
  } else {
    item.packet.payload = {};
  }
}

class ShardedPipeline final : public PipelineCore {
 public:
  ShardedPipeline(Snapshot snapshot, sink::RecordSink& sink, record::RecordOrigin origin,
                  unsigned workerCount)
      : PipelineCore(std::move(snapshot)),
        shardClinical_(snapshot_.policy),
        hash_{randomSeed()},
        initiators_(snapshot_.settings.flows.maxFlows, snapshot_.settings.flows, hash_),
        decision_(snapshot_, sink, std::move(origin)),
        streams_(workerCount + 1) {
    workers_.reserve(workerCount);
    for (unsigned index = 0; index < workerCount; ++index) {
      workers_.push_back(std::make_unique<Worker>(snapshot_, index, workerCount));
    }
    for (auto& worker : workers_) {
      worker->thread = std::thread([this, raw = worker.get()] { runWorker(*raw); });
    }
    decisionThread_ = std::thread([this] { runDecision(); });
  }

  ~ShardedPipeline() override {
    if (!finished_) finish();
  }

  void process(const capture::RawPacket& packet) override {
    front_.process(packet, *this);
    ++sinceSync_;
    if (front_.housekeepingDue()) {
      housekeeping();
    } else if (sinceSync_ >= kSyncEvery) {
      broadcastMarker({ItemKind::kSync});
    }
  }

  void finish() override {
    if (finished_) return;
    finished_ = true;
    std::uint64_t seq = broadcastMarker({ItemKind::kFinish, front_.now()});
    dispatcherEvent(seq, kActionPhase, FinishAction{frontCounters()}, front_.now());
    publishDispatcherChunk(seq);
    for (auto& worker : workers_) worker->thread.join();
    decisionThread_.join();
  }

  Counters counters() const override {
    std::lock_guard lock(countersMutex_);
    if (lastStats_) return *lastStats_;
    return frontCounters();
  }

  void tick(Timestamp now) override {
    front_.advanceTo(now);
    if (front_.housekeepingDue()) {
      housekeeping();
    } else if ((sinceSync_ > 0 || unpublished_) && publishedLongAgo()) {
      // A quiet wire: let the decision thread catch up with what was captured (and expired).
      // The runner ticks every few hundred packets on a busy one, where syncs already flow.
      broadcastMarker({ItemKind::kSync});
    }
  }

  void writeStats() override {
    std::uint64_t seq = broadcastMarker({ItemKind::kStats, front_.now()});
    dispatcherEvent(seq, kActionPhase, StatsAction{frontCounters()}, front_.now());
    publishDispatcherChunk(seq);
  }

  void applyReload(const ReloadPlan& plan) override {
    // The initiator table keeps the flow timeouts it started with, as the workers' flow tables
    // do (flows.timeouts apply at restart): with shorter ones here, a flow the worker still holds
    // could lose its initiator and its next packet go to another worker.
    auto shared = std::make_shared<const Snapshot>(snapshot_);
    std::uint64_t seq = nextSeq_++;
    for (auto& worker : workers_) {
      WorkItem& item = worker->ring.claim();
      item.kind = ItemKind::kReload;
      item.seq = seq;
      item.snapshot = shared;
      item.rebuild = plan.classifier;
      worker->ring.commit();
      worker->ring.wakeConsumer();
    }
    notePublished();
    dispatcherEvent(seq, kActionPhase, ReloadAction{shared, plan.signatures});
    publishDispatcherChunk(seq);
  }

 private:
  struct Worker final : FlowEvents {
    Worker(const Snapshot& snapshot, unsigned workerIndex, unsigned workerCount)
        : index(workerIndex), stage(snapshot, *this, workerCount) {}

    void signal(const classify::DetectorSignal& signal) override {
      add(Event{seq, phase, signal.time, signal});
    }
    void classified(const flow::Flow& flow, const classify::FlowFacts& facts,
                    Timestamp time) override {
      add(Event{seq, phase, time, FlowClassified{detachedCopy(flow), facts}});
    }
    void ended(const flow::Flow& flow, const classify::FlowFacts* facts,
               flow::FlowEndReason reason, Timestamp endTime) override {
      std::optional<classify::FlowFacts> copied;
      if (facts != nullptr) copied = *facts;
      add(Event{seq, phase, endTime, FlowEnded{detachedCopy(flow), std::move(copied), reason}});
    }
    void add(Event event) { chunk.events.push_back(std::move(event)); }

    unsigned index;
    FlowStage stage;
    WorkRing ring;
    Chunk chunk;
    std::uint64_t seq = 0;        // of the item being processed
    std::uint8_t phase = kPacketPhase;
    std::thread thread;
  };

  // ---- Dispatcher (the calling thread). ----

  // FrontObserver: side channels become events of the dispatcher's stream; flow packets go to
  // their worker.
  void arp(const decode::ArpPacket& arp, Timestamp time) override {
    senderFilter_.observeArp(arp);
    dispatcherEvent(nextSeq_++, kPacketPhase, arp, time);
  }
  void sender(const IpAddress& address, const decode::MacAddress& mac, Timestamp time) override {
    // One event per change of what the inventory knows, not one per packet.
    if (senderFilter_.observeSender(address, mac)) {
      pending_.push_back(Event{0, kPacketPhase, time, SenderSeen{address, mac}});
    }
  }
  void dhcp(const decode::DhcpMessage& dhcp, Timestamp time) override {
    senderFilter_.observeDhcp(dhcp);
    pending_.push_back(Event{0, kPacketPhase, time, dhcp});
  }
  void mdns(const decode::DnsMessage& mdns, Timestamp time) override {
    pending_.push_back(Event{0, kPacketPhase, time, MdnsSeen{mdns}});
  }
  void flowPacket(const decode::DecodedPacket& packet, std::uint64_t packetNumber) override {
    std::uint64_t seq = nextSeq_++;
    flushPendingSideChannels(seq);
    Worker& owner = *workers_[shardOf(packet)];
    WorkItem& item = owner.ring.claim();
    item.kind = ItemKind::kPacket;
    item.seq = seq;
    item.packetNumber = packetNumber;
    copyPacket(packet, item);
    owner.ring.commit();
    if (isDnsCandidate(packet)) {
      for (auto& worker : workers_) {
        if (worker.get() == &owner) continue;
        WorkItem& copy = worker->ring.claim();
        copy.kind = ItemKind::kDnsOnly;
        copy.seq = seq;
        copyPacket(packet, copy);
        worker->ring.commit();
      }
    }
  }

  // The worker of a packet's flow: a symmetric hash of the address of its device side, by the
  // rule the decision stage applies to the flow (the clinical endpoint when exactly one is, the
  // initiator otherwise, remembered for the flow's life). So all flows of one device meet in one
  // worker, where nDPI's own caches (keyed by the client address: its Teams, Zoom and STUN
  // caches) see them together as they would with one worker.
  unsigned shardOf(const decode::DecodedPacket& packet) {
    flow::FlowKey key = flow::FlowKey::fromPacket(packet);
    bool lowClinical = shardClinical_.isClinical(key.lowAddress);
    bool highClinical = shardClinical_.isClinical(key.highAddress);
    // The VLAN is left out on purpose: nDPI's caches are keyed by address alone, so one address
    // seen on two VLANs must meet in one worker for its labels to match those of one worker.
    flow::FlowKey deviceSide;
    if (lowClinical != highClinical) {
      deviceSide.lowAddress = lowClinical ? key.lowAddress : key.highAddress;
    } else {
      deviceSide.lowAddress = initiatorOf(key, packet);
    }
    return static_cast<unsigned>(hash_(deviceSide) % workers_.size());
  }

  const IpAddress& initiatorOf(const flow::FlowKey& key, const decode::DecodedPacket& packet) {
    const IpAddress* initiator = initiators_.initiatorOf(key, packet.source, packet.time);
    if (initiator != nullptr) return *initiator;
    // Flood of flows between hosts on one side: the lower address stands in. A flow that began
    // while the table was full may then meet its initiator's entry later and move; counted, so
    // the stats say when that could have happened.
    count("dispatch.initiator_table_full");
    return key.lowAddress;
  }

  // Side channels seen on a packet that then goes to a worker carry that packet's number, so
  // they come before its flow's events; those on a packet that does not (a later fragment) get
  // their own.
  void flushPendingSideChannels(std::uint64_t seq) {
    for (Event& event : pending_) {
      event.seq = seq;
      dispatcherChunk_.events.push_back(std::move(event));
    }
    pending_.clear();
  }

  void dispatcherEvent(std::uint64_t seq, std::uint8_t phase, EventBody body, Timestamp time = {}) {
    flushPendingSideChannels(seq);
    dispatcherChunk_.events.push_back(Event{seq, phase, time, std::move(body)});
  }

  // Sends a marker to every worker; returns its sequence number. Side channels still pending
  // (of a packet that went to no worker) take a number just before it.
  std::uint64_t broadcastMarker(const Marker& marker) {
    if (!pending_.empty()) flushPendingSideChannels(nextSeq_++);
    std::uint64_t seq = nextSeq_++;
    for (auto& worker : workers_) {
      WorkItem& item = worker->ring.claim();
      item.kind = marker.kind;
      item.seq = seq;
      item.time = marker.time;
      item.stats = marker.stats;
      item.publish = marker.publish;
      item.snapshot.reset();
      worker->ring.commit();
      // A published marker is seen at once (a quiet wire's sync, stop).
      if (marker.publish) worker->ring.wakeConsumer();
    }
    if (marker.publish) {
      notePublished();
    } else {
      unpublished_ = true;
    }
    if (marker.kind == ItemKind::kSync) publishDispatcherChunk(seq);
    return seq;
  }

  // Every stream has just handed its chunk over (a published marker or a reload).
  void notePublished() {
    sinceSync_ = 0;
    unpublished_ = false;
    lastPublished_ = std::chrono::steady_clock::now();
  }

  bool publishedLongAgo() const {
    return std::chrono::steady_clock::now() - lastPublished_ >= kPublishAtLeastEvery;
  }

  void housekeeping() {
    initiators_.advance(front_.now());
    bool stats = front_.statsDue(snapshot_.settings.output.statsInterval);
    bool publish = stats || sinceSync_ >= kSyncEvery || publishedLongAgo();
    std::uint64_t seq = broadcastMarker({ItemKind::kHousekeeping, front_.now(), stats, publish});
    HousekeepingAction action{stats, {}};
    if (stats) action.front = frontCounters();
    dispatcherEvent(seq, kActionPhase, std::move(action), front_.now());
    if (publish) publishDispatcherChunk(seq);
  }

  void publishDispatcherChunk(std::uint64_t markerSeq) {
    dispatcherChunk_.markerSeq = markerSeq;
    publish(0, std::move(dispatcherChunk_), Backpressure::kNone);
    dispatcherChunk_ = Chunk{};
  }

  // ---- Streams. Stream 0 is the dispatcher's, stream i+1 worker i's. ----

  void publish(std::size_t stream, Chunk chunk, Backpressure backpressure) {
    std::unique_lock lock(publishMutex_);
    if (backpressure == Backpressure::kWaitForRoom) {
      roomForChunks_.wait(lock, [&] { return streams_[stream].size() < kMaxPendingChunks; });
    }
    streams_[stream].push_back(std::move(chunk));
    chunksReady_.notify_one();
  }

  void runWorker(Worker& worker) {
    nameThisThread("bw-worker-" + std::to_string(worker.index));
    for (;;) {
      WorkItem& item = worker.ring.front();
      worker.seq = item.seq;
      worker.phase = kPacketPhase;
      bool stop = false;
      switch (item.kind) {
        case ItemKind::kPacket: worker.stage.track(item.packet, item.packetNumber); break;
        case ItemKind::kDnsOnly: worker.stage.observeDnsOnly(item.packet); break;
        case ItemKind::kSync: publishWorkerChunk(worker, WithCounters::kNo); break;
        case ItemKind::kHousekeeping:
          worker.phase = kMarkerPhase;
          worker.stage.expire(item.time);
          if (item.publish) {
            publishWorkerChunk(worker, item.stats ? WithCounters::kYes : WithCounters::kNo);
          }
          break;
        case ItemKind::kStats:
          worker.phase = kMarkerPhase;
          publishWorkerChunk(worker, WithCounters::kYes);
          break;
        case ItemKind::kReload:
          worker.stage.replaceSnapshot(*item.snapshot, item.rebuild);
          item.snapshot.reset();
          publishWorkerChunk(worker, WithCounters::kNo);
          break;
        case ItemKind::kFinish:
          worker.phase = kMarkerPhase;
          worker.stage.drain(item.time);
          publishWorkerChunk(worker, WithCounters::kYes);
          stop = true;
          break;
      }
      worker.ring.pop();
      if (stop) return;
    }
  }

  void publishWorkerChunk(Worker& worker, WithCounters withCounters) {
    if (withCounters == WithCounters::kYes) {
      // Every worker's DNS cache sees every answer: count the cache once.
      DnsCacheCounters dnsCache =
          worker.index == 0 ? DnsCacheCounters::kInclude : DnsCacheCounters::kLeaveOut;
      worker.add(Event{worker.seq, kMarkerPhase, {}, WorkerCounters{worker.stage.counters(dnsCache)}});
    }
    worker.chunk.markerSeq = worker.seq;
    publish(worker.index + 1, std::move(worker.chunk), Backpressure::kWaitForRoom);
    worker.chunk = Chunk{};
  }

  // ---- Decision thread. ----

  void runDecision() {
    nameThisThread("bw-decision");
    std::vector<Chunk> current(streams_.size());
    struct Ref {
      std::uint64_t seq;
      std::uint8_t phase;
      std::size_t stream;
      std::size_t index;
    };
    std::vector<Ref> order;
    for (;;) {
      {
        std::unique_lock lock(publishMutex_);
        chunksReady_.wait(lock, [&] {
          return std::all_of(streams_.begin(), streams_.end(),
                             [](const std::deque<Chunk>& chunks) { return !chunks.empty(); });
        });
        for (std::size_t stream = 0; stream < streams_.size(); ++stream) {
          current[stream] = std::move(streams_[stream].front());
          streams_[stream].pop_front();
          // Every stream publishes one chunk per marker, in marker order.
          assert(current[stream].markerSeq == current[0].markerSeq);
        }
        roomForChunks_.notify_all();
      }
      order.clear();
      for (std::size_t stream = 0; stream < current.size(); ++stream) {
        const auto& events = current[stream].events;
        for (std::size_t index = 0; index < events.size(); ++index) {
          order.push_back(Ref{events[index].seq, events[index].phase, stream, index});
        }
      }
      // Each stream's events are already in order; sorting the refs interleaves them by
      // (sequence, phase), the dispatcher's side channels first, then workers by index.
      std::stable_sort(order.begin(), order.end(), [](const Ref& a, const Ref& b) {
        if (a.seq != b.seq) return a.seq < b.seq;
        if (a.phase != b.phase) return a.phase < b.phase;
        return a.stream < b.stream;
      });
      bool finished = false;
      for (const Ref& ref : order) {
        finished = apply(current[ref.stream].events[ref.index]) || finished;
      }
      if (finished) return;
    }
  }

  // Returns true after the finish action.
  bool apply(Event& event) {
    return std::visit(
        [&](auto& body) -> bool {
          using Body = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<Body, SenderSeen>) {
            decision_.observeSender(body.address, body.mac, event.time);
          } else if constexpr (std::is_same_v<Body, decode::ArpPacket>) {
            decision_.observeArp(body, event.time);
          } else if constexpr (std::is_same_v<Body, decode::DhcpMessage>) {
            decision_.observeDhcp(body, event.time);
          } else if constexpr (std::is_same_v<Body, MdnsSeen>) {
            decision_.observeMdns(body.message, event.time);
          } else if constexpr (std::is_same_v<Body, classify::DetectorSignal>) {
            decision_.observeSignal(body);
          } else if constexpr (std::is_same_v<Body, FlowClassified>) {
            decision_.onClassified(body.flow, body.facts, event.time);
          } else if constexpr (std::is_same_v<Body, FlowEnded>) {
            decision_.onFlowEnd(body.flow, body.facts ? &*body.facts : nullptr, body.reason,
                                event.time);
          } else if constexpr (std::is_same_v<Body, WorkerCounters>) {
            workerCounters_.merge(body.counters);
          } else if constexpr (std::is_same_v<Body, HousekeepingAction>) {
            decision_.housekeeping(event.time);
            if (body.stats) writeMergedStats(body.front, event.time, StatsRecord::kPeriodic);
          } else if constexpr (std::is_same_v<Body, StatsAction>) {
            writeMergedStats(body.front, event.time, StatsRecord::kPeriodic);
          } else if constexpr (std::is_same_v<Body, FinishAction>) {
            decision_.flushAll();
            writeMergedStats(body.front, event.time, StatsRecord::kFinal);
            decision_.flushSink();
            return true;
          } else if constexpr (std::is_same_v<Body, ReloadAction>) {
            decision_.replaceSnapshot(*body.snapshot, body.signatures);
          }
          return false;
        },
        event.body);
  }

  void writeMergedStats(const Counters& front, Timestamp time, StatsRecord kind) {
    Counters merged;
    merged.merge(front);
    merged.merge(workerCounters_);
    merged.merge(decision_.counters());
    workerCounters_ = Counters{};
    decision_.writeStats(merged, time, kind);
    std::lock_guard lock(countersMutex_);
    lastStats_ = std::move(merged);
  }

  // Dispatcher-owned (with PipelineCore's snapshot, front and counters).
  // The clinical networks that place flows on workers: those of the first snapshot, for good, so
  // a reload never splits an open flow between two workers.
  policy::PolicyEngine shardClinical_;
  inventory::SenderChangeFilter senderFilter_;
  flow::FlowKeyHash hash_;
  InitiatorTable initiators_;  // keyed with hash_, declared before it
  std::vector<Event> pending_;  // side channels of the packet being read, before its number is known
  Chunk dispatcherChunk_;
  std::uint64_t nextSeq_ = 1;
  std::uint64_t sinceSync_ = 0;  // packets since the last published marker
  std::chrono::steady_clock::time_point lastPublished_ = std::chrono::steady_clock::now();
  bool unpublished_ = false;  // a housekeeping marker's events wait for the next publication
  bool finished_ = false;

  // Decision-thread-owned.
  DecisionStage decision_;
  Counters workerCounters_;

  // Shared between threads.
  std::mutex publishMutex_;
  std::condition_variable chunksReady_;
  std::condition_variable roomForChunks_;
  std::vector<std::deque<Chunk>> streams_;
  mutable std::mutex countersMutex_;
  std::optional<Counters> lastStats_;

  std::vector<std::unique_ptr<Worker>> workers_;
  std::thread decisionThread_;
};

}  // namespace

std::unique_ptr<PacketPipeline> makeShardedPipeline(Snapshot snapshot, sink::RecordSink& sink,
                                                    record::RecordOrigin origin, unsigned workers) {
  return std::make_unique<ShardedPipeline>(std::move(snapshot), sink, std::move(origin),
                                           workers);
}

}  // namespace baawatch::engine
