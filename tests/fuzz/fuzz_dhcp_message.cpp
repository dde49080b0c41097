// DHCP/BOOTP (RFC 2131, options RFC 2132): fixed header, magic cookie, option TLVs.
#include "baawatch/decode/dhcp_message.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = baawatch::decode::parseDhcpMessage({data, size});
  if (!message) return 0;
  return 0;
}
