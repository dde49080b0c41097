#include "baawatch/decode/tls_client_hello.hpp"

#include <vector>

#include "baawatch/decode/byte_reader.hpp"

namespace baawatch::decode {
namespace {

constexpr std::uint8_t kContentTypeHandshake = 22;  // RFC 8446 §5.1
constexpr std::uint8_t kHandshakeClientHello = 1;   // RFC 8446 §4
constexpr std::size_t kRecordHeader = 5;
constexpr std::size_t kHandshakeHeader = 4;
// RFC 8446 §5.1: a plaintext record (a ClientHello always is one) holds at most 2^14 bytes.
constexpr std::size_t kMaxPlaintextRecord = 16384;

// Extension code points (IANA TLS ExtensionType registry).
constexpr std::uint16_t kExtensionServerName = 0;      // RFC 6066 §3
constexpr std::uint16_t kExtensionAlpn = 16;           // RFC 7301 §3.1
constexpr std::uint16_t kExtensionPreSharedKey = 41;   // RFC 8446 §4.2.11
constexpr std::uint16_t kExtensionEch = 0xfe0d;        // draft-ietf-tls-esni-13 and later
constexpr std::uint16_t kExtensionEsniDraft = 0xffce;  // draft-ietf-tls-esni-01..-06
constexpr std::uint8_t kServerNameTypeHostName = 0;

using Result = Expected<TlsClientHello, DecodeError>;
using Status = Expected<void, DecodeError>;

std::string lowerAscii(std::span<const std::uint8_t> bytes) {
  std::string text;
  text.reserve(bytes.size());
  for (std::uint8_t byte : bytes) {
    text.push_back(static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + ('a' - 'A') : byte));
  }
  return text;
}

// RFC 6066 §3: ServerNameList <1..2^16-1> of {NameType, opaque HostName<1..2^16-1>}. Only the
// host_name type exists; the first one is the server.
Status readServerName(std::span<const std::uint8_t> data, TlsClientHello& hello) {
  if (data.empty()) return {};  // an empty extension is what servers echo; harmless here
  ByteReader reader(data);
  const std::size_t listLength = reader.u16();
  if (!reader.ok() || listLength != reader.remaining()) {
    return unexpected(DecodeError::kTlsBadLength);
  }
  while (reader.remaining() > 0) {
    const std::uint8_t type = reader.u8();
    const std::size_t nameLength = reader.u16();
    const auto name = reader.bytes(nameLength);
    if (!reader.ok() || nameLength == 0) return unexpected(DecodeError::kTlsBadLength);
    if (type == kServerNameTypeHostName && hello.serverName.empty()) {
      hello.serverName = lowerAscii(name);
    }
  }
  return {};
}

// RFC 7301 §3.1: ProtocolNameList <2..2^16-1> of ProtocolName <1..2^8-1>.
Status readAlpn(std::span<const std::uint8_t> data, TlsClientHello& hello) {
  ByteReader reader(data);
  const std::size_t listLength = reader.u16();
  if (!reader.ok() || listLength != reader.remaining()) {
    return unexpected(DecodeError::kTlsBadLength);
  }
  while (reader.remaining() > 0) {
    const std::size_t protocolLength = reader.u8();
    const auto protocol = reader.bytes(protocolLength);
    if (!reader.ok() || protocolLength == 0) return unexpected(DecodeError::kTlsBadLength);
    hello.alpn.emplace_back(protocol.begin(), protocol.end());
  }
  return {};
}

// RFC 8446 §4.1.2: legacy_version, random, legacy_session_id <0..32>, cipher_suites <2..2^16-2>,
// legacy_compression_methods <1..2^8-1>, extensions <8..2^16-1> (absent in pre-TLS 1.2 hellos).
Result parseClientHelloBody(std::span<const std::uint8_t> body) {
  ByteReader reader(body);
  TlsClientHello hello;
  hello.legacyVersion = reader.u16();
  reader.skip(32);  // random
  const std::size_t sessionIdLength = reader.u8();
  if (sessionIdLength > 32) return unexpected(DecodeError::kTlsBadLength);
  reader.skip(sessionIdLength);
  const std::size_t cipherSuitesLength = reader.u16();
  if (cipherSuitesLength < 2 || cipherSuitesLength % 2 != 0) {
    return unexpected(DecodeError::kTlsBadLength);
  }
  reader.skip(cipherSuitesLength);
  const std::size_t compressionLength = reader.u8();
  if (compressionLength == 0) return unexpected(DecodeError::kTlsBadLength);
  reader.skip(compressionLength);
  if (!reader.ok()) return unexpected(DecodeError::kTlsBadLength);
  if (reader.remaining() == 0) return hello;

  const std::size_t extensionsLength = reader.u16();
  if (!reader.ok() || extensionsLength != reader.remaining()) {
    return unexpected(DecodeError::kTlsBadLength);
  }
  while (reader.remaining() > 0) {
    const std::uint16_t type = reader.u16();
    const std::size_t length = reader.u16();
    const auto data = reader.bytes(length);
    if (!reader.ok()) return unexpected(DecodeError::kTlsBadLength);
    Status status;
    switch (type) {
      case kExtensionServerName:
        status = readServerName(data, hello);
        break;
      case kExtensionAlpn:
        status = readAlpn(data, hello);
        break;
      case kExtensionPreSharedKey:
        hello.hasPreSharedKey = true;
        break;
      case kExtensionEch:
        hello.echOffered = true;
        break;
      case kExtensionEsniDraft:
        hello.esniOffered = true;
        break;
      default:
        break;  // GREASE, key shares, padding...: nothing classification needs
    }
    if (!status) return unexpected(status.error());
  }
  return hello;
}

}  // namespace

