// MediaObservation sorts UDP payloads by RFC 7983's first byte and counts what identifies an
// application: one hex fixture per kind of packet, with what it must (and must not) count.
#include "baawatch/classify/media_observation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/decode/hex_fixture.hpp"

namespace baawatch::classify {
namespace {

using decode::testing::hexBytes;

// STUN header (RFC 8489 §5): type, length, magic cookie 2112a442, 12-byte transaction id.
const std::string kStunHeaderTail = "21 12 a4 42  01 02 03 04 05 06 07 08 09 0a 0b 0c";

struct Counts {
  std::uint32_t stun = 0, channelData = 0, dtls = 0, quic = 0, rtp = 0, rtcp = 0;
  std::uint32_t appleLink = 0, msVersion = 0;
  int payloadType = -1;  // the one RTP payload type seen, -1 none
};

struct MediaCase {
  std::string name;
  std::string hex;
  Counts expected;
};

class MediaObservationTest : public ::testing::TestWithParam<MediaCase> {};

TEST_P(MediaObservationTest, CountsWhatThePayloadIs) {
  const MediaCase& c = GetParam();
  MediaObservation media;
  std::vector<std::uint8_t> payload = hexBytes(c.hex);
  media.observe(payload);
  EXPECT_EQ(media.packetsSeen, 1u);
  EXPECT_EQ(media.stunMessages, c.expected.stun);
  EXPECT_EQ(media.channelData, c.expected.channelData);
  EXPECT_EQ(media.dtlsRecords, c.expected.dtls);
  EXPECT_EQ(media.quicLongHeaders, c.expected.quic);
  EXPECT_EQ(media.rtpPackets, c.expected.rtp);
  EXPECT_EQ(media.rtcpPackets, c.expected.rtcp);
  EXPECT_EQ(media.appleLinkStunMessages, c.expected.appleLink);
  EXPECT_EQ(media.msVersionStunMessages, c.expected.msVersion);
  EXPECT_EQ(media.rtpPayloadTypes.count(), c.expected.payloadType < 0 ? 0u : 1u);
  if (c.expected.payloadType >= 0) {
    EXPECT_TRUE(media.rtpPayloadTypes.test(static_cast<std::size_t>(c.expected.payloadType)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Payloads, MediaObservationTest,
    ::testing::Values(
        MediaCase{"StunBindingRequest", "00 01 00 00 " + kStunHeaderTail, {.stun = 1}},
        // IDSStunAttributeLinkUUID 0x8008 (16 bytes) with IDSStunAttributeCellularRAT 0x8007.
        MediaCase{"AppleLinkStun",
                  "00 01 00 1c " + kStunHeaderTail +
                      " 80 08 00 10 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff"
                      " 80 07 00 04 00 00 00 01",
                  {.stun = 1, .appleLink = 1}},
        // 0x8008 with 16 bytes alone is not Apple's pair.
        MediaCase{"LinkUuidWithoutCellularRat",
                  "00 01 00 14 " + kStunHeaderTail +
                      " 80 08 00 10 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff",
                  {.stun = 1}},
        // Teams' MS-Version is 0x8008 with 4 bytes: counted as Microsoft's, never as Apple's.
        MediaCase{"TeamsMsVersion", "00 01 00 08 " + kStunHeaderTail + " 80 08 00 04 00 00 00 06",
                  {.stun = 1, .msVersion = 1}},
        MediaCase{"TeamsMsVersionWithCellularRat",
                  "00 01 00 10 " + kStunHeaderTail +
                      " 80 08 00 04 00 00 00 06 80 07 00 04 00 00 00 01",
                  {.stun = 1, .msVersion = 1}},
        // A STUN length that does not fit the datagram is not STUN.
        MediaCase{"StunLengthTooLong", "00 01 00 20 " + kStunHeaderTail, {}},
        // DTLS 1.2 handshake record (content type 22, version fe fd).
        MediaCase{"DtlsHandshake", "16 fe fd 00 00 00 00 00 00 00 00 00 10", {.dtls = 1}},
        MediaCase{"DtlsTooShort", "16 fe fd 00 00 00 00 00 00 00 00 00", {}},
        MediaCase{"TlsVersionIsNotDtls", "16 03 03 00 00 00 00 00 00 00 00 00 10", {}},
        // TURN ChannelData: channel 0x4001, length 4, 4 bytes of data.
        MediaCase{"TurnChannelData", "40 01 00 04 de ad be ef", {.channelData = 1}},
        MediaCase{"ChannelDataLengthTooLong", "40 01 00 08 de ad be ef", {}},
        // RTP v2, payload type 100 (FaceTime's H.265), marker bit set (0xe4).
        MediaCase{"RtpFaceTimeVideo", "80 e4 00 01 00 00 00 10 11 22 33 44",
                  {.rtp = 1, .payloadType = 100}},
        MediaCase{"RtpOpus", "80 6f 00 01 00 00 00 10 11 22 33 44", {.rtp = 1, .payloadType = 111}},
        // RTCP sender report (PT 200), length 1 word + 1.
        MediaCase{"RtcpSenderReport", "80 c8 00 01 11 22 33 44", {.rtcp = 1}},
        // QUIC v1 Initial long header, DCID 8 bytes, SCID 0.
        MediaCase{"QuicInitial", "c3 00 00 00 01 08 01 02 03 04 05 06 07 08 00 00 40 00",
                  {.quic = 1}},
        MediaCase{"QuicUnknownVersion", "c3 0a 0b 0c 0d 08 01 02 03 04 05 06 07 08 00 00", {}},
        // First bytes 4-19 belong to no protocol of RFC 7983: counted as seen only.
        MediaCase{"UnassignedFirstByte", "10 00 00 00 00 00 00 00", {}},
        MediaCase{"Empty", "", {}}),
    [](const ::testing::TestParamInfo<MediaCase>& info) { return info.param.name; });

TEST(MediaObservationTest, KeepsWhichPayloadTypesNotHowMany) {
  MediaObservation media;
  for (int i = 0; i < 3; ++i) media.observe(hexBytes("80 64 00 01 00 00 00 10 11 22 33 44"));
  media.observe(hexBytes("80 7b 00 02 00 00 00 10 11 22 33 44"));
  EXPECT_EQ(media.packetsSeen, 4u);
  EXPECT_EQ(media.rtpPackets, 4u);
  EXPECT_EQ(media.rtpPayloadTypes.count(), 2u);
  EXPECT_TRUE(media.rtpPayloadTypes.test(100));
  EXPECT_TRUE(media.rtpPayloadTypes.test(123));
}

}  // namespace
}  // namespace baawatch::classify
