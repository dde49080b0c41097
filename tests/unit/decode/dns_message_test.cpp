#include "baawatch/decode/dns_message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

// Response 0x1a2b: www.Example.COM A -> CNAME cdn.example.com -> CNAME edge.cdn.example.com ->
// A 93.184.216.34 and AAAA 2606:2800:220:1:248:1893:25c8:1946. Offsets are in the comments
// because the compression pointers name them.
const std::string kCnameChain =
    "1a 2b 81 80 00 01 00 04 00 00 00 00 "                 //  0: header, QR RD RA, 1 q, 4 an
    "03 77 77 77 07 45 78 61 6d 70 6c 65 03 43 4f 4d 00 "  // 12: www.Example.COM
    "00 01 00 01 "                                         //     A IN
    "c0 0c 00 05 00 01 00 00 01 2c 00 06 "                 // 33: ->12 CNAME IN ttl 300 len 6
    "03 63 64 6e c0 10 "                                   // 45: cdn + ->16 (example.com)
    "c0 2d 00 05 00 01 00 00 01 2c 00 07 "                 // 51: ->45 CNAME ttl 300 len 7
    "04 65 64 67 65 c0 2d "                                // 63: edge + ->45
    "c0 3f 00 01 00 01 00 00 00 3c 00 04 5d b8 d8 22 "     // 70: ->63 A ttl 60
    "c0 3f 00 1c 00 01 00 00 00 3c 00 10 "                 // 86: ->63 AAAA ttl 60
    "26 06 28 00 02 20 00 01 02 48 18 93 25 c8 19 46";

TEST(DnsMessageTest, CnameChainWithAAndAaaa) {
  const auto bytes = hexBytes(kCnameChain);
  const auto message = parseDnsMessage(bytes);
  ASSERT_TRUE(message.has_value()) << counterName(message.error());
  EXPECT_EQ(message->id, 0x1a2b);
  EXPECT_TRUE(message->isResponse);
  EXPECT_EQ(message->responseCode, 0);
  EXPECT_FALSE(message->recordsTruncated);
  ASSERT_EQ(message->questions.size(), 1u);
  EXPECT_EQ(message->questions[0].name, "www.example.com");  // lower-cased, no trailing dot
  EXPECT_EQ(message->questions[0].type, dns_type::kA);
  ASSERT_EQ(message->answers.size(), 4u);
  const auto& answers = message->answers;
  EXPECT_EQ(answers[0].name, "www.example.com");
  EXPECT_EQ(answers[0].type, dns_type::kCname);
  EXPECT_EQ(answers[0].ttl, 300u);
  EXPECT_EQ(answers[0].target, "cdn.example.com");
  EXPECT_EQ(answers[1].name, "cdn.example.com");
  EXPECT_EQ(answers[1].target, "edge.cdn.example.com");
  EXPECT_EQ(answers[2].name, "edge.cdn.example.com");
  EXPECT_EQ(answers[2].type, dns_type::kA);
  EXPECT_EQ(answers[2].ttl, 60u);
  EXPECT_EQ(answers[2].address.toString(), "93.184.216.34");
  EXPECT_EQ(answers[3].type, dns_type::kAaaa);
  EXPECT_EQ(answers[3].address.toString(), "2606:2800:220:1:248:1893:25c8:1946");
}

TEST(DnsMessageTest, MdnsPtrAndSrvWithCacheFlushClass) {
  const auto bytes = hexBytes(
      "00 00 84 00 00 00 00 02 00 00 00 00 "  //  0: mDNS response, AA, 2 answers
      "08 5f 61 69 72 70 6c 61 79 04 5f 74 63 70 05 6c 6f 63 61 6c 00 "  // 12: _airplay._tcp.local
      "00 0c 00 01 00 00 11 94 00 0f "                 //     PTR IN ttl 4500 len 15
      "0c 42 6f 62 27 73 2d 69 50 68 6f 6e 65 c0 0c "  // 43: Bob's-iPhone + ->12
      "c0 2b 00 21 80 01 00 00 00 78 00 14 "           // 58: ->43 SRV IN|cache-flush ttl 120 len 20
      "00 00 00 00 1b 58 "                             //     priority 0, weight 0, port 7000
      "0b 42 6f 62 73 2d 69 50 68 6f 6e 65 c0 1a");    // Bobs-iPhone + ->26 (local)
  const auto message = parseDnsMessage(bytes);
  ASSERT_TRUE(message.has_value()) << counterName(message.error());
  ASSERT_EQ(message->answers.size(), 2u);
  EXPECT_EQ(message->answers[0].type, dns_type::kPtr);
  EXPECT_EQ(message->answers[0].name, "_airplay._tcp.local");
  EXPECT_EQ(message->answers[0].target, "bob's-iphone._airplay._tcp.local");
  EXPECT_EQ(message->answers[1].type, dns_type::kSrv);
  EXPECT_EQ(message->answers[1].name, "bob's-iphone._airplay._tcp.local");
  EXPECT_EQ(message->answers[1].target, "bobs-iphone.local");
}

