#include "baawatch/record/ecs_record.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace baawatch::record {
namespace {

using nlohmann::json;

const json* valueAt(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

// ECS writes MAC addresses upper case with dashes (RFC 7042): 3C-22-FB-12-34-56.
std::string ecsMac(const std::string& mac) {
  std::string out = mac;
  for (char& c : out) {
    if (c == ':') c = '-';
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// IANA keyword names ECS uses for network.transport.
std::string ecsTransport(const std::string& protocol) {
  if (protocol == "icmpv6") return "ipv6-icmp";
  return protocol;
}

// event.severity is a number; ours are words, in order.
std::int64_t severityNumber(const std::string& severity) {
  if (severity == "info") return 1;
  if (severity == "low") return 2;
  if (severity == "medium") return 3;
  if (severity == "high") return 4;
  if (severity == "critical") return 5;
  return 0;
}

void endpoint(json& out, const char* side, const json& ip, const json* port) {
  out[side]["ip"] = ip;
  if (port != nullptr) out[side]["port"] = *port;
}

void hostFields(json& out, const json& deviceRecord) {
  json& host = out["host"];
  if (const json* id = valueAt(deviceRecord, "id")) host["id"] = *id;
  if (const json* ip = valueAt(deviceRecord, "ip")) host["ip"] = json::array({*ip});
  if (const json* mac = valueAt(deviceRecord, "mac")) {
    host["mac"] = json::array({ecsMac(mac->get<std::string>())});
  }
  if (const json* name = valueAt(deviceRecord, "host_name")) {
    host["hostname"] = *name;
    host["name"] = *name;
  }
}

// The flow's endpoints: from the alert's `flow` object, or a flow record's top-level keys.
void flowEndpoints(json& out, const json& flow) {
  if (const json* client = valueAt(flow, "client_ip")) {
    endpoint(out, "source", *client, valueAt(flow, "client_port"));
  }
  if (const json* server = valueAt(flow, "server_ip")) {
    endpoint(out, "destination", *server, valueAt(flow, "server_port"));
  }
  if (const json* protocol = valueAt(flow, "protocol")) {
    out["network"]["transport"] = ecsTransport(protocol->get<std::string>());
  }
  if (const json* vlan = valueAt(flow, "vlan"); vlan != nullptr && *vlan != 0) {
    out["network"]["vlan"]["id"] = std::to_string(vlan->get<std::int64_t>());
  }
}

void directionBytes(json& out, const char* side, const json* stats) {
  if (stats == nullptr) return;
  if (const json* bytes = valueAt(*stats, "bytes")) out[side]["bytes"] = *bytes;
  if (const json* packets = valueAt(*stats, "packets")) out[side]["packets"] = *packets;
}

std::int64_t durationNanoseconds(const json& seconds) {
  return static_cast<std::int64_t>(std::llround(seconds.get<double>() * 1e9));
}

}  // namespace

json toEcs(const json& record) {
  json out = json::object();
  const std::string type = record.value("event_type", "");
  json ours = record;  // what ECS has no field for stays here; moved keys are erased below
  auto drop = [&ours](std::string_view key) { ours.erase(std::string(key)); };

  out["ecs"]["version"] = kEcsVersion;
  if (const json* time = valueAt(record, "timestamp")) out["@timestamp"] = *time;
  drop("timestamp");
  json& event = out["event"];
  event["module"] = "baawatch";
  event["dataset"] = "baawatch." + type;
  event["action"] = type;
  if (const json* id = valueAt(record, "record_id")) event["id"] = *id;
  drop("record_id");
  if (type == "alert") {
    event["kind"] = "alert";
    event["category"] = json::array({"network"});
    event["type"] = json::array({"info"});
  } else if (type == "visibility" || type == "encounter") {
    event["kind"] = "event";
    event["category"] = json::array({"network"});
    event["type"] = json::array({"info"});
  } else if (type == "flow") {
    event["kind"] = "event";
    event["category"] = json::array({"network"});
    event["type"] = json::array({"connection", "end"});
  } else if (type == "counts" || type == "stats") {
    event["kind"] = "metric";
  } else {
    event["kind"] = "event";
  }

  out["observer"]["product"] = "baawatch";
  out["observer"]["vendor"] = "baawatch";
  out["observer"]["type"] = "sensor";
  if (const json* sensor = valueAt(record, "sensor")) {
    out["observer"]["hostname"] = *sensor;
    out["observer"]["name"] = *sensor;
  }
  drop("sensor");

  if (const json* dev = valueAt(record, "device")) hostFields(out, *dev);
  if (const json* severity = valueAt(record, "severity")) {
    event["severity"] = severityNumber(severity->get<std::string>());
  }
  if (const json* communityId = valueAt(record, "community_id")) {
    out["network"]["community_id"] = *communityId;
    drop("community_id");
  }

  if (type == "alert" || type == "visibility") {
    if (const json* flow = valueAt(record, "flow")) flowEndpoints(out, *flow);
    if (const json* policy = valueAt(record, "policy")) {
      if (const json* rule = valueAt(*policy, "rule")) {
        out["rule"]["id"] = *rule;
        out["rule"]["name"] = *rule;
      }
      if (const json* reason = valueAt(*policy, "reason")) out["rule"]["description"] = *reason;
      if (const json* version = valueAt(*policy, "version")) out["rule"]["version"] = *version;
    }
    if (const json* service = valueAt(record, "service")) {
      if (const json* category = valueAt(*service, "category")) out["rule"]["category"] = *category;
      if (const json* source = valueAt(*service, "baa_source")) out["rule"]["reference"] = *source;
    }
  } else if (type == "flow") {
    flowEndpoints(out, record);
    for (auto key : {"client_ip", "client_port", "server_ip", "server_port", "protocol", "vlan"}) {
      drop(key);
    }
    directionBytes(out, "source", valueAt(record, "to_server"));
    directionBytes(out, "destination", valueAt(record, "to_client"));
    if (const json* first = valueAt(record, "first_seen")) event["start"] = *first;
    if (const json* last = valueAt(record, "last_seen")) event["end"] = *last;
    if (const json* duration = valueAt(record, "duration_seconds")) {
      event["duration"] = durationNanoseconds(*duration);
    }
    if (const json* sni = valueAt(record, "tls_sni")) out["tls"]["client"]["server_name"] = *sni;
  } else if (type == "encounter") {
    if (const json* start = valueAt(record, "start")) event["start"] = *start;
    if (const json* end = valueAt(record, "end")) event["end"] = *end;
    if (const json* duration = valueAt(record, "duration_seconds")) {
      event["duration"] = durationNanoseconds(*duration);
    }
    if (const json* policy = valueAt(record, "policy")) {
      if (const json* rule = valueAt(*policy, "rule")) {
        out["rule"]["id"] = *rule;
        out["rule"]["name"] = *rule;
      }
    }
  } else if (type == "counts") {
    if (const json* start = valueAt(record, "interval_start")) event["start"] = *start;
    if (const json* end = valueAt(record, "interval_end")) event["end"] = *end;
  }
  drop("event_type");
  out["baawatch"] = std::move(ours);
  return out;
}

}  // namespace baawatch::record
