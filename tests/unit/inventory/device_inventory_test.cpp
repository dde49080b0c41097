#include "baawatch/inventory/device_inventory.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baawatch::inventory {
namespace {

using decode::MacAddress;

IpAddress ip(const std::string& text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

const MacAddress kPhoneMac{0x3c, 0x22, 0xfb, 0x12, 0x34, 0x56};
const MacAddress kLaptopMac{0xa4, 0x83, 0xe7, 0x00, 0x00, 0x01};
const Timestamp kTime = Timestamp::fromSeconds(1700000000);

decode::DhcpMessage dhcp(const MacAddress& mac, const std::string& hostName,
                         const std::string& yourAddress = "",
                         const std::string& requestedAddress = "") {
  decode::DhcpMessage message;
  message.op = yourAddress.empty() ? 1 : 2;
  message.messageType = yourAddress.empty() ? 3 : 5;
  message.clientMac = mac;
  message.hostName = hostName;
  if (!yourAddress.empty()) message.yourAddress = ip(yourAddress);
  if (!requestedAddress.empty()) message.requestedAddress = ip(requestedAddress);
  return message;
}

decode::DnsMessage mdnsAnswer(const std::string& name, const std::string& address,
                              std::uint16_t type = decode::dns_type::kA) {
  decode::DnsMessage message;
  message.isResponse = true;
  decode::DnsRecord record;
  record.name = name;
  record.type = type;
  record.ttl = 120;
  record.address = ip(address);
  message.answers.push_back(record);
  return message;
}

TEST(DeviceInventoryTest, DhcpHostNameByMac) {
  DeviceInventory inventory;
  inventory.observeDhcp(dhcp(kPhoneMac, "Dr-Lee-iPhone", "", "192.168.1.42"), kTime);
  const Device device = inventory.lookup(ip("192.168.1.42"));
  EXPECT_EQ(device.id, "mac:3c:22:fb:12:34:56");
  ASSERT_TRUE(device.mac.has_value());
  EXPECT_EQ(*device.mac, kPhoneMac);
  EXPECT_EQ(device.hostName, "Dr-Lee-iPhone");
  EXPECT_EQ(device.hostNameSource, "dhcp");
  EXPECT_EQ(device.ip, ip("192.168.1.42"));
}

TEST(DeviceInventoryTest, AStableDhcpClientIdIsKeptAndOneThatIsTheMacIsNot) {
  DeviceInventory inventory;
  decode::DhcpMessage laptop = dhcp(kLaptopMac, "frontdesk-pc", "", "192.168.1.31");
  laptop.clientId = {0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x2a, 0x3b};  // RFC 4361 DUID
  inventory.observeDhcp(laptop, kTime);
  decode::DhcpMessage phone = dhcp(kPhoneMac, "Dr-Lee-iPhone", "", "192.168.1.42");
  phone.clientId = {0x01, 0x3c, 0x22, 0xfb, 0x12, 0x34, 0x56};  // type 1 + its own MAC
  inventory.observeDhcp(phone, kTime);
  EXPECT_EQ(inventory.lookup(ip("192.168.1.31")).dhcpClientId, "ff:00:00:00:01:00:01:2a:3b");
  EXPECT_EQ(inventory.lookup(ip("192.168.1.42")).dhcpClientId, "");
}

TEST(DeviceInventoryTest, DhcpAckAssignsTheAddress) {
  DeviceInventory inventory;
  inventory.observeDhcp(dhcp(kPhoneMac, "", "192.168.1.50"), kTime);
  const Device device = inventory.lookup(ip("192.168.1.50"));
  EXPECT_EQ(device.id, "mac:3c:22:fb:12:34:56");
  EXPECT_TRUE(device.hostName.empty());
  EXPECT_EQ(inventory.size(), 1u);
}

TEST(DeviceInventoryTest, HostNameKnownOnlyByMacReachesTheFlowsMacHint) {
  DeviceInventory inventory;
  inventory.observeDhcp(dhcp(kPhoneMac, "Dr-Lee-iPhone"), kTime);  // no address in it
  const Device device = inventory.lookup(ip("192.168.1.42"), kPhoneMac);
  EXPECT_EQ(device.id, "mac:3c:22:fb:12:34:56");
  EXPECT_EQ(device.hostName, "Dr-Lee-iPhone");
}

TEST(DeviceInventoryTest, DeviceRenumberedByDhcpKeepsItsIdAndName) {
  DeviceInventory inventory;
  inventory.observeDhcp(dhcp(kPhoneMac, "Dr-Lee-iPhone", "192.168.1.42"), kTime);
  const Device before = inventory.lookup(ip("192.168.1.42"));
  // A new lease with another address; the request carries no host name this time.
  inventory.observeDhcp(dhcp(kPhoneMac, "", "192.168.1.77"), kTime);
  const Device after = inventory.lookup(ip("192.168.1.77"));
  EXPECT_EQ(after.id, before.id);
  EXPECT_EQ(after.hostName, "Dr-Lee-iPhone");
  EXPECT_EQ(after.ip, ip("192.168.1.77"));
}

TEST(DeviceInventoryTest, AddressHandedToAnotherDeviceFollowsTheLatestSender) {
  DeviceInventory inventory;
  inventory.observeDhcp(dhcp(kPhoneMac, "Dr-Lee-iPhone", "192.168.1.42"), kTime);
  inventory.observeDhcp(dhcp(kLaptopMac, "front-desk", "192.168.1.42"), kTime);
  const Device device = inventory.lookup(ip("192.168.1.42"));
  EXPECT_EQ(device.id, "mac:a4:83:e7:00:00:01");
  EXPECT_EQ(device.hostName, "front-desk");
}

TEST(DeviceInventoryTest, MdnsNamesByIp) {
  DeviceInventory inventory;
  inventory.observeMdns(mdnsAnswer("lucas-iphone.local", "192.168.1.60"), kTime);
  inventory.observeMdns(mdnsAnswer("lucas-ipad.local", "fe80::1c2b:3a4d:5e6f:7081",
                                   decode::dns_type::kAaaa),
                        kTime);
  const Device v4 = inventory.lookup(ip("192.168.1.60"));
  EXPECT_EQ(v4.hostName, "lucas-iphone");
  EXPECT_EQ(v4.hostNameSource, "mdns");
  EXPECT_EQ(v4.id, "ip:192.168.1.60");  // a name alone does not give a MAC
  EXPECT_EQ(inventory.lookup(ip("fe80::1c2b:3a4d:5e6f:7081")).hostName, "lucas-ipad");
}

TEST(DeviceInventoryTest, MdnsIgnoresNonLocalNamesAndOtherRecords) {
  DeviceInventory inventory;
  inventory.observeMdns(mdnsAnswer("printer.example.com", "192.168.1.61"), kTime);
  inventory.observeMdns(mdnsAnswer(".local", "192.168.1.62"), kTime);
  decode::DnsMessage ptr;
  ptr.answers.push_back(decode::DnsRecord{"_airplay._tcp.local", decode::dns_type::kPtr, 120, {},
                                          "tv._airplay._tcp.local"});
  inventory.observeMdns(ptr, kTime);
  EXPECT_TRUE(inventory.lookup(ip("192.168.1.61")).hostName.empty());
  EXPECT_TRUE(inventory.lookup(ip("192.168.1.62")).hostName.empty());
}

// A name is only read from the wire: control bytes and broken UTF-8 would reach syslog
// structured data and reports, so such a name is not learned; UTF-8 names are.
TEST(DeviceInventoryTest, MdnsNamesWithControlBytesOrBrokenUtf8AreNotLearned) {
  DeviceInventory inventory;
  const std::vector<std::pair<std::string, std::string>> refused = {
      {std::string("evil\nhost.local"), "192.168.1.70"},
      {std::string("nul\0byte.local", 14), "192.168.1.71"},
      {std::string("broken\xc3.local"), "192.168.1.72"},
      {std::string("overlong\xc0\xaf.local"), "192.168.1.73"},
      {std::string("c1\xc2\x85" "ctl.local"), "192.168.1.74"},
      {std::string("surrogate\xed\xa0\x80.local"), "192.168.1.75"},
  };
  for (const auto& [name, address] : refused) {
    inventory.observeMdns(mdnsAnswer(name, address), kTime);
    EXPECT_EQ(inventory.lookup(ip(address)).hostName, "")
        << "learned " << name;
  }
  inventory.observeMdns(mdnsAnswer("Zo\xc3\xab-iPad.local", "192.168.1.76"), kTime);
  EXPECT_EQ(inventory.lookup(ip("192.168.1.76")).hostName,
            "Zo\xc3\xab-iPad");
}

TEST(DeviceInventoryTest, DhcpNameWinsOverMdnsName) {
  DeviceInventory inventory;
  inventory.observeMdns(mdnsAnswer("lucas-iphone.local", "192.168.1.42"), kTime);
  inventory.observeDhcp(dhcp(kPhoneMac, "Lucas-iPhone-DHCP", "192.168.1.42"), kTime);
  const Device device = inventory.lookup(ip("192.168.1.42"));
  EXPECT_EQ(device.hostName, "Lucas-iPhone-DHCP");
  EXPECT_EQ(device.hostNameSource, "dhcp");
}

TEST(DeviceInventoryTest, ArpSenderGivesTheMac) {
  DeviceInventory inventory;
  decode::ArpPacket arp;
  arp.operation = 2;
  arp.senderMac = kLaptopMac;
  arp.senderIp = ip("192.168.1.20");
  arp.targetIp = ip("192.168.1.1");
  inventory.observeArp(arp, kTime);
  EXPECT_EQ(inventory.lookup(ip("192.168.1.20")).id, "mac:a4:83:e7:00:00:01");
  EXPECT_EQ(inventory.lookup(ip("192.168.1.1")).id, "ip:192.168.1.1");  // target: unknown
}

struct UnusableMacCase {
  std::string name;
  MacAddress mac;
};

class UnusableMacTest : public ::testing::TestWithParam<UnusableMacCase> {};

TEST_P(UnusableMacTest, IsNeverLearnedNorUsed) {
  const MacAddress& mac = GetParam().mac;
  DeviceInventory inventory;
  inventory.observeSender(ip("192.168.1.30"), mac, kTime);
  decode::ArpPacket arp;
  arp.senderMac = mac;
  arp.senderIp = ip("192.168.1.31");
  inventory.observeArp(arp, kTime);
  inventory.observeDhcp(dhcp(mac, "ghost", "192.168.1.32"), kTime);
  EXPECT_EQ(inventory.size(), 0u);
  for (const char* address : {"192.168.1.30", "192.168.1.31", "192.168.1.32"}) {
    const Device device = inventory.lookup(ip(address), mac);  // not even as the flow's hint
    EXPECT_EQ(device.id, std::string("ip:") + address);
    EXPECT_FALSE(device.mac.has_value());
    EXPECT_TRUE(device.hostName.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Macs, UnusableMacTest,
    ::testing::Values(UnusableMacCase{"zero", {0, 0, 0, 0, 0, 0}},
                      UnusableMacCase{"broadcast", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
                      UnusableMacCase{"ipv4_multicast", {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}},
                      UnusableMacCase{"ipv6_multicast", {0x33, 0x33, 0x00, 0x00, 0x00, 0xfb}}),
    [](const auto& info) { return info.param.name; });

TEST(DeviceInventoryTest, IdFallsBackToIpWithoutMac) {
  DeviceInventory inventory;
  EXPECT_EQ(inventory.lookup(ip("192.168.1.99")).id, "ip:192.168.1.99");
  EXPECT_EQ(inventory.lookup(ip("fd00::99")).id, "ip:fd00::99");
  EXPECT_FALSE(inventory.lookup(ip("192.168.1.99")).mac.has_value());
}

TEST(DeviceInventoryTest, LearnedMacWinsOverTheFlowsHint) {
  DeviceInventory inventory;
  inventory.observeSender(ip("192.168.1.42"), kPhoneMac, kTime);
  EXPECT_EQ(inventory.lookup(ip("192.168.1.42"), kLaptopMac).id, "mac:3c:22:fb:12:34:56");
  EXPECT_EQ(inventory.lookup(ip("192.168.1.43"), kLaptopMac).id, "mac:a4:83:e7:00:00:01");
}

TEST(DeviceInventoryTest, StopsLearningNewAddressesAtTheCap) {
  DeviceInventory inventory(InventoryOptions{2});
  inventory.observeSender(ip("192.168.1.1"), kPhoneMac, kTime);
  inventory.observeSender(ip("192.168.1.2"), kPhoneMac, kTime);
  inventory.observeSender(ip("192.168.1.3"), kLaptopMac, kTime);
  EXPECT_EQ(inventory.size(), 2u);
  EXPECT_EQ(inventory.lookup(ip("192.168.1.3")).id, "ip:192.168.1.3");
  EXPECT_EQ(inventory.counters().get("inventory.not_learned"), 1u);
  inventory.observeSender(ip("192.168.1.2"), kLaptopMac, kTime);  // known address: updated
  EXPECT_EQ(inventory.lookup(ip("192.168.1.2")).id, "mac:a4:83:e7:00:00:01");
  EXPECT_EQ(inventory.counters().get("inventory.not_learned"), 1u);
}

}  // namespace
}  // namespace baawatch::inventory
