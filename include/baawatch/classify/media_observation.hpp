#pragma once
// What the first packets of a UDP flow look like, by RFC 7983's first-byte demultiplexing:
// STUN (0-3), DTLS (20-63), TURN ChannelData (64-79 with a fitting length), RTP/RTCP (128-191),
// QUIC long header (192-255). Counts only, plus the STUN attributes and RTP payload types that
// identify an application: no payload byte is kept. RTP relayed inside TURN ChannelData (RFC 8656
// §12.4: the frame's application data is the peer's packet itself) counts as RTP too.
#include <bitset>
#include <cstdint>
#include <span>

namespace baawatch::classify {

struct MediaObservation {
  std::uint32_t packetsSeen = 0;
  std::uint32_t stunMessages = 0;
  std::uint32_t channelData = 0;
  std::uint32_t dtlsRecords = 0;
  std::uint32_t quicLongHeaders = 0;
  std::uint32_t rtpPackets = 0;
  std::uint32_t rtcpPackets = 0;
  std::uint32_t channelDataRtpPackets = 0;  // of rtpPackets, those found inside ChannelData
  // Apple's private STUN attributes with their documented lengths (research/signatures.md §1.2):
  // 0x8008 IDSStunAttributeLinkUUID (16 bytes) and 0x8007 IDSStunAttributeCellularRAT (4 bytes),
  // seen in one message. Teams' 0x8008 (MS-Version) has 4 bytes and does not count.
  std::uint32_t appleLinkStunMessages = 0;
  std::uint32_t msVersionStunMessages = 0;  // 0x8008 with 4 bytes: Microsoft's
  // RTP payload types seen. Which ones, not how often: a count per type (512 bytes) was carried
  // by every flow and read by nothing.
  std::bitset<128> rtpPayloadTypes;

  // Classifies one UDP payload and counts it.
  void observe(std::span<const std::uint8_t> payload);

 private:
  bool observeRtp(std::span<const std::uint8_t> payload);  // false: not RTP/RTCP v2
};

}  // namespace baawatch::classify