TEST(DnsMessageTest, OtherRecordTypesAreSkipped) {
  const auto bytes = hexBytes(
      "00 07 81 80 00 00 00 02 00 00 00 00 "
      "01 61 00 00 10 00 01 00 00 00 3c 00 03 02 68 69 "   // 12: a TXT "hi"
      "c0 0c 00 01 00 01 00 00 00 3c 00 04 0a 00 00 01");  // ->12 A 10.0.0.1
  const auto message = parseDnsMessage(bytes);
  ASSERT_TRUE(message.has_value());
  ASSERT_EQ(message->answers.size(), 1u);
  EXPECT_EQ(message->answers[0].name, "a");
  EXPECT_EQ(message->answers[0].address.toString(), "10.0.0.1");
  EXPECT_FALSE(message->recordsTruncated);
}

TEST(DnsMessageTest, TruncatedAnswerAfterAGoodOneKeepsTheGoodOne) {
  const auto bytes = hexBytes(
      "00 08 81 80 00 01 00 02 00 00 00 00 "
      "01 61 00 00 01 00 01 "                             // 12: question a A IN
      "c0 0c 00 01 00 01 00 00 00 3c 00 04 01 02 03 04 "  // a A 1.2.3.4
      "c0 0c 00 01 00 01 00 00");                         // second answer cut inside its TTL
  const auto message = parseDnsMessage(bytes);
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(message->recordsTruncated);
  ASSERT_EQ(message->answers.size(), 1u);
  EXPECT_EQ(message->answers[0].address.toString(), "1.2.3.4");
}

struct DnsErrorCase {
  std::string name;
  std::string hex;
  DecodeError expected;
};

class DnsErrorTest : public ::testing::TestWithParam<DnsErrorCase> {};

TEST_P(DnsErrorTest, Fails) {
  const auto bytes = hexBytes(GetParam().hex);
  const auto message = parseDnsMessage(bytes);
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(counterName(message.error()), counterName(GetParam().expected));
}

const std::string kQueryHeader = "00 09 01 00 00 01 00 00 00 00 00 00 ";  // 1 question

INSTANTIATE_TEST_SUITE_P(
    Messages, DnsErrorTest,
    ::testing::Values(
        DnsErrorCase{"header_cut", "00 09 01 00 00 01 00 00", DecodeError::kDnsTruncated},
        DnsErrorCase{"question_name_cut", kQueryHeader + "03 77 77", DecodeError::kDnsTruncated},
        DnsErrorCase{"question_type_missing", kQueryHeader + "01 61 00 00",
                     DecodeError::kDnsTruncated},
        // The question's name is a pointer to itself.
        DnsErrorCase{"pointer_to_itself", kQueryHeader + "c0 0c 00 01 00 01",
                     DecodeError::kDnsCompressionLoop},
        // 12 -> 18 points forward (to a label that would itself be fine).
        DnsErrorCase{"pointer_forward", kQueryHeader + "c0 12 00 01 00 01 01 61 00",
                     DecodeError::kDnsCompressionLoop},
        // 12: label "a" then a pointer back to 12: a loop through the name's own start.
        DnsErrorCase{"pointer_into_own_name", kQueryHeader + "01 61 c0 0c 00 01 00 01",
                     DecodeError::kDnsCompressionLoop},
        DnsErrorCase{"reserved_label_type_0x80", kQueryHeader + "80 61 00 00 01 00 01",
                     DecodeError::kDnsBadName}),
    [](const auto& testInfo) { return testInfo.param.name; });

