#pragma once
// A bidirectional flow (5-tuple + VLAN) and the facts the later stages read from it.
// Owned by FlowTable; a Flow& is valid until the table's end handler for it returns.
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "baawatch/common/ip_address.hpp"
#include "baawatch/common/timestamp.hpp"
#include "baawatch/decode/packet.hpp"

namespace baawatch::flow {

// Both endpoints in canonical (sorted) order plus protocol and VLAN: the same key for both
// directions of a conversation (STYLE.md §5).
struct FlowKey {
  IpAddress lowAddress;
  IpAddress highAddress;
  std::uint16_t lowPort = 0;
  std::uint16_t highPort = 0;
  std::uint8_t protocol = 0;
  std::uint16_t vlan = 0;

  static FlowKey fromPacket(const decode::DecodedPacket& packet);
  bool operator==(const FlowKey&) const = default;
};

// Seeded hash: a per-process random seed keeps an attacker from aiming flows at one bucket.
struct FlowKeyHash {
  std::uint64_t seed = 0;
  std::size_t operator()(const FlowKey& key) const noexcept;
};

enum class Direction : std::uint8_t { kToServer, kToClient };

enum class FlowEndReason : std::uint8_t {
  kIdle,       // no packet within the timeout for its protocol/state
  kTcpClosed,  // FIN both ways or RST, then the short closed timeout
  kEvicted,    // the table was full and this was the least recently active flow
  kShutdown,   // end of the capture or daemon stop
};
std::string_view toString(FlowEndReason reason);  // "idle", "tcp_closed", "evicted", "shutdown"

struct DirectionStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;         // IP bytes (wire length minus link header)
  std::uint64_t payloadBytes = 0;  // L4 payload bytes
};

// Per-flow state another stage attaches (nDPI state, classification). Virtual destructor so the
// flow stage can own it without knowing its type.
class FlowExtension {
 public:
  virtual ~FlowExtension() = default;
};

enum class TcpState : std::uint8_t { kNone, kSynSeen, kEstablished, kClosing, kClosed };

struct Flow {
  std::uint64_t id = 0;            // sequence number within this table, for logs and records
  FlowKey key;
  // The client is the initiator where the table sees one (the sender of a bare SYN); for other
  // flows it is the endpoint inside the clinic's networks when exactly one is, else the sender
  // of the first packet (flow/flow_table.hpp, FlowTableOptions::clientNetworks).
  IpAddress client;
  IpAddress server;
  std::uint16_t clientPort = 0;
  std::uint16_t serverPort = 0;
  std::uint8_t protocol = 0;
  std::uint16_t vlan = 0;
  // ICMP, ICMPv6: type and code of the message that opened the flow (for its Community ID).
  std::uint8_t icmpType = 0;
  std::uint8_t icmpCode = 0;
  std::optional<decode::MacAddress> clientMac;
  std::optional<decode::MacAddress> serverMac;
  Timestamp firstSeen;
  Timestamp lastSeen;
  DirectionStats toServer;
  DirectionStats toClient;
  TcpState tcpState = TcpState::kNone;
  bool finToServer = false;
  bool finToClient = false;
  std::unique_ptr<FlowExtension> extension;
};

// Which end of a flow is the clinic's device; the other is the service, relay or peer it talks
// to. What the device sent and received, and the far end, follow from it
// (policy::PolicyEngine::deviceSide decides it).
class DeviceSide {
 public:
  static constexpr DeviceSide client() { return DeviceSide(true); }
  static constexpr DeviceSide server() { return DeviceSide(false); }
  constexpr bool isClient() const { return isClient_; }
  bool operator==(const DeviceSide&) const = default;

  const IpAddress& device(const Flow& flow) const { return isClient_ ? flow.client : flow.server; }
  const IpAddress& remote(const Flow& flow) const { return isClient_ ? flow.server : flow.client; }
  const std::optional<decode::MacAddress>& deviceMac(const Flow& flow) const {
    return isClient_ ? flow.clientMac : flow.serverMac;
  }
  // What the device sent, and what it received.
  const DirectionStats& sent(const Flow& flow) const {
    return isClient_ ? flow.toServer : flow.toClient;
  }
  const DirectionStats& received(const Flow& flow) const {
    return isClient_ ? flow.toClient : flow.toServer;
  }

 private:
  constexpr explicit DeviceSide(bool isClient) : isClient_(isClient) {}
  bool isClient_ = true;
};

}  // namespace baawatch::flow
