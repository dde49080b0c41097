#include "baawatch/classify/media_observation.hpp"

#include "baawatch/decode/stun_message.hpp"

namespace baawatch::classify {
namespace {

constexpr std::uint16_t kAttributeAppleCellularRat = 0x8007;
constexpr std::uint16_t kAttributeAppleLinkUuidOrMsVersion = 0x8008;

}  // namespace

bool MediaObservation::observeRtp(std::span<const std::uint8_t> payload) {
  auto rtp = decode::parseRtpHeader(payload);
  if (!rtp) return false;
  if (rtp->isRtcp) {
    rtcpPackets += 1;
  } else {
    rtpPackets += 1;
    rtpPayloadTypes.set(rtp->payloadType & 0x7f);
  }
  return true;
}

void MediaObservation::observe(std::span<const std::uint8_t> payload) {
  packetsSeen += 1;
  if (payload.empty()) return;
  std::uint8_t first = payload[0];
  // RFC 7983 §7: the first byte tells the protocols sharing one 5-tuple apart.
  if (first <= 3) {
    auto stun = decode::parseStunMessage(payload);
    if (!stun) return;
    stunMessages += 1;
    bool appleLink = false;
    bool appleRat = false;
    bool msVersion = false;
    for (const auto& attribute : stun->attributes) {
      if (attribute.type == kAttributeAppleLinkUuidOrMsVersion) {
        if (attribute.length == 16) appleLink = true;
        if (attribute.length == 4) msVersion = true;
      }
      if (attribute.type == kAttributeAppleCellularRat && attribute.length == 4) appleRat = true;
    }
    if (appleLink && appleRat) appleLinkStunMessages += 1;
    if (msVersion) msVersionStunMessages += 1;
  } else if (first >= 20 && first <= 63) {
    // DTLS content types 20-23 (plus 25 heartbeat) with a DTLS version 0xfeXX.
    if (payload.size() >= 13 && payload[1] == 0xfe) dtlsRecords += 1;
  } else if (first >= 64 && first <= 79) {
    if (!decode::looksLikeTurnChannelData(payload)) return;
    channelData += 1;
    // RFC 8656 §12.4: after the 4-byte channel number and length comes the relayed packet.
    auto relayed = payload.subspan(4);
    if (!relayed.empty() && relayed[0] >= 128 && relayed[0] <= 191 && observeRtp(relayed)) {
      channelDataRtpPackets += 1;
    }
  } else if (first >= 128 && first <= 191) {
    observeRtp(payload);
  } else if (first >= 192) {
    if (decode::parseQuicLongHeader(payload)) quicLongHeaders += 1;
  }
}

}  // namespace baawatch::classify