Expected<TlsClientHello, DecodeError> parseClientHelloHandshake(
    std::span<const std::uint8_t> handshake) {
  if (handshake.empty() || handshake[0] != kHandshakeClientHello) {
    return unexpected(DecodeError::kTlsNotClientHello);
  }
  ByteReader reader(handshake);
  reader.skip(1);
  const std::size_t length = reader.u24();
  if (!reader.ok() || length > reader.remaining()) return unexpected(DecodeError::kTlsTruncated);
  return parseClientHelloBody(reader.bytes(length));
}

Expected<TlsClientHello, DecodeError> parseTlsClientHello(std::span<const std::uint8_t> payload) {
  if (payload.empty() || payload[0] != kContentTypeHandshake) {
    return unexpected(DecodeError::kTlsNotClientHello);
  }
  // RFC 8446 §5.1: type(1) legacy_record_version(2) length(2). Every TLS/SSLv3 record version
  // has major 3; anything else starting with 22 is some other protocol.
  if (payload.size() >= 2 && payload[1] != 3) return unexpected(DecodeError::kTlsNotClientHello);
  if (payload.size() < kRecordHeader + 1) return unexpected(DecodeError::kTlsTruncated);
  if (payload[kRecordHeader] != kHandshakeClientHello) {
    return unexpected(DecodeError::kTlsNotClientHello);
  }

  // Collect the handshake message's fragments. It usually sits in the first record, read in
  // place; a large hello (post-quantum key shares) may be split over several handshake records
  // (RFC 8446 §5.1 allows any fragmentation), which are then joined in a copy.
  ByteReader reader(payload);
  std::vector<std::uint8_t> joined;
  std::size_t handshakeLength = 0;
  while (true) {
    const std::uint8_t contentType = reader.u8();
    reader.skip(2);
    const std::size_t recordLength = reader.u16();
    if (!reader.ok()) return unexpected(DecodeError::kTlsTruncated);
    // A hello split over records must continue in handshake records, one right after another.
    if (contentType != kContentTypeHandshake) return unexpected(DecodeError::kTlsBadLength);
    if (recordLength == 0 || recordLength > kMaxPlaintextRecord) {
      return unexpected(DecodeError::kTlsBadLength);
    }
    const auto fragment = reader.bytes(recordLength);
    if (!reader.ok())
      return unexpected(DecodeError::kTlsTruncated);  // continues in a later segment
    if (handshakeLength == 0) {
      if (fragment.size() < kHandshakeHeader) return unexpected(DecodeError::kTlsTruncated);
      handshakeLength = kHandshakeHeader + ((std::size_t{fragment[1]} << 16) |
                                            (std::size_t{fragment[2]} << 8) | fragment[3]);
      if (fragment.size() >= handshakeLength) {
        return parseClientHelloHandshake(fragment.first(handshakeLength));
      }
      // Sized by what the segment holds, never by the (unverified) 24-bit length.
      joined.reserve(payload.size());
    }
    joined.insert(joined.end(), fragment.begin(), fragment.end());
    if (joined.size() >= handshakeLength) {
      return parseClientHelloHandshake(
          std::span<const std::uint8_t>(joined).first(handshakeLength));
    }
  }
}

}  // namespace baawatch::decode
