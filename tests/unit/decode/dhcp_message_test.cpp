#include "baawatch/decode/dhcp_message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

// A BOOTP fixed part (RFC 2131 §2) written out field by field, sname and file left zero, then
// the given hex for the magic cookie and options.
std::vector<std::uint8_t> dhcpFixture(const std::string& fixedHex, const std::string& optionsHex) {
  auto bytes = hexBytes(fixedHex);
  bytes.resize(236, 0);  // sname(64) and file(128) are all zero
  const auto options = hexBytes(optionsHex);
  bytes.insert(bytes.end(), options.begin(), options.end());
  return bytes;
}

// BOOTREQUEST from an Ethernet client 3c:22:fb:12:34:56, ciaddr/yiaddr 0.
const std::string kRequestFixed =
    "01 01 06 00 "              // op request, htype Ethernet, hlen 6, hops 0
    "a1 b2 c3 d4 00 00 00 00 "  // xid, secs, flags
    "00 00 00 00 00 00 00 00 "  // ciaddr, yiaddr
    "00 00 00 00 00 00 00 00 "  // siaddr, giaddr
    "3c 22 fb 12 34 56 00 00 00 00 00 00 00 00 00 00";  // chaddr (16 bytes)

TEST(DhcpMessageTest, RequestWithHostNameAndRequestedAddress) {
  const auto bytes = dhcpFixture(kRequestFixed,
                                 "63 82 53 63 "        // magic cookie
                                 "35 01 03 "           // 53: DHCPREQUEST
                                 "32 04 c0 a8 01 2a "  // 50: requested 192.168.1.42
                                 "0c 0b 42 6f 62 73 2d 69 50 68 6f 6e 65 "  // 12: "Bobs-iPhone"
                                 "37 03 01 03 06 "  // 55: parameter request list
                                 "ff");             // end
  const auto message = parseDhcpMessage(bytes);
  ASSERT_TRUE(message.has_value()) << counterName(message.error());
  EXPECT_EQ(message->op, 1);
  EXPECT_EQ(message->messageType, 3);
  EXPECT_EQ(formatMac(message->clientMac), "3c:22:fb:12:34:56");
  EXPECT_TRUE(message->clientAddress.isUnset());
  EXPECT_TRUE(message->yourAddress.isUnset());
  ASSERT_TRUE(message->requestedAddress.has_value());
  EXPECT_EQ(message->requestedAddress->toString(), "192.168.1.42");
  EXPECT_EQ(message->hostName, "Bobs-iPhone");
}

TEST(DhcpMessageTest, ClientIdentifierIsKeptWithItsType) {
  const auto bytes = dhcpFixture(kRequestFixed,
                                 "63 82 53 63 35 01 01 "
                                 "3d 07 01 3c 22 fb 12 34 56 "  // 61: type 1 + the MAC
                                 "ff");
  const auto message = parseDhcpMessage(bytes);
  ASSERT_TRUE(message.has_value()) << counterName(message.error());
  EXPECT_EQ(message->clientId, hexBytes("01 3c 22 fb 12 34 56"));
  const auto none = parseDhcpMessage(dhcpFixture(kRequestFixed, "63 82 53 63 35 01 01 ff"));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->clientId.empty());
}

TEST(DhcpMessageTest, AckCarriesYourAddress) {
  const auto bytes = dhcpFixture(
      "02 01 06 00 a1 b2 c3 d4 00 00 00 00 "  // BOOTREPLY
      "00 00 00 00 c0 a8 01 2a "              // ciaddr 0, yiaddr 192.168.1.42
      "c0 a8 01 01 00 00 00 00 "              // siaddr 192.168.1.1
      "3c 22 fb 12 34 56 00 00 00 00 00 00 00 00 00 00",
      "63 82 53 63 35 01 05 00 00 ff");  // DHCPACK, two pad bytes, end
  const auto message = parseDhcpMessage(bytes);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->messageType, 5);
  EXPECT_EQ(message->yourAddress.toString(), "192.168.1.42");
  EXPECT_FALSE(message->requestedAddress.has_value());
  EXPECT_TRUE(message->hostName.empty());
}

TEST(DhcpMessageTest, HostNameNulPaddingIsDroppedAndControlBytesRejectTheName) {
  const auto padded =
      parseDhcpMessage(dhcpFixture(kRequestFixed, "63 82 53 63 0c 05 70 63 2d 31 00 ff"));
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(padded->hostName, "pc-1");
  // "pc" ESC "[2J": a terminal escape is not a name; the message itself is still good.
  const auto escaped = parseDhcpMessage(
      dhcpFixture(kRequestFixed, "63 82 53 63 0c 06 70 63 1b 5b 32 4a 35 01 01 ff"));
  ASSERT_TRUE(escaped.has_value());
  EXPECT_TRUE(escaped->hostName.empty());
  EXPECT_EQ(escaped->messageType, 1);
}

TEST(DhcpMessageTest, MissingEndOptionIsTolerated) {
  const auto message = parseDhcpMessage(dhcpFixture(kRequestFixed, "63 82 53 63 35 01 01"));
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->messageType, 1);
}

struct DhcpErrorCase {
  std::string name;
  std::string optionsHex;
};

class DhcpErrorTest : public ::testing::TestWithParam<DhcpErrorCase> {};

TEST_P(DhcpErrorTest, Malformed) {
  const auto message = parseDhcpMessage(dhcpFixture(kRequestFixed, GetParam().optionsHex));
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error(), DecodeError::kDhcpMalformed);
}

INSTANTIATE_TEST_SUITE_P(
    Options, DhcpErrorTest,
    ::testing::Values(DhcpErrorCase{"no_cookie", ""},
                      DhcpErrorCase{"wrong_cookie", "63 82 53 64 35 01 01 ff"},
                      DhcpErrorCase{"option_overruns_packet", "63 82 53 63 0c 10 61 62 63"},
                      DhcpErrorCase{"option_length_missing", "63 82 53 63 35"},
                      DhcpErrorCase{"message_type_length_2", "63 82 53 63 35 02 01 01 ff"},
                      DhcpErrorCase{"requested_address_length_3", "63 82 53 63 32 03 0a 00 00 ff"},
                      DhcpErrorCase{"client_id_length_1", "63 82 53 63 3d 01 01 ff"}),
    [](const auto& testInfo) { return testInfo.param.name; });

TEST(DhcpMessageTest, BadOpAndShortHeaderAreMalformed) {
  auto badOp = dhcpFixture(kRequestFixed, "63 82 53 63 ff");
  badOp[0] = 3;
  EXPECT_FALSE(parseDhcpMessage(badOp).has_value());
  const auto good = dhcpFixture(kRequestFixed, "63 82 53 63 ff");
  EXPECT_TRUE(parseDhcpMessage(good).has_value());
  const auto shortHeader = parseDhcpMessage(std::span<const std::uint8_t>(good).first(200));
  ASSERT_FALSE(shortHeader.has_value());
  EXPECT_EQ(shortHeader.error(), DecodeError::kDhcpMalformed);
}

}  // namespace
}  // namespace baawatch::decode
