#include "baawatch/decode/stun_message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::decode {
namespace {

using testing::hexBytes;

const std::string kTransactionId = "01 02 03 04 05 06 07 08 09 0a 0b 0c ";

// FaceTime-style Binding Request: Apple attributes 0x8007 (4 bytes) and 0x8008 (16 bytes).
const std::string kAppleBindingRequest =
    "00 01 00 1c 21 12 a4 42 " + kTransactionId +  // Binding Request, length 28, cookie
    "80 07 00 04 00 00 00 01 "                     // 0x8007, 4 bytes
    "80 08 00 10 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 00";  // 0x8008, 16 bytes

TEST(StunMessageTest, BindingRequestWithAppleAttributes) {
  const auto message = parseStunMessage(hexBytes(kAppleBindingRequest));
  ASSERT_TRUE(message.has_value()) << counterName(message.error());
  EXPECT_EQ(message->messageType, 0x0001);
  EXPECT_TRUE(message->hasMagicCookie);
  ASSERT_EQ(message->attributes.size(), 2u);
  EXPECT_EQ(message->attributes[0].type, 0x8007);
  EXPECT_EQ(message->attributes[0].length, 4);
  EXPECT_EQ(message->attributes[1].type, 0x8008);
  EXPECT_EQ(message->attributes[1].length, 16);
}

TEST(StunMessageTest, AttributePaddingIsSkipped) {
  // SOFTWARE (0x8022) of 5 bytes padded to 8, then FINGERPRINT (0x8028); length 20.
  const auto message = parseStunMessage(hexBytes("01 01 00 14 21 12 a4 42 " + kTransactionId +
                                                 "80 22 00 05 61 62 63 64 65 00 00 00 "
                                                 "80 28 00 04 de ad be ef"));
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->messageType, 0x0101);
  ASSERT_EQ(message->attributes.size(), 2u);
  EXPECT_EQ(message->attributes[0].length, 5);
  EXPECT_EQ(message->attributes[1].type, 0x8028);
}

TEST(StunMessageTest, ClassicStunWithoutCookieNeedsAnExactFit) {
  // RFC 3489 Binding Request: 16-byte transaction id, one CHANGE-REQUEST attribute.
  const std::string classic =
      "00 01 00 08 aa bb cc dd " + kTransactionId + "00 03 00 04 00 00 00 00";
  const auto message = parseStunMessage(hexBytes(classic));
  ASSERT_TRUE(message.has_value());
  EXPECT_FALSE(message->hasMagicCookie);
  ASSERT_EQ(message->attributes.size(), 1u);
  const auto trailing = parseStunMessage(hexBytes(classic + " 00 00 00 00"));
  ASSERT_FALSE(trailing.has_value());
  EXPECT_EQ(trailing.error(), DecodeError::kStunMalformed);
}

struct StunErrorCase {
  std::string name;
  std::string hex;
};

class StunErrorTest : public ::testing::TestWithParam<StunErrorCase> {};

TEST_P(StunErrorTest, Malformed) {
  const auto message = parseStunMessage(hexBytes(GetParam().hex));
  ASSERT_FALSE(message.has_value());
  EXPECT_EQ(message.error(), DecodeError::kStunMalformed);
}

INSTANTIATE_TEST_SUITE_P(
    Messages, StunErrorTest,
    ::testing::Values(
        // Header says 32 bytes of attributes, 28 follow.
        StunErrorCase{"length_beyond_payload", "00 01 00 20" + kAppleBindingRequest.substr(4 * 3)},
        StunErrorCase{"length_not_multiple_of_4",
                      "00 01 00 02 21 12 a4 42 " + kTransactionId + "00 00"},
        StunErrorCase{"top_bits_set", "c0 01 00 00 21 12 a4 42 " + kTransactionId},
        StunErrorCase{"header_cut", "00 01 00 00 21 12 a4 42 01 02"},
        // Attribute claims 20 bytes inside an 8-byte attribute area.
        StunErrorCase{"attribute_overruns_message",
                      "00 01 00 08 21 12 a4 42 " + kTransactionId + "80 08 00 14 00 00 00 00"},
        // 5-byte attribute whose padding is missing.
        StunErrorCase{"attribute_padding_missing",
                      "00 01 00 08 21 12 a4 42 " + kTransactionId + "80 22 00 05 61 62 63 64"}),
    [](const auto& testInfo) { return testInfo.param.name; });

TEST(TurnChannelDataTest, Recognition) {
  struct Case {
    const char* hex;
    bool expected;
  };
  const std::vector<Case> cases = {
      {"40 00 00 08 01 02 03 04 05 06 07 08", true},   // channel 0x4000, 8 bytes
      {"4f ff 00 05 01 02 03 04 05 00 00 00", true},   // 5 bytes + 3 padding
      {"7f ff 00 00", true},                           // empty data, highest channel
      {"40 00 00 10 01 02 03 04 05 06 07 08", false},  // claims 16, holds 8
      {"40 00 00 04 01 02 03 04 05 06 07 08", false},  // 4 bytes of slack: not padding
      {"3f ff 00 04 01 02 03 04", false},              // below the channel range
      {"80 00 00 04 01 02 03 04", false},              // RTP territory
      {"40 00 00", false},                             // header cut
  };
  for (const auto& c : cases) {
    EXPECT_EQ(looksLikeTurnChannelData(hexBytes(c.hex)), c.expected) << c.hex;
  }
}

