#pragma once
// Link, network and transport decoding (L2-L4). Stateless apart from its configuration; one per
// packet thread. Never throws; never reads outside the given span.
#include <cstdint>
#include <span>
#include <variant>

#include "baawatch/common/expected.hpp"
#include "baawatch/decode/decode_error.hpp"
#include "baawatch/decode/packet.hpp"

namespace baawatch::decode {

// What a frame turned out to be.
using DecodedFrame = std::variant<DecodedPacket, ArpPacket>;

class PacketDecoder {
 public:
  // `linkType` is the pcap DLT of the capture (or of the pcapng interface).
  explicit PacketDecoder(int linkType) : linkType_(linkType) {}

  // Decodes one frame. `wireLength` is the original length (may exceed frame.size() when the
  // capture was cut by the snap length: then the packet decodes as far as it goes and payload is
  // what was captured; IP total length beyond the captured bytes is not an error).
  Expected<DecodedFrame, DecodeError> decode(std::span<const std::uint8_t> frame,
                                             std::uint32_t wireLength, Timestamp time) const;

  int linkType() const { return linkType_; }

 private:
  int linkType_;
};

}  // namespace baawatch::decode
