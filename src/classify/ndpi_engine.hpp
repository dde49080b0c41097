#pragma once
// RAII wrapper over one nDPI 4.2 detection module and its per-flow state (private to classify:
// ndpi_api.h stays out of public headers). Follows nDPI's integration sequence: init, enable all
// protocols, finalize; per flow process packets until detected (and no extra dissection wanted,
// or the label cannot change any more) or the budget is spent; then give up, letting nDPI guess
// by address and port.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "baawatch/common/timestamp.hpp"

struct ndpi_detection_module_struct;
struct ndpi_flow_struct;

namespace baawatch::classify {

struct NdpiLabel {
  std::uint16_t masterId = 0;
  std::uint16_t appId = 0;
  std::string masterName;   // "TLS", "" when unknown
  std::string appName;      // "WhatsApp", "" when unknown
  std::string category;
  std::string label() const;  // "TLS.WhatsApp", "STUN", "Unknown"
};

// One flow's nDPI state. Kept small (24 bytes beside nDPI's own 688-byte struct): a flood of
// new flows holds one per tracked flow until each is classified or ends. The label is kept as
// nDPI's ids; NdpiEngine::label() names them.
class NdpiFlow {
 public:
  NdpiFlow();
  ~NdpiFlow();
  NdpiFlow(const NdpiFlow&) = delete;
  NdpiFlow& operator=(const NdpiFlow&) = delete;

  ndpi_flow_struct* get() { return flow_; }
  const ndpi_flow_struct* get() const { return flow_; }
  std::uint32_t packets = 0;
  bool done = false;
  bool labelled = false;  // nDPI decided (or guessed) something: the ids below are its answer
  std::uint16_t masterId = 0;
  std::uint16_t appId = 0;
  std::uint16_t category = 0;

 private:
  ndpi_flow_struct* flow_;
};

class NdpiEngine {
 public:
  NdpiEngine();
  ~NdpiEngine();
  NdpiEngine(const NdpiEngine&) = delete;
  NdpiEngine& operator=(const NdpiEngine&) = delete;

  // Feeds an IP packet (from the IP header). Marks the flow done when nDPI has decided and wants
  // no extra packets (or named a TLS flow from its SNI, which nothing later changes), or when
  // `budget` packets were given; then the label is final.
  void process(NdpiFlow& flow, std::span<const std::uint8_t> ipPacket, Timestamp time,
               std::uint32_t budget);
  // Ends detection now (flow ended early): nDPI guesses from what it saw, address and port.
  void giveUp(NdpiFlow& flow);
  // The flow's label so far, named ("Unknown" until nDPI decided or guessed).
  NdpiLabel label(const NdpiFlow& flow) const;

  // nDPI's name for what it extracted as the flow's host: SNI for TLS/QUIC, Host for HTTP,
  // the query for DNS, the realm for STUN.
  static std::string hostServerName(const NdpiFlow& flow);
  // Only meaningful for flows nDPI labelled TLS or QUIC (it reads a union member).
  static std::string alpn(const NdpiFlow& flow);
  // Whether nDPI read the names of the server's certificate (TLS only, same caveat).
  static bool certificateSeen(const NdpiFlow& flow);

 private:
  ndpi_detection_module_struct* module_;
};

}  // namespace baawatch::classify
