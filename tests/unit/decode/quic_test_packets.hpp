#pragma once
// Builds protected QUIC client Initials for tests (the inverse of decryptClientInitial), with
// OpenSSL's AES-128-GCM, so tests can lay out CRYPTO frames as any client might: out of order,
// overlapping, over several packets. Checked against the RFC 9001 Appendix A packet.
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "baawatch/decode/quic_initial.hpp"

namespace baawatch::decode::testing {

inline std::vector<std::uint8_t> quicVarint(std::uint64_t value) {
  if (value < 0x40) return {static_cast<std::uint8_t>(value)};
  if (value < 0x4000) {
    return {static_cast<std::uint8_t>(0x40 | (value >> 8)), static_cast<std::uint8_t>(value)};
  }
  std::vector<std::uint8_t> bytes = {static_cast<std::uint8_t>(0x80 | (value >> 24)),
                                     static_cast<std::uint8_t>(value >> 16),
                                     static_cast<std::uint8_t>(value >> 8),
                                     static_cast<std::uint8_t>(value)};
  return bytes;
}

// A CRYPTO frame (RFC 9000 §19.6) carrying `data` at `offset`.
inline std::vector<std::uint8_t> cryptoFrame(std::uint64_t offset,
                                             std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> frame = {0x06};
  for (auto part : {quicVarint(offset), quicVarint(data.size())}) {
    frame.insert(frame.end(), part.begin(), part.end());
  }
  frame.insert(frame.end(), data.begin(), data.end());
  return frame;
}

// A client Initial of `version` with a packet number of `packetNumberLength` bytes, its payload `frames` padded with
// PADDING so the packet is `packetSize` bytes (RFC 9000 §14.1: at least 1200).
inline std::vector<std::uint8_t> sealClientInitial(std::uint32_t version,
                                                   std::span<const std::uint8_t> dcid,
                                                   std::span<const std::uint8_t> scid,
                                                   std::uint16_t packetNumber,
                                                   std::span<const std::uint8_t> frames,
                                                   std::size_t packetSize = 1200,
                                                   std::span<const std::uint8_t> keyCid = {},
                                                   std::size_t packetNumberLength = 2) {
  const auto keys = deriveClientInitialKeys(version, keyCid.empty() ? dcid : keyCid);
  if (!keys) throw std::runtime_error("no Initial keys for this version");
  const std::uint8_t type = version == 0x6b3343cf ? 1 : 0;
  std::vector<std::uint8_t> header = {static_cast<std::uint8_t>(0xc0 | (type << 4) |
                                                                (packetNumberLength - 1)),
                                      static_cast<std::uint8_t>(version >> 24),
                                      static_cast<std::uint8_t>(version >> 16),
                                      static_cast<std::uint8_t>(version >> 8),
                                      static_cast<std::uint8_t>(version)};
  header.push_back(static_cast<std::uint8_t>(dcid.size()));
  header.insert(header.end(), dcid.begin(), dcid.end());
  header.push_back(static_cast<std::uint8_t>(scid.size()));
  header.insert(header.end(), scid.begin(), scid.end());
  header.push_back(0);  // no token
  const std::size_t fixed = header.size() + 2 + packetNumberLength + 16;  // length, pn, tag
  if (packetSize < fixed + frames.size()) throw std::runtime_error("frames too long");
  std::vector<std::uint8_t> payload(frames.begin(), frames.end());
  payload.resize(packetSize - fixed, 0x00);
  const std::size_t length = packetNumberLength + payload.size() + 16;
  header.push_back(static_cast<std::uint8_t>(0x40 | (length >> 8)));
  header.push_back(static_cast<std::uint8_t>(length));
  const std::size_t packetNumberOffset = header.size();
  std::array<std::uint8_t, 12> nonce = keys->iv;
  for (std::size_t i = 0; i < packetNumberLength; ++i) {
    const auto byte = static_cast<std::uint8_t>(packetNumber >> (8 * (packetNumberLength - 1 - i)));
    header.push_back(byte);
    nonce[nonce.size() - packetNumberLength + i] ^= byte;
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(EVP_CIPHER_CTX_new(),
                                                                          EVP_CIPHER_CTX_free);
  std::vector<std::uint8_t> sealed(payload.size() + 16);
  int written = 0;
  int finalWritten = 0;
  if (EVP_EncryptInit_ex(context.get(), EVP_aes_128_gcm(), nullptr, keys->key.data(),
                         nonce.data()) != 1 ||
      EVP_EncryptUpdate(context.get(), nullptr, &written, header.data(),
                        static_cast<int>(header.size())) != 1 ||
      EVP_EncryptUpdate(context.get(), sealed.data(), &written, payload.data(),
                        static_cast<int>(payload.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), sealed.data() + written, &finalWritten) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, 16,
                          sealed.data() + payload.size()) != 1) {
    throw std::runtime_error("AES-GCM sealing failed");
  }
  std::vector<std::uint8_t> packet = header;
  packet.insert(packet.end(), sealed.begin(), sealed.end());
  const auto mask = headerProtectionMask(
      *keys, std::span<const std::uint8_t>(packet).subspan(packetNumberOffset + 4, 16));
  if (!mask) throw std::runtime_error("header protection failed");
  packet[0] ^= (*mask)[0] & 0x0f;
  for (std::size_t i = 0; i < packetNumberLength; ++i) packet[packetNumberOffset + i] ^= (*mask)[1 + i];
  return packet;
}

}  // namespace baawatch::decode::testing
