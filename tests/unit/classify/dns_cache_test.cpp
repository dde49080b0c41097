#include "baawatch/classify/dns_cache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::classify {
namespace {

using decode::DnsMessage;
using decode::DnsRecord;

IpAddress ip(const std::string& text) {
  auto address = IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

Timestamp at(double seconds) { return Timestamp::fromSeconds(seconds); }

// A response to `question` with one A/AAAA record per address, owner name = the question.
DnsMessage response(const std::string& question, const std::vector<std::string>& addresses,
                    std::uint32_t ttl = 600) {
  DnsMessage message;
  message.isResponse = true;
  message.questions.push_back({question, decode::dns_type::kA});
  for (const auto& address : addresses) {
    DnsRecord record;
    record.name = question;
    record.ttl = ttl;
    record.address = ip(address);
    record.type = record.address.isV4() ? decode::dns_type::kA : decode::dns_type::kAaaa;
    message.answers.push_back(record);
  }
  return message;
}

const IpAddress kPhone = ip("192.168.1.42");
const IpAddress kLaptop = ip("192.168.1.43");

TEST(DnsCacheTest, MappingIsPerClient) {
  DnsCache cache(DnsCacheOptions{});
  cache.observeResponse(kPhone, response("g.whatsapp.net", {"157.240.1.53", "2a03:2880::53"}),
                        at(10));
  auto v4 = cache.lookup(kPhone, ip("157.240.1.53"), at(20));
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->name, "g.whatsapp.net");
  EXPECT_EQ(v4->resolvedAt, at(10));
  auto v6 = cache.lookup(kPhone, ip("2a03:2880::53"), at(20));
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->name, "g.whatsapp.net");
  // Another device talking to the same address did not look it up.
  EXPECT_FALSE(cache.lookup(kLaptop, ip("157.240.1.53"), at(20)).has_value());
  EXPECT_FALSE(cache.lookup(kPhone, ip("157.240.1.54"), at(20)).has_value());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.counters().get("dns_cache.learned"), 2u);
}

TEST(DnsCacheTest, SameAddressResolvedByTwoClientsKeepsEachName) {
  DnsCache cache(DnsCacheOptions{});
  cache.observeResponse(kPhone, response("g.whatsapp.net", {"157.240.1.53"}), at(1));
  cache.observeResponse(kLaptop, response("edge-chat.messenger.com", {"157.240.1.53"}), at(2));
  EXPECT_EQ(cache.lookup(kPhone, ip("157.240.1.53"), at(3))->name, "g.whatsapp.net");
  EXPECT_EQ(cache.lookup(kLaptop, ip("157.240.1.53"), at(3))->name, "edge-chat.messenger.com");
}

TEST(DnsCacheTest, IgnoresQueriesAndOtherRecordTypes) {
  DnsCache cache(DnsCacheOptions{});
  DnsMessage query = response("g.whatsapp.net", {"157.240.1.53"});
  query.isResponse = false;
  cache.observeResponse(kPhone, query, at(1));
  DnsMessage noQuestion = response("g.whatsapp.net", {"157.240.1.54"});
  noQuestion.questions.clear();
  cache.observeResponse(kPhone, noQuestion, at(1));
  DnsMessage cnameOnly = response("a.example", {});
  cnameOnly.answers.push_back(DnsRecord{"a.example", decode::dns_type::kCname, 600, {}, "b.example"});
  cache.observeResponse(kPhone, cnameOnly, at(1));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.lookup(kPhone, ip("157.240.1.53"), at(2)).has_value());
}

struct TtlCase {
  std::string name;
  std::uint32_t ttl;
  double expectedLifetime;
};

class DnsCacheTtlTest : public ::testing::TestWithParam<TtlCase> {};

TEST_P(DnsCacheTtlTest, EntryLivesForTheClampedTtl) {
  DnsCacheOptions options;
  options.minTtl = 300;
  options.maxTtl = 3600;
  DnsCache cache(options);
  const TtlCase& c = GetParam();
  cache.observeResponse(kPhone, response("g.whatsapp.net", {"157.240.1.53"}, c.ttl), at(1000));
  const IpAddress server = ip("157.240.1.53");
  EXPECT_TRUE(cache.lookup(kPhone, server, at(1000 + c.expectedLifetime - 0.001)).has_value());
  EXPECT_TRUE(cache.lookup(kPhone, server, at(1000 + c.expectedLifetime)).has_value());
  EXPECT_FALSE(cache.lookup(kPhone, server, at(1000 + c.expectedLifetime + 0.001)).has_value());
}

INSTANTIATE_TEST_SUITE_P(Ttls, DnsCacheTtlTest,
                         ::testing::Values(TtlCase{"zero_raised_to_floor", 0, 300},
                                           TtlCase{"short_raised_to_floor", 20, 300},
                                           TtlCase{"at_floor", 300, 300},
                                           TtlCase{"between_kept", 1234, 1234},
                                           TtlCase{"long_cut_to_ceiling", 604800, 3600},
                                           TtlCase{"max_uint_cut_to_ceiling", 0xffffffffu, 3600}),
                         [](const auto& info) { return info.param.name; });

