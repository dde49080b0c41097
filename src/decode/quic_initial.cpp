#include "baawatch/decode/quic_initial.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {
namespace {

constexpr std::uint32_t kQuicV1 = 0x00000001;
constexpr std::uint32_t kQuicV2 = 0x6b3343cf;            // RFC 9369 §3.1
constexpr std::uint32_t kQuicDraft29 = 0xff00001d;
constexpr std::uint32_t kQuicDraft32 = 0xff000020;
constexpr std::uint32_t kQuicDraft34 = 0xff000022;
constexpr std::size_t kMaxCidLength = 20;                // RFC 9000 §17.2
constexpr std::size_t kSampleLength = 16;                // RFC 9001 §5.4.2
constexpr std::size_t kTagLength = 16;                   // AEAD_AES_128_GCM
constexpr std::size_t kMaxPacketNumberLength = 4;

using Salt = std::array<std::uint8_t, 20>;
// RFC 9001 §5.2.
constexpr Salt kSaltV1 = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                          0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
// RFC 9369 §3.3.1.
constexpr Salt kSaltV2 = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                          0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
// draft-ietf-quic-tls-29 §5.2 (drafts 29 to 32 share it; 33 and 34 use the v1 salt).
constexpr Salt kSaltDraft29 = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                               0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};

struct VersionProtection {
  const Salt* salt = nullptr;
  std::string_view keyLabel;
  std::string_view ivLabel;
  std::string_view hpLabel;
  std::uint8_t initialType = 0;  // the long-header type bits of an Initial
};

bool protectionOf(std::uint32_t version, VersionProtection& out) {
  if (version == kQuicV2) {
    out = {&kSaltV2, "quicv2 key", "quicv2 iv", "quicv2 hp", 1};  // RFC 9369 §3.2, §3.3.2
    return true;
  }
  if (version == kQuicV1 || (version > kQuicDraft32 && version <= kQuicDraft34)) {
    out = {&kSaltV1, "quic key", "quic iv", "quic hp", 0};
    return true;
  }
  if (version >= kQuicDraft29 && version <= kQuicDraft32) {
    out = {&kSaltDraft29, "quic key", "quic iv", "quic hp", 0};
    return true;
  }
  return false;
}

using Secret = std::array<std::uint8_t, 32>;  // SHA-256 output

bool hmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data,
                Secret& out) {
  unsigned int length = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &length);
  return result != nullptr && length == out.size();
}

// RFC 8446 §7.1 HKDF-Expand-Label with an empty context, for outputs of at most one hash
// length (so HKDF-Expand is the single block T(1) = HMAC(secret, info || 0x01)).
bool expandLabel(const Secret& secret, std::string_view label, std::span<std::uint8_t> out) {
  constexpr std::string_view kPrefix = "tls13 ";
  std::array<std::uint8_t, 2 + 1 + 255 + 1 + 1> info{};
  const std::size_t labelLength = kPrefix.size() + label.size();
  if (out.size() > secret.size() || labelLength > 255) return false;
  std::size_t at = 0;
  info[at++] = static_cast<std::uint8_t>(out.size() >> 8);
  info[at++] = static_cast<std::uint8_t>(out.size());
  info[at++] = static_cast<std::uint8_t>(labelLength);
  for (char c : kPrefix) info[at++] = static_cast<std::uint8_t>(c);
  for (char c : label) info[at++] = static_cast<std::uint8_t>(c);
  info[at++] = 0;  // context length
  info[at++] = 1;  // HKDF-Expand block counter
  Secret block{};
  if (!hmacSha256(secret, std::span<const std::uint8_t>(info).first(at), block)) return false;
  std::copy_n(block.begin(), out.size(), out.begin());
  return true;
}

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

bool aesEcbBlock(const std::array<std::uint8_t, 16>& key,
                          std::span<const std::uint8_t> sample,
                          std::array<std::uint8_t, 16>& mask) {
  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  return context != nullptr &&
         EVP_EncryptInit_ex(context.get(), EVP_aes_128_ecb(), nullptr, key.data(), nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(context.get(), 0) == 1 &&
         EVP_EncryptUpdate(context.get(), mask.data(), &length, sample.data(),
                           static_cast<int>(sample.size())) == 1 &&
         length == static_cast<int>(mask.size());
}

bool openAes128Gcm(const QuicInitialKeys& keys, const std::array<std::uint8_t, 12>& nonce,
                   std::span<const std::uint8_t> associatedData,
                   std::span<const std::uint8_t> sealed, std::uint8_t* out) {
  const std::size_t textLength = sealed.size() - kTagLength;
  std::array<std::uint8_t, kTagLength> tag{};
  std::copy_n(sealed.end() - kTagLength, kTagLength, tag.begin());
  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_128_gcm(), nullptr, keys.key.data(),
                         nonce.data()) != 1 ||
      EVP_DecryptUpdate(context.get(), nullptr, &length, associatedData.data(),
                        static_cast<int>(associatedData.size())) != 1) {
    return false;
  }
  if (textLength > 0 && EVP_DecryptUpdate(context.get(), out, &length, sealed.data(),
                                          static_cast<int>(textLength)) != 1) {
    return false;
  }
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          tag.data()) != 1) {
    return false;
  }
  int finalLength = 0;
  return EVP_DecryptFinal_ex(context.get(), out + textLength, &finalLength) == 1;
}

