// The UDP media parsers, all on the same datagram as the classifiers try them: QUIC long header,
// STUN/TURN, TURN ChannelData and RTP/RTCP.
#include "baawatch/decode/stun_message.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baawatch::decode;
  std::span<const std::uint8_t> payload(data, size);
  volatile std::size_t sink = 0;
  if (auto quic = parseQuicLongHeader(payload)) sink = sink + quic->version;
  if (auto stun = parseStunMessage(payload)) {
    for (const auto& attribute : stun->attributes) sink = sink + attribute.type;
  }
  if (looksLikeTurnChannelData(payload)) sink = sink + 1;
  if (auto rtp = parseRtpHeader(payload)) sink = sink + rtp->ssrc;
  (void)sink;
  return 0;
}