TEST(DnsCacheTest, ANewAnswerRefreshesTheEntry) {
  DnsCacheOptions options;
  options.minTtl = 60;
  DnsCache cache(options);
  const IpAddress server = ip("157.240.1.53");
  cache.observeResponse(kPhone, response("g.whatsapp.net", {"157.240.1.53"}, 60), at(0));
  cache.observeResponse(kPhone, response("mmg.whatsapp.net", {"157.240.1.53"}, 60), at(50));
  auto found = cache.lookup(kPhone, server, at(100));
  ASSERT_TRUE(found.has_value()) << "the refresh at 50 s should live until 110 s";
  EXPECT_EQ(found->name, "mmg.whatsapp.net");
  EXPECT_EQ(found->resolvedAt, at(50));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.counters().get("dns_cache.learned"), 1u);
}

TEST(DnsCacheTest, EvictsOldestBeyondTheCapAndCountsIt) {
  DnsCacheOptions options;
  options.maxEntries = 2;
  DnsCache cache(options);
  cache.observeResponse(kPhone, response("a.example", {"192.0.2.1"}), at(1));
  cache.observeResponse(kPhone, response("b.example", {"192.0.2.2"}), at(2));
  cache.observeResponse(kPhone, response("c.example", {"192.0.2.3", "192.0.2.4"}), at(3));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.lookup(kPhone, ip("192.0.2.1"), at(4)).has_value());
  EXPECT_FALSE(cache.lookup(kPhone, ip("192.0.2.2"), at(4)).has_value());
  EXPECT_TRUE(cache.lookup(kPhone, ip("192.0.2.3"), at(4)).has_value());
  EXPECT_TRUE(cache.lookup(kPhone, ip("192.0.2.4"), at(4)).has_value());
  EXPECT_EQ(cache.counters().get("dns_cache.learned"), 4u);
  EXPECT_EQ(cache.counters().get("dns_cache.evicted"), 2u);
}

TEST(DnsCacheTest, CnameChainKeepsTheQuestionName) {
  // Real bytes: www.Example.COM -> CNAME cdn.example.com -> CNAME edge.cdn.example.com ->
  // A 93.184.216.34 (ttl 60) and AAAA 2606:2800:220:1:248:1893:25c8:1946 (same fixture as the
  // decoder test).
  const auto bytes = decode::testing::hexBytes(
      "1a 2b 81 80 00 01 00 04 00 00 00 00 "
      "03 77 77 77 07 45 78 61 6d 70 6c 65 03 43 4f 4d 00 00 01 00 01 "
      "c0 0c 00 05 00 01 00 00 01 2c 00 06 03 63 64 6e c0 10 "
      "c0 2d 00 05 00 01 00 00 01 2c 00 07 04 65 64 67 65 c0 2d "
      "c0 3f 00 01 00 01 00 00 00 3c 00 04 5d b8 d8 22 "
      "c0 3f 00 1c 00 01 00 00 00 3c 00 10 26 06 28 00 02 20 00 01 02 48 18 93 25 c8 19 46");
  auto message = decode::parseDnsMessage(bytes);
  ASSERT_TRUE(message.has_value());
  DnsCache cache(DnsCacheOptions{});
  cache.observeResponse(kPhone, *message, at(5));
  for (const char* address : {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"}) {
    auto found = cache.lookup(kPhone, ip(address), at(6));
    ASSERT_TRUE(found.has_value()) << address;
    EXPECT_EQ(found->name, "www.example.com") << address;
    EXPECT_EQ(found->answeredName, "edge.cdn.example.com") << address;
  }
  EXPECT_EQ(cache.size(), 2u);  // CNAME records are not addresses
}

TEST(DnsCacheReloadTest, ACacheTakingOverKeepsWhatWasLearnedTrimmedToItsOwnSize) {
  DnsCache old(DnsCacheOptions{});
  old.observeResponse(kPhone, response("g.whatsapp.net", {"157.240.1.53"}), at(10));
  old.observeResponse(kPhone, response("chat.signal.org", {"76.223.92.165"}), at(11));
  old.observeResponse(kLaptop, response("zoom.us", {"170.114.52.2"}), at(12));
  DnsCacheOptions smaller;
  smaller.maxEntries = 2;
  DnsCache renewed(smaller);
  renewed.takeEntriesFrom(std::move(old));
  EXPECT_EQ(renewed.size(), 2u);
  // The oldest answer made room; the two later ones are still known, with their learned expiry.
  EXPECT_FALSE(renewed.lookup(kPhone, ip("157.240.1.53"), at(20)).has_value());
  auto signal = renewed.lookup(kPhone, ip("76.223.92.165"), at(20));
  ASSERT_TRUE(signal.has_value());
  EXPECT_EQ(signal->name, "chat.signal.org");
  ASSERT_TRUE(renewed.lookup(kLaptop, ip("170.114.52.2"), at(20)).has_value());
  EXPECT_EQ(renewed.counters().get("dns_cache.learned"), 3u);
  EXPECT_EQ(renewed.counters().get("dns_cache.evicted"), 1u);
}

}  // namespace
}  // namespace baawatch::classify