// RFC 9000 §16: a variable-length integer, length in the two top bits of the first byte.
std::uint64_t readVarint(ByteReader& reader) {
  const std::uint8_t first = reader.u8();
  std::uint64_t value = first & 0x3f;
  const std::size_t extra = (std::size_t{1} << (first >> 6)) - 1;
  for (std::size_t i = 0; i < extra; ++i) value = (value << 8) | reader.u8();
  return value;
}

constexpr std::uint64_t kFramePadding = 0x00;
constexpr std::uint64_t kFramePing = 0x01;
constexpr std::uint64_t kFrameAck = 0x02;
constexpr std::uint64_t kFrameAckEcn = 0x03;
constexpr std::uint64_t kFrameCrypto = 0x06;
constexpr std::uint64_t kFrameConnectionClose = 0x1c;
constexpr std::uint64_t kMaxStreamOffset = (std::uint64_t{1} << 62) - 1;  // RFC 9000 §19.6

}  // namespace

Expected<std::array<std::uint8_t, 5>, DecodeError> headerProtectionMask(
    const QuicInitialKeys& keys, std::span<const std::uint8_t> sample) {
  std::array<std::uint8_t, 16> block{};
  if (sample.size() != kSampleLength || !aesEcbBlock(keys.headerProtection, sample, block)) {
    return unexpected(DecodeError::kQuicDecryptFailed);
  }
  std::array<std::uint8_t, 5> mask{};
  std::copy_n(block.begin(), mask.size(), mask.begin());
  return mask;
}

bool hasKnownInitialProtection(std::uint32_t version) {
  VersionProtection protection;
  return protectionOf(version, protection);
}

Expected<QuicInitialKeys, DecodeError> deriveClientInitialKeys(
    std::uint32_t version, std::span<const std::uint8_t> destinationCid) {
  VersionProtection protection;
  if (!protectionOf(version, protection)) return unexpected(DecodeError::kQuicNotInitial);
  // RFC 9001 §5.2: initial_secret = HKDF-Extract(salt, DCID); client_initial_secret =
  // HKDF-Expand-Label(initial_secret, "client in", "", 32).
  Secret initialSecret{};
  Secret clientSecret{};
  QuicInitialKeys keys;
  if (!hmacSha256(*protection.salt, destinationCid, initialSecret) ||
      !expandLabel(initialSecret, "client in", clientSecret) ||
      !expandLabel(clientSecret, protection.keyLabel, keys.key) ||
      !expandLabel(clientSecret, protection.ivLabel, keys.iv) ||
      !expandLabel(clientSecret, protection.hpLabel, keys.headerProtection)) {
    return unexpected(DecodeError::kQuicDecryptFailed);
  }
  return keys;
}