std::vector<std::uint8_t> queryWithName(const std::vector<std::uint8_t>& name) {
  auto bytes = hexBytes(kQueryHeader);
  bytes.insert(bytes.end(), name.begin(), name.end());
  const auto typeAndClass = hexBytes("00 01 00 01");  // A IN
  bytes.insert(bytes.end(), typeAndClass.begin(), typeAndClass.end());
  return bytes;
}

TEST(DnsMessageTest, LabelLongerThan63IsABadName) {
  std::vector<std::uint8_t> name{64};
  name.insert(name.end(), 64, 'a');
  name.push_back(0);
  const auto message = parseDnsMessage(queryWithName(name));
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error(), DecodeError::kDnsBadName);
}

TEST(DnsMessageTest, NameLongerThan255IsABadName) {
  std::vector<std::uint8_t> name;
  for (int label = 0; label < 4; ++label) {  // 4 * 64 + 1 = 257 bytes on the wire
    name.push_back(63);
    name.insert(name.end(), 63, 'a');
  }
  name.push_back(0);
  const auto message = parseDnsMessage(queryWithName(name));
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error(), DecodeError::kDnsBadName);

  // Three 63-byte labels and a 61-byte one make exactly 255: still a name.
  std::vector<std::uint8_t> longest;
  for (std::uint8_t length : hexBytes("3f 3f 3f 3d")) {  // 63, 63, 63, 61
    longest.push_back(length);
    longest.insert(longest.end(), length, 'b');
  }
  longest.push_back(0);
  const auto ok = parseDnsMessage(queryWithName(longest));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->questions[0].name.size(), 253u);
}

TEST(DnsMessageTest, PointerHopLimit) {
  // Question 0 is "a"; question i is a pointer to question i-1. Every pointer points backwards,
  // but question 33 needs 33 hops, one more than the limit.
  auto build = [](int questions) {
    auto bytes = hexBytes("00 0a 01 00 00 00 00 00 00 00 00 00");
    bytes[5] = static_cast<std::uint8_t>(questions);
    for (std::uint8_t b : hexBytes("01 61 00 00 01 00 01")) bytes.push_back(b);  // "a" A IN
    std::size_t previous = 12;
    for (int i = 1; i < questions; ++i) {
      const std::size_t here = bytes.size();
      bytes.push_back(static_cast<std::uint8_t>(0xc0 | (previous >> 8)));
      bytes.push_back(static_cast<std::uint8_t>(previous & 0xff));
      for (std::uint8_t b : hexBytes("00 01 00 01")) bytes.push_back(b);  // A IN
      previous = here;
    }
    return bytes;
  };
  const auto within = parseDnsMessage(build(33));  // the last needs 32 hops
  ASSERT_TRUE(within.has_value());
  EXPECT_EQ(within->questions.back().name, "a");
  const auto beyond = parseDnsMessage(build(34));
  ASSERT_FALSE(beyond.has_value());
  EXPECT_EQ(beyond.error(), DecodeError::kDnsCompressionLoop);
}

TEST(DnsMessageTest, QuestionCapKeeps64) {
  auto bytes = hexBytes("00 0b 01 00 00 46 00 00 00 00 00 00");  // 70 questions
  for (int i = 0; i < 70; ++i) {
    for (std::uint8_t b : hexBytes("01 71 00 00 01 00 01")) bytes.push_back(b);  // "q" A IN
  }
  const auto message = parseDnsMessage(bytes);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->questions.size(), 64u);
  EXPECT_TRUE(message->recordsTruncated);
}

TEST(DnsMessageTest, EveryTruncationFailsOrFlags) {
  // Cutting the CNAME chain anywhere never reads past the end: either the header/question is
  // incomplete (an error) or the answers stop early (flagged).
  const auto bytes = hexBytes(kCnameChain);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const auto message = parseDnsMessage(std::span<const std::uint8_t>(bytes).first(size));
    if (message.has_value()) {
      EXPECT_TRUE(message->recordsTruncated) << size;
      EXPECT_LT(message->answers.size(), 4u) << size;
    } else {
      EXPECT_EQ(message.error(), DecodeError::kDnsTruncated) << size;
    }
  }
}

}  // namespace
}  // namespace baawatch::decode