// QUIC v1 Initial: long header, fixed bit, type 0, version 1, DCID 8, SCID 8, token length 0,
// then (not parsed) length and packet number.
const std::string kQuicV1Initial =
    "c3 00 00 00 01 08 83 94 c8 f0 3e 51 57 08 08 f0 67 a5 50 2a 42 62 b5 00 44 9e";

TEST(QuicLongHeaderTest, V1Initial) {
  const auto header = parseQuicLongHeader(hexBytes(kQuicV1Initial));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->version, 1u);
  EXPECT_EQ(header->packetType, 0);
  EXPECT_EQ(header->destinationCidLength, 8);
}

TEST(QuicLongHeaderTest, V2TypesAreReportedInV1Numbering) {
  struct Case {
    std::uint8_t firstByte;
    std::uint8_t v1Type;
  };
  // RFC 9369 §3.2: v2 Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
  for (const Case c : {Case{0xd0, 0}, Case{0xe0, 1}, Case{0xf0, 2}, Case{0xc0, 3}}) {
    auto bytes = hexBytes("00 6b 33 43 cf 04 01 02 03 04 00 00");
    bytes[0] = c.firstByte;
    const auto header = parseQuicLongHeader(bytes);
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->version, 0x6b3343cfu);
    EXPECT_EQ(header->packetType, c.v1Type) << int{c.firstByte};
  }
}

TEST(QuicLongHeaderTest, VersionNegotiation) {
  // Version 0, arbitrary low bits (fixed bit clear), DCID 4, SCID 4, versions 1 and v2.
  const auto header = parseQuicLongHeader(
      hexBytes("8a 00 00 00 00 04 01 02 03 04 04 05 06 07 08 00 00 00 01 6b 33 43 cf"));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->version, 0u);
  EXPECT_EQ(header->packetType, 0xff);
}

TEST(QuicLongHeaderTest, MvfstVersionIsKnown) {
  const auto header = parseQuicLongHeader(hexBytes("e3 fa ce b0 02 04 01 02 03 04 00 00"));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->packetType, 2);  // Handshake
}

TEST(QuicLongHeaderTest, Malformed) {
  for (const char* hex : {
           "43 00 00 00 01 08 83 94",           // short header
           "83 00 00 00 01 04 01 02 03 04 00",  // fixed bit clear
           "c3 1a 2a 3a 4a 04 01 02 03 04 00",  // unknown (grease) version
           "c3 00 00 00 01 15 01 02 03 04",     // DCID length 21
           "c3 00 00 00 01 08 83 94 c8",        // DCID cut
           "80 00 00 00 00 04 01 02 03 04 00",  // version negotiation without versions
       }) {
    const auto header = parseQuicLongHeader(hexBytes(hex));
    ASSERT_FALSE(header.has_value()) << hex;
    EXPECT_EQ(header.error(), DecodeError::kQuicMalformed);
  }
}

TEST(RtpHeaderTest, AacPayloadType104WithMarker) {
  // V2, no CSRC; marker + PT 104 (FaceTime AAC); seq 0x1234; timestamp; SSRC 0xdeadbeef.
  const auto header = parseRtpHeader(hexBytes("80 e8 12 34 00 00 10 00 de ad be ef 01 02 03 04"));
  ASSERT_TRUE(header.has_value());
  EXPECT_FALSE(header->isRtcp);
  EXPECT_TRUE(header->marker);
  EXPECT_EQ(header->payloadType, 104);
  EXPECT_EQ(header->sequence, 0x1234);
  EXPECT_EQ(header->ssrc, 0xdeadbeefu);
}

TEST(RtpHeaderTest, CsrcAndExtensionMustFit) {
  // CC 1 and an extension header of one word: 12 + 4 + 4 + 4 bytes.
  const std::string fits =
      "91 64 00 01 00 00 00 00 00 00 00 2a 00 00 00 07 be de 00 01 10 ff 00 00";
  const auto header = parseRtpHeader(hexBytes(fits));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->payloadType, 100);
  EXPECT_EQ(header->ssrc, 42u);
  const auto cut = parseRtpHeader(hexBytes(fits.substr(0, 22 * 3)));
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.error(), DecodeError::kRtpMalformed);
}

TEST(RtpHeaderTest, RtcpSenderReport) {
  // V2, RC 1, PT 200 (SR), length 6 words (28 bytes), sender SSRC 0x01020304.
  const auto header = parseRtpHeader(hexBytes(
      "81 c8 00 06 01 02 03 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  ASSERT_TRUE(header.has_value());
  EXPECT_TRUE(header->isRtcp);
  EXPECT_EQ(header->payloadType, 200);
  EXPECT_EQ(header->ssrc, 0x01020304u);
  // The same report claiming 7 words.
  const auto lying = parseRtpHeader(hexBytes(
      "81 c8 00 07 01 02 03 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  ASSERT_FALSE(lying.has_value());
  EXPECT_EQ(lying.error(), DecodeError::kRtpMalformed);
}

TEST(RtpHeaderTest, NotRtp) {
  for (const char* hex : {
           "40 68 12 34 00 00 10 00 de ad be ef",  // version 1
           "80 68 12 34 00 00 10",                 // shorter than the fixed header
           "8f 68 12 34 00 00 10 00 de ad be ef",  // 15 CSRCs promised, none present
           "a0 68 12 34 00 00 10 00 de ad be ef",  // padding bit with nothing to pad
       }) {
    const auto header = parseRtpHeader(hexBytes(hex));
    ASSERT_FALSE(header.has_value()) << hex;
    EXPECT_EQ(header.error(), DecodeError::kRtpMalformed);
  }
}

}  // namespace
}  // namespace baawatch::decode
