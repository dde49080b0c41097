#pragma once
// Community ID v1 (github.com/corelight/community-id-spec): the flow hash Zeek, Suricata, Elastic
// and Arkime compute, so a record joins the same flow in their logs. "1:" + base64 of
// SHA-1(seed, the two endpoints in canonical order, protocol, a zero pad byte, the two ports).
// The endpoints are ordered by address, then port, so both directions give the same ID. ICMP and
// ICMPv6 use type and code as the ports; a type with a counterpart (echo request and reply, ...)
// takes the counterpart as the other "port" and is ordered like a two-way flow, any other type is
// one-way and keeps its direction.
#include <cstdint>
#include <string>

#include "baawatch/common/ip_address.hpp"
#include "baawatch/flow/flow.hpp"

namespace baawatch::record {

struct CommunityIdTuple {
  IpAddress source;
  IpAddress destination;
  std::uint8_t protocol = 0;
  // TCP, UDP, SCTP: the ports. ICMP, ICMPv6: type and code. Other protocols: unused.
  std::uint16_t sourcePort = 0;
  std::uint16_t destinationPort = 0;
};

std::string communityId(const CommunityIdTuple& tuple, std::uint16_t seed = 0);

// The flow's ID from its client to its server; ICMP flows by the type and code of the message
// that opened them.
std::string communityId(const flow::Flow& flow, std::uint16_t seed = 0);

}  // namespace baawatch::record
