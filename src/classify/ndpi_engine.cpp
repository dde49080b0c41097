#include "classify/ndpi_engine.hpp"

#include <ndpi_api.h>

#include <cstring>
#include <limits>
#include <stdexcept>

namespace baawatch::classify {

std::string NdpiLabel::label() const {
  if (masterName.empty() && appName.empty()) return "Unknown";
  if (masterName.empty() || masterName == appName) return appName;
  if (appName.empty()) return masterName;
  return masterName + "." + appName;
}

NdpiFlow::NdpiFlow()
    : flow_(static_cast<ndpi_flow_struct*>(ndpi_flow_malloc(SIZEOF_FLOW_STRUCT))) {
  if (flow_ == nullptr) throw std::bad_alloc();
  std::memset(flow_, 0, SIZEOF_FLOW_STRUCT);
}

NdpiFlow::~NdpiFlow() { ndpi_free_flow(flow_); }

NdpiEngine::NdpiEngine() : module_(ndpi_init_detection_module(ndpi_no_prefs)) {
  if (module_ == nullptr) throw std::runtime_error("nDPI: cannot initialise the detection module");
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(module_, &all);
  ndpi_finalize_initialization(module_);
}

NdpiEngine::~NdpiEngine() { ndpi_exit_detection_module(module_); }

namespace {

void keep(NdpiFlow& flow, const ndpi_protocol& protocol) {
  flow.labelled = true;
  flow.masterId = protocol.master_protocol;
  flow.appId = protocol.app_protocol;
  flow.category = static_cast<std::uint16_t>(protocol.category);
}

// A TLS flow nDPI named from its ClientHello (SNI): nDPI 4.2 still wants the server's
// certificate, but looks at the certificate's names only while no subprotocol is set (and only
// then adds the server to its certificate cache). What the certificate would add is JA3S, the
// fingerprint and risk flags, none of which we use, so the label is final now. Stopping here
// classifies such flows on the ClientHello instead of at the end of the certificate exchange (or
// of the flow, when it stays shorter than the budget), and spares nDPI a tenth of its packets on
// a flow-dense capture (docs/benchmarks.md).
bool tlsNamed(const NdpiFlow& flow, const ndpi_protocol& protocol) {
  return protocol.master_protocol == NDPI_PROTOCOL_TLS &&
         flow.get()->protos.tls_quic.subprotocol_detected != 0;
}

}  // namespace

NdpiLabel NdpiEngine::label(const NdpiFlow& flow) const {
  NdpiLabel label;
  label.masterId = flow.masterId;
  label.appId = flow.appId;
  if (flow.masterId != NDPI_PROTOCOL_UNKNOWN)
    label.masterName = ndpi_get_proto_name(module_, flow.masterId);
  if (flow.appId != NDPI_PROTOCOL_UNKNOWN) label.appName = ndpi_get_proto_name(module_, flow.appId);
  // An unlabelled flow names category 0 (NDPI_PROTOCOL_CATEGORY_UNSPECIFIED), as before.
  label.category =
      ndpi_category_get_name(module_, static_cast<ndpi_protocol_category_t>(flow.category));
  return label;
}

void NdpiEngine::process(NdpiFlow& flow, std::span<const std::uint8_t> ipPacket, Timestamp time,
                         std::uint32_t budget) {
  if (flow.done) return;
  // nDPI takes the length as an unsigned short: a larger (jumbo/GRO) datagram is cut, which only
  // loses payload nDPI would not inspect anyway.
  auto length = static_cast<unsigned short>(
      std::min<std::size_t>(ipPacket.size(), std::numeric_limits<unsigned short>::max()));
  auto timeMs = static_cast<std::uint64_t>(time.micros / 1000);
  ndpi_protocol protocol =
      ndpi_detection_process_packet(module_, flow.get(), ipPacket.data(), length, timeMs);
  flow.packets += 1;
  bool decided = protocol.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
                 protocol.master_protocol != NDPI_PROTOCOL_UNKNOWN;
  bool budgetSpent = flow.packets >= budget;
  if (decided) keep(flow, protocol);
  if (budgetSpent || (decided && (tlsNamed(flow, protocol) ||
                                  !ndpi_extra_dissection_possible(module_, flow.get())))) {
    if (!decided) {
      giveUp(flow);
    } else {
      flow.done = true;
    }
  }
}

void NdpiEngine::giveUp(NdpiFlow& flow) {
  if (flow.done) return;
  std::uint8_t guessed = 0;
  ndpi_protocol protocol = ndpi_detection_giveup(module_, flow.get(), 1, &guessed);
  if (protocol.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
      protocol.master_protocol != NDPI_PROTOCOL_UNKNOWN || !flow.labelled) {
    keep(flow, protocol);
  }
  flow.done = true;
}

std::string NdpiEngine::hostServerName(const NdpiFlow& flow) {
  const char* name = flow.get()->host_server_name;
  return std::string(name, strnlen(name, sizeof(flow.get()->host_server_name)));
}

bool NdpiEngine::certificateSeen(const NdpiFlow& flow) {
  const auto& tls = flow.get()->protos.tls_quic;
  return tls.server_names != nullptr && tls.server_names_len > 0;
}

std::string NdpiEngine::alpn(const NdpiFlow& flow) {
  const char* value = flow.get()->protos.tls_quic.alpn;
  return value != nullptr ? std::string(value) : std::string();
}

}  // namespace baawatch::classify
