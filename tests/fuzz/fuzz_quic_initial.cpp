// QUIC Initial datagrams (RFC 9000 §17.2.2; v2: RFC 9369) as the packet path meets them: the
// input is one UDP payload, sent from a clinic client to port 443 in an IPv4 packet that the
// L2-L4 decoder takes apart, then parsed as a QUIC long header the way the media observation
// counts it, and decrypted as a client Initial (RFC 9001 §5). Random bytes never pass the AEAD
// tag, so the same input is also read as a decrypted payload (the frame walk) and, sealed by
// the test sealer into a real v1 Initial, goes the whole way: header protection, AES-128-GCM,
// frames, CRYPTO reassembly and the ClientHello parser.
#include <variant>
#include <vector>

#include "baawatch/decode/handshake_reassembler.hpp"
#include "baawatch/decode/packet_decoder.hpp"
#include "baawatch/decode/quic_initial.hpp"
#include "baawatch/decode/stun_message.hpp"
#include "baawatch/decode/tls_client_hello.hpp"
#include "fuzz_support.hpp"
#include "unit/decode/quic_test_packets.hpp"

namespace {

constexpr int kLinkTypeRaw = 101;
constexpr std::size_t kMaxDatagram = 65535 - 20 - 8;
// Inputs up to this size are also sealed as the frames of one Initial (at most ~1.5 KB).
constexpr std::size_t kMaxSealedFrames = 1400;

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

// Walks decrypted frames and reassembles their CRYPTO data as the classifier does.
std::size_t readFrames(std::span<const std::uint8_t> payload) {
  using namespace baawatch;
  std::size_t touched = 0;
  auto frames = decode::parseInitialFrames(payload);
  if (!frames) return 0;
  decode::HandshakeReassembler stream;
  for (const auto& fragment : frames->cryptoFragments()) {
    if (fragment.data.data() < payload.data() ||
        fragment.data.data() + fragment.data.size() > payload.data() + payload.size()) {
      std::abort();  // a fragment must be a view into the payload
    }
    (void)stream.add(fragment.offset, fragment.data);
  }
  if (stream.rangeCount() > decode::HandshakeReassembler::kMaxRanges) std::abort();
  const auto prefix = stream.contiguousPrefix();
  touched += prefix.size();
  if (auto hello = decode::parseClientHelloHandshake(prefix)) touched += hello->serverName.size();
  return touched;
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
  std::vector<std::uint8_t> plaintext;
  if (auto initial = decode::decryptClientInitial(input, plaintext)) {
    if (initial->packetLength > size) std::abort();
    sink = sink + readFrames(initial->frames);
  }
  sink = sink + readFrames(input);
  if (size <= kMaxSealedFrames) {
    static const std::uint8_t kDcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    const auto sealed = decode::testing::sealClientInitial(0x00000001, kDcid, {}, 1, input,
                                                           std::max<std::size_t>(1200, size + 64));
    auto initial = decode::decryptClientInitial(sealed, plaintext);
    if (!initial || initial->frames.size() < size ||
        !std::equal(input.begin(), input.end(), initial->frames.begin())) {
      std::abort();  // what we seal we must read back
    }
    sink = sink + readFrames(initial->frames);
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
