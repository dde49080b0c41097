// DNS and mDNS messages (RFC 1035 §4, RFC 6762): names, compression pointers, every RR type we read.
#include "baawatch/decode/dns_message.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = baawatch::decode::parseDnsMessage({data, size});
  if (!message) return 0;
  return 0;
}