Expected<QuicInitial, DecodeError> decryptClientInitial(std::span<const std::uint8_t> datagram,
                                                        std::vector<std::uint8_t>& plaintext,
                                                        std::span<const std::uint8_t> keyCid) {
  // RFC 9000 §17.2.2: first byte, version, DCID, SCID, token, length, packet number, payload.
  ByteReader reader(datagram);
  const std::uint8_t first = reader.u8();
  QuicInitial initial;
  initial.version = reader.u32();
  if (!reader.ok() || (first & 0x80) == 0) return unexpected(DecodeError::kQuicNotInitial);
  VersionProtection protection;
  if (!protectionOf(initial.version, protection) ||
      ((first >> 4) & 0x03) != protection.initialType) {
    return unexpected(DecodeError::kQuicNotInitial);
  }
  const std::size_t destinationCidLength = reader.u8();
  initial.destinationCid = reader.bytes(destinationCidLength);
  const std::size_t sourceCidLength = reader.u8();
  reader.skip(sourceCidLength);
  const std::uint64_t tokenLength = readVarint(reader);
  if (!reader.ok() || tokenLength > reader.remaining()) return unexpected(DecodeError::kQuicMalformed);
  reader.skip(static_cast<std::size_t>(tokenLength));
  const std::uint64_t length = readVarint(reader);
  const std::size_t packetNumberOffset = reader.offset();
  // The sample starts 4 bytes after the packet number's start whatever its length (§5.4.2),
  // and the payload holds at least the tag.
  if (!reader.ok() || destinationCidLength > kMaxCidLength || sourceCidLength > kMaxCidLength ||
      length > reader.remaining() || length < kMaxPacketNumberLength + kSampleLength) {
    return unexpected(DecodeError::kQuicMalformed);
  }
  initial.packetLength = packetNumberOffset + static_cast<std::size_t>(length);

  auto keys = deriveClientInitialKeys(initial.version,
                                      keyCid.empty() ? initial.destinationCid : keyCid);
  if (!keys) return unexpected(keys.error());
  const auto mask = headerProtectionMask(
      *keys, datagram.subspan(packetNumberOffset + kMaxPacketNumberLength, kSampleLength));
  if (!mask) return unexpected(mask.error());
  // RFC 9001 §5.4.1: the low four bits of a long header's first byte are protected.
  const auto unprotectedFirst = static_cast<std::uint8_t>(first ^ ((*mask)[0] & 0x0f));
  const std::size_t packetNumberLength = (unprotectedFirst & 0x03) + 1;
  const std::size_t headerLength = packetNumberOffset + packetNumberLength;
  const std::span<const std::uint8_t> sealed =
      datagram.subspan(headerLength, initial.packetLength - headerLength);
  if (sealed.size() < kTagLength) return unexpected(DecodeError::kQuicMalformed);

  // The unprotected header is the AEAD's associated data; the plaintext follows it in the
  // same buffer so one allocation (reused across calls) holds both.
  plaintext.resize(headerLength + sealed.size() - kTagLength);
  std::memcpy(plaintext.data(), datagram.data(), headerLength);
  plaintext[0] = unprotectedFirst;
  for (std::size_t i = 0; i < packetNumberLength; ++i) {
    plaintext[packetNumberOffset + i] ^= (*mask)[1 + i];
    initial.packetNumber = (initial.packetNumber << 8) | plaintext[packetNumberOffset + i];
  }
  // RFC 9001 §5.3: the nonce is the IV XORed with the packet number, left-padded to 12 bytes.
  std::array<std::uint8_t, 12> nonce = keys->iv;
  for (std::size_t i = 0; i < packetNumberLength; ++i) {
    nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(initial.packetNumber >> (8 * i));
  }
  if (!openAes128Gcm(*keys, nonce, std::span<const std::uint8_t>(plaintext).first(headerLength),
                     sealed, plaintext.data() + headerLength)) {
    return unexpected(DecodeError::kQuicDecryptFailed);
  }
  initial.frames = std::span<const std::uint8_t>(plaintext).subspan(headerLength);
  return initial;
}

Expected<QuicInitialFrames, DecodeError> parseInitialFrames(std::span<const std::uint8_t> payload) {
  QuicInitialFrames frames;
  ByteReader reader(payload);
  while (reader.remaining() > 0) {
    const std::uint64_t type = readVarint(reader);
    switch (type) {
      case kFramePadding:
      case kFramePing:
        break;
      case kFrameAck:
      case kFrameAckEcn: {
        // RFC 9000 §19.3: largest, delay, range count, first range, then (gap, length) pairs.
        readVarint(reader);
        readVarint(reader);
        const std::uint64_t ranges = readVarint(reader);
        readVarint(reader);
        for (std::uint64_t i = 0; i < ranges && reader.ok(); ++i) {
          readVarint(reader);
          readVarint(reader);
        }
        if (type == kFrameAckEcn) {
          for (int i = 0; i < 3; ++i) readVarint(reader);
        }
        break;
      }
      case kFrameCrypto: {
        // RFC 9000 §19.6: offset, length, data.
        const std::uint64_t offset = readVarint(reader);
        const std::uint64_t length = readVarint(reader);
        if (!reader.ok() || length > reader.remaining() || offset > kMaxStreamOffset - length) {
          return unexpected(DecodeError::kQuicBadFrame);
        }
        const auto data = reader.bytes(static_cast<std::size_t>(length));
        if (frames.cryptoCount == QuicInitialFrames::kMaxCryptoFrames) {
          frames.tooManyCryptoFrames = true;
        } else {
          frames.crypto[frames.cryptoCount++] = QuicCryptoFragment{offset, data};
        }
        break;
      }
      case kFrameConnectionClose: {
        // RFC 9000 §19.19: error code, frame type, reason phrase length, reason phrase.
        readVarint(reader);
        readVarint(reader);
        const std::uint64_t reasonLength = readVarint(reader);
        if (!reader.ok() || reasonLength > reader.remaining()) {
          return unexpected(DecodeError::kQuicBadFrame);
        }
        reader.skip(static_cast<std::size_t>(reasonLength));
        frames.connectionClose = true;
        break;
      }
      default:
        frames.stoppedAtUnknownFrame = true;
        return frames;
    }
    if (!reader.ok()) return unexpected(DecodeError::kQuicBadFrame);
  }
  return frames;
}

}  // namespace baawatch::decode
