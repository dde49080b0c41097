// TLS ClientHello from a TCP payload (record layer first), and the bare handshake body as a QUIC
// CRYPTO frame would carry it.
#include "baawatch/decode/tls_client_hello.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  auto fromRecord = baawatch::decode::parseTlsClientHello(input);
  auto fromHandshake = baawatch::decode::parseClientHelloHandshake(input);
  volatile std::size_t sink = 0;
  if (fromRecord) sink = sink + fromRecord->serverName.size() + fromRecord->alpn.size();
  if (fromHandshake) sink = sink + fromHandshake->serverName.size();
  (void)sink;
  return 0;
}
