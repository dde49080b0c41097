#pragma once
// Who is who on the clinic network: IP -> MAC (Ethernet source of clinic-side packets, ARP,
// DHCP) and MAC/IP -> host name (DHCP option 12, mDNS A/AAAA records). A device is identified by
// its MAC when known, so a phone that DHCP renumbers mid-capture stays one device; otherwise by IP.
// Thread: owned by one packet thread.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "baawatch/common/counters.hpp"
#include "baawatch/common/ip_address.hpp"
#include "baawatch/common/timestamp.hpp"
#include "baawatch/decode/dhcp_message.hpp"
#include "baawatch/decode/dns_message.hpp"
#include "baawatch/decode/packet.hpp"

namespace baawatch::inventory {

struct Device {
  std::string id;                      // "mac:aa:bb:..." or "ip:192.168.1.7"
  IpAddress ip;                        // the address in use for this flow
  std::optional<decode::MacAddress> mac;
  std::string hostName;                // empty when unknown
  std::string hostNameSource;          // "dhcp" or "mdns"
  // DHCP option 61 when it is not the MAC address itself ("ff:..." for an RFC 4361 DUID, hex
  // bytes with their type first): it stays when a phone rotates its private MAC, so the report
  // joins the addresses of one device by it. Empty when unknown or derived from the MAC.
  std::string dhcpClientId;
};

struct InventoryOptions {
  std::size_t maxEntries = 65536;      // per map; beyond it new facts are not learned (counted)
};

class DeviceInventory {
 public:
  explicit DeviceInventory(InventoryOptions options = {}) : options_(options) {}

  // Learns IP -> MAC from a packet sent by `address` with Ethernet source `mac`. Only call for
  // addresses on the local (clinical) side: off-net addresses all carry the router's MAC.
  void observeSender(const IpAddress& address, const decode::MacAddress& mac, Timestamp time);
  void observeArp(const decode::ArpPacket& arp, Timestamp time);
  void observeDhcp(const decode::DhcpMessage& dhcp, Timestamp time);
  void observeMdns(const decode::DnsMessage& mdns, Timestamp time);

  // The device behind `address`, with whatever is known now. `macHint` is the Ethernet address
  // seen on the flow itself (used when the inventory has none).
  Device lookup(const IpAddress& address,
                const std::optional<decode::MacAddress>& macHint = std::nullopt) const;

  std::size_t size() const { return macByIp_.size(); }
  // inventory.not_learned: facts dropped because a map was at maxEntries.
  const Counters& counters() const { return counters_; }

 private:
  struct Name {
    std::string value;
    std::string source;
  };
  InventoryOptions options_;
  std::unordered_map<IpAddress, decode::MacAddress, IpAddressHash> macByIp_;
  std::unordered_map<std::string, Name> nameByMac_;   // key: formatted MAC
  std::unordered_map<std::string, std::string> clientIdByMac_;  // key: formatted MAC
  std::unordered_map<IpAddress, Name, IpAddressHash> nameByIp_;
  Counters counters_;
};

// Mirrors the IP -> MAC half of a DeviceInventory for a thread that sees every packet but does
// not own the inventory (the sharded pipeline's dispatcher). Fed the same observations in the
// same order, observeSender() returns true exactly when the inventory's observeSender() could
// change what it knows or count a fact it could not learn, so the dispatcher forwards one
// observation per change instead of one per packet. observeArp/observeDhcp keep the mirror in
// step with what those observations teach the inventory (their events are always forwarded).
class SenderChangeFilter {
 public:
  explicit SenderChangeFilter(InventoryOptions options = {}) : options_(options) {}
  bool observeSender(const IpAddress& address, const decode::MacAddress& mac);
  void observeArp(const decode::ArpPacket& arp);
  void observeDhcp(const decode::DhcpMessage& dhcp);

 private:
  InventoryOptions options_;
  std::unordered_map<IpAddress, decode::MacAddress, IpAddressHash> macByIp_;
};

}  // namespace baawatch::inventory
