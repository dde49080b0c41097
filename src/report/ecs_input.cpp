#include "baawatch/report/ecs_input.hpp"

#include <string>

namespace baawatch::report {
namespace {

using nlohmann::json;

const json* at(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

const json* at(const json& object, const char* key, const char* inner) {
  const json* outer = at(object, key);
  return outer == nullptr ? nullptr : at(*outer, inner);
}

}  // namespace

bool isEcsRecord(const json& record) {
  const json* action = at(record, "event", "action");
  const json* ours = at(record, "baawatch");
  return record.is_object() && record.contains("ecs") && action != nullptr &&
         action->is_string() && ours != nullptr && ours->is_object();
}

json fromEcs(const json& record) {
  if (!isEcsRecord(record)) return record;
  json out = record.at("baawatch");
  const std::string type = record.at("event").at("action").get<std::string>();
  out["event_type"] = type;
  if (const json* time = at(record, "@timestamp")) out["timestamp"] = *time;
  if (const json* id = at(record, "event", "id")) out["record_id"] = *id;
  if (const json* sensor = at(record, "observer", "hostname")) out["sensor"] = *sensor;
  if (const json* communityId = at(record, "network", "community_id")) {
    out["community_id"] = *communityId;
  }
  if (const json* chain = at(record, "chain")) out["chain"] = *chain;
  if (type == "flow") {
    if (const json* ip = at(record, "source", "ip")) out["client_ip"] = *ip;
    if (const json* port = at(record, "source", "port")) out["client_port"] = *port;
    if (const json* ip = at(record, "destination", "ip")) out["server_ip"] = *ip;
    if (const json* port = at(record, "destination", "port")) out["server_port"] = *port;
    if (const json* transport = at(record, "network", "transport"); transport && transport->is_string()) {
      std::string protocol = transport->get<std::string>();
      out["protocol"] = protocol == "ipv6-icmp" ? "icmpv6" : protocol;
    }
    // The ECS form writes a VLAN only when the flow had one; the default form writes 0.
    out["vlan"] = 0;
    if (const json* vlan = at(record, "network", "vlan"); vlan && vlan->is_object()) {
      if (const json* id = at(*vlan, "id"); id && id->is_string()) {
        try {
          out["vlan"] = std::stoll(id->get<std::string>());
        } catch (const std::exception&) {
          out["vlan"] = *id;  // not ours to fix: the report shows what the line said
        }
      }
    }
  }
  return out;
}

}  // namespace baawatch::report
