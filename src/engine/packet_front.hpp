#pragma once
// The front of the pipeline, on the thread that reads packets: decoding, the packet and decode
// counters, the pipeline's clock (packet time, never backwards; housekeeping once a
// packet-second; periodic stats), and the side channels the inventory learns from (ARP, DHCP,
// mDNS, the Ethernet source of clinic-side packets). Every IP packet that can be placed in a
// flow goes on to the observer with its number in capture order. Private to the engine stage.
// Thread: the packet (reader) thread.
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "baawatch/capture/packet_source.hpp"
#include "baawatch/common/counters.hpp"
#include "baawatch/decode/dhcp_message.hpp"
#include "baawatch/decode/dns_message.hpp"
#include "baawatch/decode/packet_decoder.hpp"
#include "baawatch/policy/policy_engine.hpp"

namespace baawatch::engine {

// Which side channel a decoded packet carries, by its UDP ports. DNS candidates are responses
// the classifier's DNS cache should see (from port 53, and neither DHCP nor mDNS, which the
// inventory reads instead); they also belong to a flow.
bool isDhcpPacket(const decode::DecodedPacket& packet);
bool isMdnsPacket(const decode::DecodedPacket& packet);
bool isDnsCandidate(const decode::DecodedPacket& packet);

class FrontObserver {
 public:
  virtual ~FrontObserver() = default;
  virtual void arp(const decode::ArpPacket& arp, Timestamp time) = 0;
  // Every IP packet whose source is clinical and has an Ethernet source.
  virtual void sender(const IpAddress& address, const decode::MacAddress& mac, Timestamp time) = 0;
  virtual void dhcp(const decode::DhcpMessage& dhcp, Timestamp time) = 0;
  virtual void mdns(const decode::DnsMessage& mdns, Timestamp time) = 0;
  virtual void flowPacket(const decode::DecodedPacket& packet, std::uint64_t packetNumber) = 0;
};

class PacketFront {
 public:
  explicit PacketFront(std::shared_ptr<const policy::Policy> policy) : clinical_(std::move(policy)) {}
  // Not copyable: lastDecoder_ points into this object's own map.
  PacketFront(const PacketFront&) = delete;
  PacketFront& operator=(const PacketFront&) = delete;

  void process(const capture::RawPacket& raw, FrontObserver& observer);

  // Clock. advanceTo() is for live capture's wall-clock ticks; both it and process() move the
  // clock forward only. housekeepingDue() is true once a packet-second and then resets;
  // statsDue() once per `intervalSeconds` (0: never).
  void advanceTo(Timestamp now);
  bool housekeepingDue();
  bool statsDue(double intervalSeconds);
  Timestamp now() const { return now_; }
  std::uint64_t packets() const { return packetNumber_; }

  void replacePolicy(std::shared_ptr<const policy::Policy> policy) {
    clinical_ = policy::PolicyEngine(std::move(policy));
  }
  void count(std::string_view name) { counters_.add(name); }
  // capture.packets, capture.bytes, decode.*.
  Counters counters() const {
    Counters all = counters_;
    if (packetNumber_ > 0) all.add("capture.packets", packetNumber_);
    if (wireBytes_ > 0) all.add("capture.bytes", wireBytes_);
    if (ipPackets_ > 0) all.add("decode.ip", ipPackets_);
    return all;
  }

 private:
  void start(Timestamp time);
  void sideChannels(const decode::DecodedPacket& packet, FrontObserver& observer);
  const decode::PacketDecoder& decoderFor(int linkType);

  policy::PolicyEngine clinical_;  // only isClinical() is used here
  std::unordered_map<int, decode::PacketDecoder> decoders_;
  // The decoder of the last packet's link type: a capture has one, so the map is rarely asked.
  // Map nodes never move, so the pointer stays valid.
  const decode::PacketDecoder* lastDecoder_ = nullptr;
  int lastLinkType_ = -1;
  Counters counters_;
  // The three counts every packet makes, kept apart from the named counters (a name lookup per
  // packet showed in profiles) and folded in by counters().
  std::uint64_t packetNumber_ = 0;  // also capture.packets
  std::uint64_t wireBytes_ = 0;
  std::uint64_t ipPackets_ = 0;
  Timestamp now_{};
  Timestamp lastHousekeeping_{};
  Timestamp lastStats_{};
  bool started_ = false;
};

}  // namespace baawatch::engine
