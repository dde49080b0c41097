#include "baawatch/record/record_builder.hpp"

#include "baawatch/record/community_id.hpp"

namespace baawatch::record {
namespace {

std::string protocolName(std::uint8_t protocol) {
  switch (protocol) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    default: return std::to_string(protocol);
  }
}

nlohmann::json directionStats(const flow::DirectionStats& stats) {
  return {{"packets", stats.packets}, {"bytes", stats.bytes}, {"payload_bytes", stats.payloadBytes}};
}

double secondsBetween(Timestamp from, Timestamp to) {
  return static_cast<double>(to.micros - from.micros) / 1e6;
}

// What the evidence can and cannot show, in words: the caveats of the rules that matched.
std::string interpretation(const std::vector<classify::Evidence>& evidence) {
  std::string text;
  for (const auto& item : evidence) {
    if (item.caveat.empty() || text.find(item.caveat) != std::string::npos) continue;
    if (!text.empty()) text += " ";
    text += item.caveat;
  }
  return text;
}

nlohmann::json flowEndpoints(const flow::Flow& flow) {
  return {{"client_ip", flow.client.toString()},
          {"client_port", flow.clientPort},
          {"server_ip", flow.server.toString()},
          {"server_port", flow.serverPort},
          {"protocol", protocolName(flow.protocol)},
          {"vlan", flow.vlan},
          {"first_seen", formatRfc3339(flow.firstSeen)}};
}

}  // namespace

nlohmann::json RecordBuilder::header(EventType eventType, Timestamp time) const {
  nlohmann::json record;
  record["event_type"] = toString(eventType);
  record["schema_version"] = kSchemaVersion;
  record["timestamp"] = formatRfc3339(time);
  record["sensor"] = context_.sensor;
  if (!context_.clinic.empty()) record["clinic"] = context_.clinic;
  record["site"] = context_.site;
  if (!context_.tenant.empty()) record["tenant"] = context_.tenant;
  return record;
}

std::string RecordBuilder::flowId(const flow::Flow& flow) const {
  return context_.runId + ":" + std::to_string(flow.id);
}

nlohmann::json RecordBuilder::device(const inventory::Device& device) {
  nlohmann::json json;
  json["id"] = device.id;
  json["ip"] = device.ip.toString();
  json["mac"] = device.mac ? nlohmann::json(decode::formatMac(*device.mac)) : nlohmann::json();
  json["host_name"] = device.hostName.empty() ? nlohmann::json() : nlohmann::json(device.hostName);
  if (!device.hostNameSource.empty()) json["host_name_source"] = device.hostNameSource;
  if (!device.dhcpClientId.empty()) json["dhcp_client_id"] = device.dhcpClientId;
  return json;
}

nlohmann::json RecordBuilder::evidence(const classify::Evidence& evidence) {
  return {{"rule_id", evidence.ruleId},
          {"field", classify::toString(evidence.field)},
          {"value", evidence.value},
          {"packet_time", formatRfc3339(evidence.time)},
          {"confidence", classify::toString(evidence.confidence)},
          {"reason", evidence.reason}};
}


nlohmann::json RecordBuilder::service(const classify::ServiceSignature& service) {
  return {{"id", service.id},
          {"name", service.name},
          {"vendor", service.vendor},
          {"category", classify::toString(service.category)},
          {"baa_status", classify::toString(service.baaStatus)},
          {"baa_statement", service.baaStatement},
          {"baa_source", service.baaSource}};
}

nlohmann::json RecordBuilder::decision(const flow::Flow& flow, const classify::Verdict& verdict,
                                       const inventory::Device& deviceInfo,
                                       const policy::Decision& decision, Timestamp time) const {
  bool isVisibility = decision.action == policy::Action::kVisibility;
  nlohmann::json record = header(isVisibility ? EventType::kVisibility : EventType::kAlert, time);
  record["alert_id"] = decision.dedupKey;
  record["device"] = device(deviceInfo);
  record["service"] = service(*verdict.service);
  record["confidence"] = classify::toString(verdict.confidence);
  record["severity"] = policy::toString(decision.severity);
  record["kind"] = classify::toString(verdict.kind);
  if (!verdict.media.empty()) record["media"] = verdict.media;
  nlohmann::json evidenceList = nlohmann::json::array();
  for (const auto& item : verdict.evidence) evidenceList.push_back(evidence(item));
  record["evidence"] = std::move(evidenceList);
  if (auto text = interpretation(verdict.evidence); !text.empty()) record["interpretation"] = text;
  record["flow"] = flowEndpoints(flow);
  record["flow_id"] = flowId(flow);
  record["community_id"] = communityId(flow);
  record["policy"] = {{"rule", decision.policyRule},
                      {"action", policy::toString(decision.action)},
                      {"reason", decision.reason},
                      {"version", context_.policyVersion}};
  record["signatures_version"] = context_.signaturesVersion;
  return record;
}

