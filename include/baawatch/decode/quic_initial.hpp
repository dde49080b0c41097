#pragma once
// QUIC client Initial packets read by us: the Initial keys (RFC 9001 §5.2; RFC 9369 §3.3 for v2;
// draft-ietf-quic-tls-29..34), header protection removal (RFC 9001 §5.4, AES-128-ECB over the
// 16-byte sample), AEAD_AES_128_GCM decryption (§5.3), and the frames an Initial may carry
// (RFC 9000 §12.4: PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE).
//
// Pure functions: no flow state. The caller keeps CRYPTO data across packets (see
// HandshakeReassembler). Nothing throws; every failure is a DecodeError with a counter.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "baawatch/common/expected.hpp"
#include "baawatch/decode/decode_error.hpp"

namespace baawatch::decode {

// The versions whose Initial protection we know: v1, v2 and drafts 29-34. Others (Meta's
// mvfst, future versions) are kQuicNotInitial: their salts are not public or not stable.
bool hasKnownInitialProtection(std::uint32_t version);

struct QuicInitialKeys {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 12> iv{};
  std::array<std::uint8_t, 16> headerProtection{};
};

// The client's Initial keys for `version`, derived from the Destination Connection ID of the
// client's first Initial. kQuicNotInitial for a version without known protection.
Expected<QuicInitialKeys, DecodeError> deriveClientInitialKeys(
    std::uint32_t version, std::span<const std::uint8_t> destinationCid);

// RFC 9001 §5.4.3: the first five bytes of AES-ECB(hp, sample) that mask the first byte's low
// bits and up to four packet-number bytes. `sample` must hold 16 bytes.
Expected<std::array<std::uint8_t, 5>, DecodeError> headerProtectionMask(
    const QuicInitialKeys& keys, std::span<const std::uint8_t> sample);

// One decrypted client Initial.
struct QuicInitial {
  std::uint32_t version = 0;
  std::span<const std::uint8_t> destinationCid;  // view into the datagram
  std::uint32_t packetNumber = 0;                // as sent (truncated; not expanded)
  std::size_t packetLength = 0;  // bytes of the datagram this packet takes; coalesced ones follow
  std::span<const std::uint8_t> frames;  // decrypted payload: a view into the caller's buffer
};

// Decrypts the client Initial at the start of `datagram` (RFC 9000 §17.2.2). The plaintext goes
// into `plaintext` (resized; pass the same buffer again to avoid allocating), and
// QuicInitial::frames points into it until the buffer is next changed. `keyCid`, when not
// empty, is the Destination Connection ID the keys derive from (the one of the connection's
// first Initial; a later Initial may carry another); otherwise the packet's own DCID is used.
// Errors: kQuicNotInitial (not a long-header Initial of a known version), kQuicMalformed (a
// header that does not fit), kQuicDecryptFailed (tag mismatch: wrong keys, a server Initial).
Expected<QuicInitial, DecodeError> decryptClientInitial(std::span<const std::uint8_t> datagram,
                                                        std::vector<std::uint8_t>& plaintext,
                                                        std::span<const std::uint8_t> keyCid = {});

struct QuicCryptoFragment {
  std::uint64_t offset = 0;
  std::span<const std::uint8_t> data;  // view into the decrypted payload
};

struct QuicInitialFrames {
  // Chrome cuts its ClientHello into a dozen CRYPTO frames per packet; more than this many in
  // one Initial is not a browser and the rest are dropped (tooManyCryptoFrames).
  static constexpr std::size_t kMaxCryptoFrames = 64;
  std::array<QuicCryptoFragment, kMaxCryptoFrames> crypto{};
  std::size_t cryptoCount = 0;
  bool tooManyCryptoFrames = false;
  bool connectionClose = false;
  // A frame type an Initial may not carry (RFC 9000 §12.4) or does not need: the walk stops
  // there, keeping what came before.
  bool stoppedAtUnknownFrame = false;
  std::span<const QuicCryptoFragment> cryptoFragments() const {
    return std::span<const QuicCryptoFragment>(crypto).first(cryptoCount);
  }
};

// Walks the frames of a decrypted Initial payload. kQuicBadFrame when a known frame is cut
// short (an authenticated payload never is; this guards callers that pass other bytes).
Expected<QuicInitialFrames, DecodeError> parseInitialFrames(std::span<const std::uint8_t> payload);

}  // namespace baawatch::decode
