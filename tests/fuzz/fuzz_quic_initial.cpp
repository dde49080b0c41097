// QUIC Initial datagrams (RFC 9000 §17.2.2; v2: RFC 9369) as the packet path meets them: the
// input is one UDP payload, sent from a clinic client to port 443 in an IPv4 packet that the
// L2-L4 decoder takes apart, then parsed as a QUIC long header the way the media observation
// counts it. Only the header is ours: the Initial's protected payload (CRYPTO frames, the
// ClientHello and its SNI) is decrypted by nDPI, which the `pipeline` target drives.
#include <variant>
#include <vector>

#include "baawatch/decode/packet_decoder.hpp"
#include "baawatch/decode/stun_message.hpp"
#include "fuzz_support.hpp"

namespace {

constexpr int kLinkTypeRaw = 101;
constexpr std::size_t kMaxDatagram = 65535 - 20 - 8;

// IPv4 (no options) + UDP 50000 -> 443 around `datagram`; checksums zero (the decoder ignores them).
std::vector<std::uint8_t> wrapInUdp(std::span<const std::uint8_t> datagram) {
  const std::size_t total = 20 + 8 + datagram.size();
  std::vector<std::uint8_t> frame = {
      0x45, 0x00, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0, 0,
      0x40, 0x00, 64, 17, 0, 0, 192, 168, 10, 23, 17, 188, 167, 41,  // 192.168.10.23 -> 17.188.167.41
      0xc3, 0x50, 0x01, 0xbb, static_cast<std::uint8_t>((8 + datagram.size()) >> 8),
      static_cast<std::uint8_t>(8 + datagram.size()), 0, 0};
  frame.insert(frame.end(), datagram.begin(), datagram.end());
  return frame;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baawatch;
  if (size > kMaxDatagram) return 0;
  std::span<const std::uint8_t> input(data, size);
  volatile std::size_t sink = 0;
  // The bare datagram, as the classifier sees a UDP payload.
  if (auto header = decode::parseQuicLongHeader(input)) {
    sink = sink + header->version + header->packetType + header->destinationCidLength;
  }
  // The same bytes on the wire: the decoder must hand back exactly them as the payload.
  std::vector<std::uint8_t> frame = wrapInUdp(input);
  decode::PacketDecoder decoder(kLinkTypeRaw);
  auto decoded = decoder.decode(frame, static_cast<std::uint32_t>(frame.size()), Timestamp{});
  if (decoded) {
    if (auto* packet = std::get_if<decode::DecodedPacket>(&*decoded)) {
      if (packet->payload.size() != size) std::abort();
      sink = sink + fuzz::touch(packet->payload);
      if (auto header = decode::parseQuicLongHeader(packet->payload)) sink = sink + header->version;
    }
  }
  (void)sink;
  return 0;
}