nlohmann::json RecordBuilder::encounter(const policy::Encounter& encounter) const {
  nlohmann::json record = header(EventType::kEncounter, encounter.end);
  record["encounter_id"] = encounter.id;
  record["device"] = device(encounter.device);
  record["service"] = service(*encounter.service);
  record["start"] = formatRfc3339(encounter.start);
  record["end"] = formatRfc3339(encounter.end);
  record["duration_seconds"] = secondsBetween(encounter.start, encounter.end);
  record["kind"] = classify::toString(encounter.kind);
  if (!encounter.media.empty()) record["media"] = encounter.media;
  record["confidence"] = classify::toString(encounter.confidence);
  record["flows"] = encounter.flows;
  record["from_device"] = directionStats(encounter.fromDevice);
  record["to_device"] = directionStats(encounter.toDevice);
  record["remote_addresses"] = encounter.servers;
  record["remote_addresses_truncated"] = encounter.serversTruncated;
  nlohmann::json evidenceList = nlohmann::json::array();
  for (const auto& item : encounter.evidence) evidenceList.push_back(evidence(item));
  record["evidence"] = std::move(evidenceList);
  record["evidence_truncated"] = encounter.evidenceTruncated;
  if (auto text = interpretation(encounter.evidence); !text.empty()) record["interpretation"] = text;
  record["alerts"] = encounter.alerts;
  record["policy"] = {{"rule", encounter.policyRule},
                      {"action", policy::toString(encounter.action)},
                      {"version", context_.policyVersion}};
  return record;
}

nlohmann::json RecordBuilder::counts(const policy::IntervalCount& count) const {
  nlohmann::json record = header(EventType::kCounts, count.intervalEnd);
  record["interval_start"] = formatRfc3339(count.intervalStart);
  record["interval_end"] = formatRfc3339(count.intervalEnd);
  record["partial"] = count.partial;
  record["service_id"] = count.service->id;
  record["category"] = classify::toString(count.service->category);
  record["device"] = device(count.device);
  record["flows_classified"] = count.flowsClassified;
  record["flows_ended"] = count.flowsEnded;
  record["alerts"] = count.alerts;
  record["suppressed"] = count.suppressed;
  record["counted"] = count.counted;
  record["from_device"] = directionStats(count.fromDevice);
  record["to_device"] = directionStats(count.toDevice);
  if (!count.caveats.empty()) {
    std::string text;
    for (const auto& caveat : count.caveats) text += (text.empty() ? "" : " ") + caveat;
    record["interpretation"] = text;
  }
  return record;
}

nlohmann::json RecordBuilder::flow(const flow::Flow& flow, const classify::FlowFacts* facts,
                                   flow::FlowEndReason reason, Timestamp endTime) const {
  nlohmann::json record = header(EventType::kFlow, endTime);
  record["flow_id"] = flowId(flow);
  record["community_id"] = communityId(flow);
  nlohmann::json endpoints = flowEndpoints(flow);
  for (auto& [key, value] : endpoints.items()) record[key] = value;
  record["last_seen"] = formatRfc3339(flow.lastSeen);
  record["duration_seconds"] = secondsBetween(flow.firstSeen, flow.lastSeen);
  record["end_reason"] = flow::toString(reason);
  record["to_server"] = directionStats(flow.toServer);
  record["to_client"] = directionStats(flow.toClient);
  if (facts != nullptr) {
    record["ndpi_label"] = facts->ndpiLabel;
    if (!facts->tlsServerName.empty()) record["tls_sni"] = facts->tlsServerName;
    if (!facts->tlsAlpn.empty()) record["tls_alpn"] = facts->tlsAlpn;
    if (facts->tlsEchOffered) record["tls_ech_offered"] = true;
    if (!facts->quicServerName.empty()) record["quic_sni"] = facts->quicServerName;
    if (!facts->httpHost.empty()) record["http_host"] = facts->httpHost;
    if (!facts->resolvedName.empty()) record["dns_name"] = facts->resolvedName;
    if (facts->verdict) {
      record["service_id"] = facts->verdict->service->id;
      record["confidence"] = classify::toString(facts->verdict->confidence);
      record["kind"] = classify::toString(facts->verdict->kind);
      nlohmann::json evidenceList = nlohmann::json::array();
      for (const auto& item : facts->verdict->evidence) evidenceList.push_back(evidence(item));
      record["evidence"] = std::move(evidenceList);
    } else {
      record["service_id"] = nullptr;
    }
  }
  return record;
}

nlohmann::json RecordBuilder::stats(const Counters& counters, Timestamp time, bool final) const {
  nlohmann::json record = header(EventType::kStats, time);
  record["final"] = final;
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [name, value] : counters.values()) values[name] = value;
  record["counters"] = std::move(values);
  return record;
}

}  // namespace baawatch::record
