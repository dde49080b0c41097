// The per-flow ClientHello reader over a run of client packets: the input is cut into records
// of [kind(1) sequence(4) length(2) bytes(length)]; kind's low bit picks a TCP segment (with
// SYN when bit 1 is set) or a QUIC datagram. This drives TCP reassembly by sequence number
// (wrap-around, retransmits, overlaps, segments before the stream start) and CRYPTO
// reassembly across Initials; each record whose first bytes spell a v1 Initial header tag
// (kind bit 2) is sealed into a real Initial so decryption succeeds. Invariants: no partial
// hello survives a finished flow.
#include <vector>

#include "baawatch/common/counters.hpp"
#include "classify/client_hello_reader.hpp"
#include "fuzz_support.hpp"
#include "unit/decode/quic_test_packets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baawatch;
  if (size > 64 * 1024) return 0;
  classify::ClientHelloReader reader;
  classify::ClientHelloProgress tcp;
  classify::ClientHelloProgress quic;
  Counters counters;
  static const std::uint8_t kDcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  std::size_t at = 0;
  volatile std::size_t sink = 0;
  std::uint16_t packetNumber = 0;
  while (at + 7 <= size) {
    const std::uint8_t kind = data[at];
    const std::uint32_t sequence = (std::uint32_t{data[at + 1]} << 24) |
                                   (std::uint32_t{data[at + 2]} << 16) |
                                   (std::uint32_t{data[at + 3]} << 8) | data[at + 4];
    const std::size_t length = std::min<std::size_t>((std::size_t{data[at + 5]} << 8) | data[at + 6],
                                                     size - at - 7);
    std::span<const std::uint8_t> bytes(data + at + 7, length);
    at += 7 + length;
    if ((kind & 1) == 0) {
      decode::DecodedPacket packet;
      packet.transport = decode::Transport::kTcp;
      packet.tcpSequence = sequence;
      packet.tcpFlags = (kind & 2) ? decode::tcp_flags::kSyn : decode::tcp_flags::kAck;
      packet.payload = bytes;
      if (auto hello = reader.onTcpSegment(tcp, packet, counters)) sink = sink + hello->serverName.size();
    } else if ((kind & 4) && bytes.size() <= 1400) {
      const auto sealed =
          decode::testing::sealClientInitial(0x00000001, kDcid, {}, packetNumber++, bytes, 1500);
      if (auto hello = reader.onQuicDatagram(quic, sealed, counters)) sink = sink + hello->serverName.size();
    } else {
      if (auto hello = reader.onQuicDatagram(quic, bytes, counters)) sink = sink + hello->serverName.size();
    }
    for (const auto* progress : {&tcp, &quic}) {
      if (progress->finished && progress->partial) std::abort();
    }
  }
  (void)sink;
  return 0;
}
