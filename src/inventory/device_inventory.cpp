#include "baawatch/inventory/device_inventory.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace baawatch::inventory {
namespace {

bool isUsableMac(const decode::MacAddress& mac) {
  bool allZero = true;
  for (auto byte : mac) allZero = allZero && byte == 0;
  bool multicast = (mac[0] & 0x01) != 0;  // broadcast and multicast never name one device
  return !allZero && !multicast;
}

// True for well-formed UTF-8 without control characters. mDNS names are UTF-8 (RFC 6762 §16:
// "Zoë's iPad" is a fine name), but a name is only read from the wire: one with a control byte
// (a newline, a NUL) or broken UTF-8 would reach syslog structured data and the reports of
// people, so it is rejected whole, as DHCP host names with such bytes are (dhcp_message.cpp).
bool isReadableUtf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80) {
      if (lead < 0x20 || lead == 0x7f) return false;
      ++at;
      continue;
    }
    std::size_t length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
    if (length == 0 || lead > 0xf4 || at + length > text.size()) return false;
    std::uint32_t code = lead & (0xff >> (length + 1));
    for (std::size_t i = 1; i < length; ++i) {
      auto next = static_cast<unsigned char>(text[at + i]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates, beyond U+10FFFF, and the C1 controls.
    std::uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < smallest || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff ||
        (code >= 0x80 && code <= 0x9f))
      return false;
    at += length;
  }
  return true;
}

// mDNS names arrive as "lucas-iphone.local": the device name is what precedes ".local".
std::string deviceNameFromMdns(const std::string& name) {
  constexpr std::string_view kLocal = ".local";
  if (name.size() <= kLocal.size() || name.compare(name.size() - kLocal.size(), kLocal.size(),
                                                   kLocal) != 0)
    return {};
  std::string device = name.substr(0, name.size() - kLocal.size());
  return isReadableUtf8(device) ? device : std::string();
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

namespace {

// Option 61 as "ff:00:01:...", unless it is hardware type 1 and the client's own MAC (RFC 2132
// section 9.14's usual form, as iOS and Android send it): that says nothing the MAC does not.
std::string stableClientId(const decode::DhcpMessage& dhcp) {
  const std::vector<std::uint8_t>& id = dhcp.clientId;
  if (id.empty()) return {};
  bool isTheMac = id.size() == 1 + dhcp.clientMac.size() && id[0] == 1 &&
                  std::equal(dhcp.clientMac.begin(), dhcp.clientMac.end(), id.begin() + 1);
  if (isTheMac) return {};
  std::string text;
  for (std::uint8_t byte : id) text += fmt::format("{}{:02x}", text.empty() ? "" : ":", byte);
  return text;
}

}  // namespace

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
  if (std::string clientId = stableClientId(dhcp); !clientId.empty()) {
    if (clientIdByMac_.size() < options_.maxEntries || clientIdByMac_.count(mac) != 0) {
      clientIdByMac_[mac] = std::move(clientId);
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
    if (auto it = clientIdByMac_.find(mac); it != clientIdByMac_.end()) {
      device.dhcpClientId = it->second;
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
