#pragma once
// TLS ClientHello (RFC 8446 §4.1.2) facts for classification: SNI, ALPN, and whether Encrypted
// Client Hello (extension 0xfe0d) or draft ESNI (0xffce) is offered. Only a ClientHello whose
// first record starts in `payload` is parsed; a handshake longer than the segment yields
// kTlsTruncated. Never copies payload beyond these names.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "baawatch/common/expected.hpp"
#include "baawatch/decode/decode_error.hpp"

namespace baawatch::decode {

struct TlsClientHello {
  std::uint16_t legacyVersion = 0;
  std::string serverName;              // empty when no SNI extension (lower-cased)
  std::vector<std::string> alpn;
  bool echOffered = false;             // extension 0xfe0d
  bool esniOffered = false;            // extension 0xffce (draft)
  bool hasPreSharedKey = false;        // extension 41
};

// `payload` is a TCP payload starting with a TLS record header.
Expected<TlsClientHello, DecodeError> parseTlsClientHello(std::span<const std::uint8_t> payload);

// Parses the handshake message body only (starting at the handshake type byte 0x01), as found
// inside a decrypted QUIC CRYPTO frame or reassembled TLS records.
Expected<TlsClientHello, DecodeError> parseClientHelloHandshake(
    std::span<const std::uint8_t> handshake);

}  // namespace baawatch::decode
