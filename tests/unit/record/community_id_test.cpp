#include "baawatch/record/community_id.hpp"

#include <gtest/gtest.h>

#include <string>

namespace baawatch::record {
namespace {

IpAddress ip(const std::string& text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

CommunityIdTuple tuple(const char* source, const char* destination, std::uint8_t protocol,
                       std::uint16_t sourcePort = 0, std::uint16_t destinationPort = 0) {
  return CommunityIdTuple{ip(source), ip(destination), protocol, sourcePort, destinationPort};
}

// The test vectors published with the Community ID v1 specification
// (github.com/corelight/community-id-spec, and the implementations that check against it).
TEST(CommunityIdTest, PublishedVectorsSeedZero) {
  EXPECT_EQ(communityId(tuple("1.2.3.4", "5.6.7.8", 6, 1122, 3344)), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(communityId(tuple("1.2.3.4", "5.6.7.8", 17, 1122, 3344)), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
  EXPECT_EQ(communityId(tuple("1.2.3.4", "5.6.7.8", 1, 8, 0)), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(communityId(tuple("fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
                              "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 58, 128, 0)),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
  // A protocol without ports (RSVP): addresses and protocol only.
  EXPECT_EQ(communityId(tuple("1.2.3.4", "5.6.7.8", 46)), "1:ikv3kmf89luf73WPz1jOs49S768=");
}

TEST(CommunityIdTest, PublishedVectorsSeedOne) {
  EXPECT_EQ(communityId(tuple("1.2.3.4", "5.6.7.8", 6, 1122, 3344), 1), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
  EXPECT_EQ(communityId(tuple("1.2.3.4", "5.6.7.8", 17, 1122, 3344), 1), "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
  EXPECT_EQ(communityId(tuple("1.2.3.4", "5.6.7.8", 1, 8, 0), 1), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=");
  EXPECT_EQ(communityId(tuple("fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
                              "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 58, 128, 0), 1),
            "1:IO27GQzPuCtNnwFvjWALMHu5tJE=");
}

TEST(CommunityIdTest, BothDirectionsGiveTheSameId) {
  EXPECT_EQ(communityId(tuple("5.6.7.8", "1.2.3.4", 6, 3344, 1122)), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(communityId(tuple("5.6.7.8", "1.2.3.4", 17, 3344, 1122)), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
  // The echo reply maps onto the request's pair.
  EXPECT_EQ(communityId(tuple("5.6.7.8", "1.2.3.4", 1, 0, 0)), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(communityId(tuple("fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
                              "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 58, 129, 0)),
            "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
}

TEST(CommunityIdTest, OneWayIcmpKeepsItsDirection) {
  // Destination unreachable (type 3) has no counterpart: the two directions differ.
  EXPECT_NE(communityId(tuple("1.2.3.4", "5.6.7.8", 1, 3, 1)),
            communityId(tuple("5.6.7.8", "1.2.3.4", 1, 3, 1)));
}

TEST(CommunityIdTest, FlowUsesClientToServerAndIcmpTypeAndCode) {
  flow::Flow tcp;
  tcp.client = ip("5.6.7.8");
  tcp.clientPort = 3344;
  tcp.server = ip("1.2.3.4");
  tcp.serverPort = 1122;
  tcp.protocol = 6;
  EXPECT_EQ(communityId(tcp), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  flow::Flow echo;
  echo.client = ip("1.2.3.4");
  echo.server = ip("5.6.7.8");
  echo.protocol = 1;
  echo.icmpType = 8;
  echo.icmpCode = 0;
  EXPECT_EQ(communityId(echo), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
}

}  // namespace
}  // namespace baawatch::record
