#pragma once
// Reassembles the first bytes of a byte stream from pieces given by offset, in any order: the
// CRYPTO stream of QUIC Initials (Chrome sends its CRYPTO frames out of order, and a
// post-quantum ClientHello spans two Initials) or a TCP stream by relative sequence number
// (retransmits, overlaps, out-of-order segments). Where pieces overlap the bytes first held
// are kept (a retransmission that differs does not rewrite what was read).
//
// Bounded: bytes at or past limits.maxBytes are refused (kHelloTooLarge), at most
// limits.maxPackets calls to countPacket() are accepted (kHelloTooManyPackets), and at most
// kMaxRanges disjoint pieces are held (kHelloTooFragmented). The buffer grows with the highest
// offset held, never past maxBytes; clear() forgets the bytes but keeps the capacity (for a
// scratch instance reused across flows); a per-flow instance is released by destroying it.
// No flow state: the caller owns one per stream that has a partial hello.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "baawatch/common/expected.hpp"
#include "baawatch/decode/decode_error.hpp"

namespace baawatch::decode {

struct HandshakeReassemblyLimits {
  // A ClientHello with an X25519MLKEM768 key share is about 1.8 KiB, with several key shares
  // and a long ECH config a few KiB: 16 KiB leaves room and bounds what one flow can hold.
  std::size_t maxBytes = 16 * 1024;
  std::uint32_t maxPackets = 8;
};

class HandshakeReassembler {
 public:
  static constexpr std::size_t kMaxRanges = 64;

  explicit HandshakeReassembler(HandshakeReassemblyLimits limits = {}) : limits_(limits) {}

  // Holds `bytes` at stream `offset`. On an error nothing of this piece is held.
  Expected<void, DecodeError> add(std::uint64_t offset, std::span<const std::uint8_t> bytes);
  // Counts one packet (datagram or segment) fed to this stream.
  Expected<void, DecodeError> countPacket();

  // The bytes held without a gap from offset 0 (empty until offset 0 arrives).
  std::span<const std::uint8_t> contiguousPrefix() const;
  std::size_t rangeCount() const { return ranges_.size(); }
  std::uint32_t packetCount() const { return packets_; }
  bool empty() const { return ranges_.empty(); }
  void clear();

 private:
  HandshakeReassemblyLimits limits_;
  std::vector<std::uint8_t> bytes_;
  // Sorted, disjoint, non-adjacent [begin, end) ranges of bytes_ that hold data.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_;
  std::uint32_t packets_ = 0;
};

}  // namespace baawatch::decode
