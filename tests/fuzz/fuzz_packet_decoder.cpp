// L2-L4 decoder over every link type we decode (and two we do not): byte 0 picks the link type,
// byte 1 how the pcap wire length relates to the captured bytes, the rest is one frame.
#include <variant>

#include "baawatch/decode/packet_decoder.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baawatch;
  if (size < 2) return 0;
  constexpr std::size_t kTypes = std::size(fuzz::kLinkTypes);
  const int linkType = fuzz::kLinkTypes[data[0] % kTypes];
  std::span<const std::uint8_t> frame(data + 2, size - 2);
  // Snap-length cuts (wire longer than captured), exact, and the impossible caplen > len.
  std::uint32_t wire = static_cast<std::uint32_t>(frame.size());
  if (data[1] % 3 == 1) wire += 1 + data[1];
  if (data[1] % 3 == 2) wire = wire > data[1] ? wire - data[1] : 0;
  decode::PacketDecoder decoder(linkType);
  auto decoded = decoder.decode(frame, wire, Timestamp{});
  if (!decoded) return static_cast<int>(decode::counterName(decoded.error()).empty());
  if (auto* packet = std::get_if<decode::DecodedPacket>(&*decoded)) {
    volatile std::uint8_t sink = fuzz::touch(packet->payload);
    sink = static_cast<std::uint8_t>(sink + fuzz::touch(packet->ipPacket));
    (void)sink;
  }
  return 0;
}
