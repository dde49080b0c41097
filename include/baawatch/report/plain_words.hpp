#pragma once
// Turns the log's technical fields into sentences a compliance officer reads without a
// glossary: evidence items, an encounter's one-line headline, BAA status, kinds of use.
// Pure functions; the text they return is NOT HTML-escaped (the writers escape).
#include <string>
#include <string_view>
#include <vector>

#include "baawatch/report/report_data.hpp"

namespace baawatch::report {

struct RawEvidence {
  std::string ruleId;
  std::string field;       // tls.sni, quic.sni, http.host, dns.query, server.ip, ndpi.protocol, behaviour
  std::string value;
  std::string confidence;
  std::string reason;
};

// One observation in words, e.g. "The device looked up the name g.whatsapp.net".
std::string describeEvidence(const RawEvidence& evidence, const ServiceRef& service);

// "Apple FaceTime video call via Apple relay 17.188.167.41 (STUN, TURN and QUIC multiplexed on
// one connection, no server name sent)".
std::string encounterHeadline(const ServiceRef& service, std::string_view kind,
                              std::string_view media, const std::vector<RawEvidence>& evidence,
                              const std::vector<std::string>& remoteAddresses);

std::string kindWords(std::string_view kind, std::string_view media);  // "video call", "messaging"
std::string categoryWords(std::string_view category);                // "Video calls", ...
// True for vendors whose free and paid (BAA-eligible) tiers look the same on the wire.
bool tiersLookAlike(std::string_view serviceId);

}  // namespace baawatch::report
