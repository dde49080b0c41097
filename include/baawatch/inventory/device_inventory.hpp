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
  std::unordered_map<IpAddress, Name, IpAddressHash> nameByIp_;
  Counters counters_;
};

}  // namespace baawatch::inventory
