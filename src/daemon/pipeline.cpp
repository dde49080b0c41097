#include "baawatch/daemon/pipeline.hpp"

#include "baawatch/decode/dhcp_message.hpp"
#include "baawatch/decode/dns_message.hpp"

namespace baawatch::daemon {
namespace {

constexpr Microseconds kHousekeepingEvery = 1000000;  // expiry and flushing once a packet-second

flow::FlowTableOptions flowOptions(const FlowSettings& settings) {
  flow::FlowTableOptions options;
  options.maxFlows = settings.maxFlows;
  options.tcpSynTimeout = settings.tcpSynTimeout;
  options.tcpEstablishedTimeout = settings.tcpEstablishedTimeout;
  options.tcpClosedTimeout = settings.tcpClosedTimeout;
  options.udpTimeout = settings.udpTimeout;
  options.otherTimeout = settings.otherTimeout;
  return options;
}

classify::ClassifierOptions classifierOptions(const Settings& settings) {
  classify::ClassifierOptions options;
  options.ndpiPacketBudget = settings.flows.ndpiPacketBudget;
  options.dnsCache.maxEntries = settings.dnsCache.maxEntries;
  options.dnsCache.minTtl = settings.dnsCache.minTtl;
  options.dnsCache.maxTtl = settings.dnsCache.maxTtl;
  return options;
}

}  // namespace

Pipeline::Pipeline(Snapshot snapshot, sink::RecordSink& sink, std::string sensorName)
    : snapshot_(std::move(snapshot)),
      sink_(sink),
      sensorName_(std::move(sensorName)),
      builder_(sink::RecordContext{sensorName_,
                                   snapshot_.policy->clinicName.value_or(""),
                                   snapshot_.policy->version, snapshot_.catalog->version}),
      classifier_(std::make_unique<classify::FlowClassifier>(snapshot_.catalog,
                                                             classifierOptions(snapshot_.settings))),
      attachments_(snapshot_.catalog),
      policyEngine_(snapshot_.policy),
      encounters_(snapshot_.settings.output.encounterGap,
                  [this](const policy::Encounter& encounter) {
                    sink_.write(builder_.encounter(encounter));
                  }),
      intervalCounts_(snapshot_.settings.output.countsInterval,
                      [this](const policy::IntervalCount& count) {
                        sink_.write(builder_.counts(count));
                      }),
      flows_(flowOptions(snapshot_.settings.flows),
             [this](flow::Flow& flow, flow::FlowEndReason reason, Timestamp endTime) {
               onFlowEnd(flow, reason, endTime);
             }) {}

const decode::PacketDecoder& Pipeline::decoderFor(int linkType) {
  auto it = decoders_.find(linkType);
  if (it == decoders_.end()) it = decoders_.emplace(linkType, decode::PacketDecoder(linkType)).first;
  return it->second;
}

void Pipeline::process(const capture::RawPacket& raw) {
  counters_.add("capture.packets");
  counters_.add("capture.bytes", raw.wireLength);
  if (!started_ || raw.time > now_) now_ = raw.time;
  if (!started_) {
    lastHousekeeping_ = raw.time;
    lastStats_ = raw.time;
    started_ = true;
  }

  auto decoded = decoderFor(raw.linkType).decode(raw.data, raw.wireLength, raw.time);
  if (!decoded) {
    counters_.add(decode::counterName(decoded.error()));
    if (decoded.error() != decode::DecodeError::kNotIp) counters_.add("decode.malformed");
  } else if (auto* arp = std::get_if<decode::ArpPacket>(&*decoded)) {
    counters_.add("decode.arp");
    inventory_.observeArp(*arp, raw.time);
  } else {
    const auto& packet = std::get<decode::DecodedPacket>(*decoded);
    counters_.add("decode.ip");
    observeSideChannels(packet);
    if (packet.isFragment && packet.payload.empty() && packet.sourcePort == 0) {
      // Later fragments carry no ports: they cannot be placed in a flow without reassembly.
      counters_.add("decode.fragment_skipped");
    } else {
      auto tracked = flows_.track(packet);
      if (attachments_.isPushActivity(packet)) {
        const flow::Flow& push = *tracked.flow;
        bool deviceIsClient = policyEngine_.isClinical(push.client);
        inventory::Device device = inventory_.lookup(deviceIsClient ? push.client : push.server,
                                                     deviceIsClient ? push.clientMac : push.serverMac);
        attachments_.observePushActivity(device.id, packet.time);
      }
      if (classifier_->onPacket(*tracked.flow, packet, tracked.direction)) {
        onClassified(*tracked.flow, packet.time);
      }
    }
  }
  if (now_.micros - lastHousekeeping_.micros >= kHousekeepingEvery) housekeeping(now_);
}

void Pipeline::observeSideChannels(const decode::DecodedPacket& packet) {
  if (packet.sourceMac && policyEngine_.isClinical(packet.source)) {
    inventory_.observeSender(packet.source, *packet.sourceMac, packet.time);
  }
  if (packet.transport != decode::Transport::kUdp && packet.transport != decode::Transport::kTcp)
    return;
  bool udp = packet.transport == decode::Transport::kUdp;
  if (udp && ((packet.sourcePort == 68 && packet.destinationPort == 67) ||
              (packet.sourcePort == 67 && packet.destinationPort == 68))) {
    auto dhcp = decode::parseDhcpMessage(packet.payload);
    if (dhcp) {
      inventory_.observeDhcp(*dhcp, packet.time);
    } else {
      counters_.add(decode::counterName(dhcp.error()));
    }
    return;
  }
  if (udp && (packet.sourcePort == 5353 || packet.destinationPort == 5353)) {
    auto mdns = decode::parseDnsMessage(packet.payload);
    if (mdns) {
      inventory_.observeMdns(*mdns, packet.time);
    } else {
      counters_.add("decode.mdns.malformed");
    }
    return;
  }
  if (packet.sourcePort == 53) {
    std::span<const std::uint8_t> message = packet.payload;
    // DNS over TCP prefixes each message with its length (RFC 1035 §4.2.2); only messages that
    // start a segment are read.
    if (!udp) message = message.size() > 2 ? message.subspan(2) : std::span<const std::uint8_t>{};
    if (message.empty()) return;
    auto dns = decode::parseDnsMessage(message);
    if (dns) {
      if (dns->isResponse) classifier_->observeDnsResponse(packet.destination, *dns, packet.time);
    } else {
      counters_.add(decode::counterName(dns.error()));
    }
  }
}

void Pipeline::onClassified(flow::Flow& flow, Timestamp time) {
  classify::FlowFacts* facts = classify::FlowClassifier::mutableFacts(flow);
  if (facts == nullptr) return;
  // The clinic device is the endpoint inside the clinical networks, the client when both are.
  bool deviceIsClient = policyEngine_.isClinical(flow.client) || !policyEngine_.isClinical(flow.server);
  const IpAddress& address = deviceIsClient ? flow.client : flow.server;
  inventory::Device device =
      inventory_.lookup(address, deviceIsClient ? flow.clientMac : flow.serverMac);
  if (!facts->verdict) {
    facts->verdict = attachments_.assess(device.id, flow, *facts);
    if (!facts->verdict) return;
    counters_.add("classify.attachment_possible");
  }
  classify::Verdict& verdict = *facts->verdict;
  if (sessions_.refine(device.id, verdict, time)) counters_.add("classify.context_refined");
  sessions_.observe(device.id, verdict, time);
  policy::Decision decision = policyEngine_.decide(verdict, device, flow.vlan, time);
  if (decision.action == policy::Action::kIgnore) return;

  if ((decision.action == policy::Action::kAlert || decision.action == policy::Action::kVisibility) &&
      !decision.suppressed) {
    sink_.write(builder_.decision(flow, deviceIsClient, verdict, device, decision, time));
  }
  FlowPolicyState state;
  state.device = device;
  state.deviceIsClient = deviceIsClient;
  state.counted = true;
  if (decision.policyRule != "presence") {
    state.encounterKey = encounters_.flowClassified(flow, verdict, device, decision);
  }
  intervalCounts_.flowClassified(verdict, device, decision, time);
  flowPolicy_[flow.id] = std::move(state);
}

void Pipeline::onFlowEnd(flow::Flow& flow, flow::FlowEndReason reason, Timestamp endTime) {
  if (classifier_->onFlowEnd(flow)) onClassified(flow, endTime);
  const classify::FlowFacts* facts = classify::FlowClassifier::facts(flow);
  auto state = flowPolicy_.find(flow.id);
  if (state != flowPolicy_.end() && facts != nullptr && facts->verdict) {
    if (!state->second.encounterKey.empty()) {
      encounters_.flowEnded(state->second.encounterKey, flow, state->second.deviceIsClient,
                            *facts->verdict);
    }
    intervalCounts_.flowEnded(flow, state->second.deviceIsClient, *facts->verdict,
                              state->second.device, endTime);
  }
  if (state != flowPolicy_.end()) flowPolicy_.erase(state);
  if (snapshot_.settings.output.flowRecords) {
    sink_.write(builder_.flow(flow, facts, reason, endTime));
  }
}

void Pipeline::housekeeping(Timestamp now) {
  lastHousekeeping_ = now;
  flows_.expire(now);
  encounters_.flushIdle(now);
  intervalCounts_.flushBefore(now);
  double statsInterval = snapshot_.settings.output.statsInterval;
  if (statsInterval > 0 &&
      now.micros - lastStats_.micros >= static_cast<Microseconds>(statsInterval * 1e6)) {
    lastStats_ = now;
    sink_.write(builder_.stats(counters(), now, false));
  }
}

void Pipeline::finish() {
  flows_.drain(now_);
  encounters_.flushAll();
  intervalCounts_.flushAll();
  sink_.write(builder_.stats(counters(), now_, true));
  sink_.flush();
}

Counters Pipeline::counters() const {
  Counters merged;
  merged.merge(counters_);
  merged.merge(flows_.counters());
  merged.merge(classifier_->counters());
  merged.merge(classifier_->dnsCache().counters());
  merged.merge(policyEngine_.counters());
  merged.merge(inventory_.counters());
  merged.merge(retiredPolicyCounters_);
  for (const auto& source : counterSources_) merged.merge(source());
  merged.add("flow.active", flows_.size());
  return merged;
}

void Pipeline::tick(Timestamp now) {
  if (!started_) {
    // Nothing captured yet: the first packet or tick starts the clocks.
    now_ = now;
    lastHousekeeping_ = now;
    lastStats_ = now;
    started_ = true;
    return;
  }
  if (now > now_) now_ = now;
  if (now_.micros - lastHousekeeping_.micros >= kHousekeepingEvery) housekeeping(now_);
}

void Pipeline::writeStats() { sink_.write(builder_.stats(counters(), now_, false)); }

void Pipeline::replaceSnapshot(Snapshot snapshot) {
  bool signaturesChanged = snapshot.catalog->version != snapshot_.catalog->version;
  snapshot_ = std::move(snapshot);
  builder_ = sink::RecordBuilder(sink::RecordContext{sensorName_,
                                                     snapshot_.policy->clinicName.value_or(""),
                                                     snapshot_.policy->version,
                                                     snapshot_.catalog->version});
  retiredPolicyCounters_.merge(policyEngine_.counters());
  policyEngine_ = policy::PolicyEngine(snapshot_.policy);
  if (signaturesChanged) {
    // Open flows keep their per-flow state (their nDPI flow structs free themselves and verdicts
    // hold their own catalog); only the engine that judges what comes next changes.
    retiredPolicyCounters_.merge(classifier_->counters());
    classifier_ = std::make_unique<classify::FlowClassifier>(snapshot_.catalog,
                                                             classifierOptions(snapshot_.settings));
    attachments_ = classify::AttachmentCorrelator(snapshot_.catalog);
    counters_.add("daemon.reload.classifier_rebuilt");
  }
  counters_.add("daemon.reload.applied");
}

}  // namespace baawatch::daemon
