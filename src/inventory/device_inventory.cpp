#include "baawatch/inventory/device_inventory.hpp"

namespace baawatch::inventory {
namespace {

bool isUsableMac(const decode::MacAddress& mac) {
  bool allZero = true;
  for (auto byte : mac) allZero = allZero && byte == 0;
  bool multicast = (mac[0] & 0x01) != 0;  // broadcast and multicast never name one device
  return !allZero && !multicast;
}

// mDNS names arrive as "lucas-iphone.local": the device name is the first label.
std::string deviceNameFromMdns(const std::string& name) {
  constexpr std::string_view kLocal = ".local";
  if (name.size() <= kLocal.size() || name.compare(name.size() - kLocal.size(), kLocal.size(),
                                                   kLocal) != 0)
    return {};
  return name.substr(0, name.size() - kLocal.size());
}

}  // namespace

void DeviceInventory::observeSender(const IpAddress& address, const decode::MacAddress& mac,
                                    Timestamp) {
  if (address.isUnset() || !isUsableMac(mac)) return;
  auto it = macByIp_.find(address);
  if (it != macByIp_.end()) {
    it->second = mac;  // an address handed to another device: the latest sender wins
  } else if (macByIp_.size() < options_.maxEntries) {
    macByIp_.emplace(address, mac);
  } else {
    counters_.add("inventory.not_learned");
  }
}

void DeviceInventory::observeArp(const decode::ArpPacket& arp, Timestamp time) {
  observeSender(arp.senderIp, arp.senderMac, time);
}

void DeviceInventory::observeDhcp(const decode::DhcpMessage& dhcp, Timestamp time) {
  if (!isUsableMac(dhcp.clientMac)) return;
  std::string mac = decode::formatMac(dhcp.clientMac);
  if (!dhcp.hostName.empty()) {
    if (nameByMac_.size() < options_.maxEntries || nameByMac_.count(mac) != 0) {
      nameByMac_[mac] = Name{dhcp.hostName, "dhcp"};
    } else {
      counters_.add("inventory.not_learned");
    }
  }
  // The assigned (ACK yiaddr) or requested address now belongs to this MAC.
  if (!dhcp.yourAddress.isUnset()) observeSender(dhcp.yourAddress, dhcp.clientMac, time);
  if (!dhcp.clientAddress.isUnset()) observeSender(dhcp.clientAddress, dhcp.clientMac, time);
  if (dhcp.requestedAddress) observeSender(*dhcp.requestedAddress, dhcp.clientMac, time);
}

void DeviceInventory::observeMdns(const decode::DnsMessage& mdns, Timestamp) {
  for (const auto& record : mdns.answers) {
    if (record.type != decode::dns_type::kA && record.type != decode::dns_type::kAaaa) continue;
    std::string name = deviceNameFromMdns(record.name);
    if (name.empty() || record.address.isUnset()) continue;
    if (nameByIp_.size() < options_.maxEntries || nameByIp_.count(record.address) != 0) {
      nameByIp_[record.address] = Name{name, "mdns"};
    } else {
      counters_.add("inventory.not_learned");
    }
  }
}

Device DeviceInventory::lookup(const IpAddress& address,
                               const std::optional<decode::MacAddress>& macHint) const {
  Device device;
  device.ip = address;
  if (auto it = macByIp_.find(address); it != macByIp_.end()) {
    device.mac = it->second;
  } else if (macHint && isUsableMac(*macHint)) {
    device.mac = macHint;
  }
  if (device.mac) {
    std::string mac = decode::formatMac(*device.mac);
    device.id = "mac:" + mac;
    if (auto it = nameByMac_.find(mac); it != nameByMac_.end()) {
      device.hostName = it->second.value;
      device.hostNameSource = it->second.source;
    }
  } else {
    device.id = "ip:" + address.toString();
  }
  if (device.hostName.empty()) {
    if (auto it = nameByIp_.find(address); it != nameByIp_.end()) {
      device.hostName = it->second.value;
      device.hostNameSource = it->second.source;
    }
  }
  return device;
}

bool SenderChangeFilter::observeSender(const IpAddress& address, const decode::MacAddress& mac) {
  // The same rules as DeviceInventory::observeSender, minus the counting.
  if (address.isUnset() || !isUsableMac(mac)) return false;
  auto it = macByIp_.find(address);
  if (it != macByIp_.end()) {
    if (it->second == mac) return false;
    it->second = mac;
    return true;
  }
  if (macByIp_.size() < options_.maxEntries) macByIp_.emplace(address, mac);
  return true;  // learned, or the inventory is full and counts it as not learned
}

void SenderChangeFilter::observeArp(const decode::ArpPacket& arp) {
  observeSender(arp.senderIp, arp.senderMac);
}

void SenderChangeFilter::observeDhcp(const decode::DhcpMessage& dhcp) {
  if (!isUsableMac(dhcp.clientMac)) return;
  if (!dhcp.yourAddress.isUnset()) observeSender(dhcp.yourAddress, dhcp.clientMac);
  if (!dhcp.clientAddress.isUnset()) observeSender(dhcp.clientAddress, dhcp.clientMac);
  if (dhcp.requestedAddress) observeSender(*dhcp.requestedAddress, dhcp.clientMac);
}

}  // namespace baawatch::inventory
