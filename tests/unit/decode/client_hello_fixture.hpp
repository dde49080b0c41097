#pragma once
// A TLS 1.3 ClientHello handshake message (RFC 8446 §4.1.2) with a chosen SNI and ALPN, padded
// (RFC 7685) to about `size` bytes, for reassembly tests: a post-quantum hello is ~1.8 KiB.
#include <cstdint>
#include <string>
#include <vector>

namespace baawatch::decode::testing {

inline void appendU16(std::vector<std::uint8_t>& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

inline std::vector<std::uint8_t> clientHelloHandshake(const std::string& serverName,
                                                      const std::string& alpn,
                                                      std::size_t size, bool ech = false) {
  std::vector<std::uint8_t> extensions;
  appendU16(extensions, 0);  // server_name
  appendU16(extensions, serverName.size() + 5);
  appendU16(extensions, serverName.size() + 3);
  extensions.push_back(0);
  appendU16(extensions, serverName.size());
  extensions.insert(extensions.end(), serverName.begin(), serverName.end());
  appendU16(extensions, 16);  // ALPN
  appendU16(extensions, alpn.size() + 3);
  appendU16(extensions, alpn.size() + 1);
  extensions.push_back(static_cast<std::uint8_t>(alpn.size()));
  extensions.insert(extensions.end(), alpn.begin(), alpn.end());
  if (ech) {
    appendU16(extensions, 0xfe0d);
    appendU16(extensions, 4);
    extensions.insert(extensions.end(), {0, 1, 2, 3});
  }
  std::vector<std::uint8_t> body = {0x03, 0x03};
  for (int i = 0; i < 32; ++i) body.push_back(static_cast<std::uint8_t>(i));
  body.insert(body.end(), {0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00});
  const std::size_t fixed = 4 + body.size() + 2 + extensions.size() + 4;
  const std::size_t padding = size > fixed ? size - fixed : 0;
  appendU16(extensions, 21);  // padding
  appendU16(extensions, padding);
  extensions.insert(extensions.end(), padding, 0);
  appendU16(body, extensions.size());
  body.insert(body.end(), extensions.begin(), extensions.end());
  std::vector<std::uint8_t> handshake = {0x01, static_cast<std::uint8_t>(body.size() >> 16),
                                         static_cast<std::uint8_t>(body.size() >> 8),
                                         static_cast<std::uint8_t>(body.size())};
  handshake.insert(handshake.end(), body.begin(), body.end());
  return handshake;
}

// The same message in one TLS handshake record (content type 22, version 0x0301).
inline std::vector<std::uint8_t> clientHelloRecord(const std::vector<std::uint8_t>& handshake) {
  std::vector<std::uint8_t> record = {0x16, 0x03, 0x01};
  appendU16(record, handshake.size());
  record.insert(record.end(), handshake.begin(), handshake.end());
  return record;
}

}  // namespace baawatch::decode::testing
