// mDNS (RFC 6762) as the device inventory learns host names from it: the input is one mDNS
// message (UDP 5353 payload); the DNS parser reads it and DeviceInventory::observeMdns takes the
// A/AAAA answers whose names end in ".local". A small inventory (4 entries) also exercises the
// full-map path (`inventory.not_learned`). A name that comes back from lookup() must be labelled
// "mdns" (nothing else taught this inventory) and be shorter than some answer's name (the suffix
// is cut, never added).
#include <algorithm>
#include <string_view>

#include "baawatch/decode/dns_message.hpp"
#include "baawatch/inventory/device_inventory.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace baawatch;
  auto message = decode::parseDnsMessage({data, size});
  if (!message) return 0;
  inventory::DeviceInventory inventory(inventory::InventoryOptions{4});
  inventory.observeMdns(*message, Timestamp{});
  inventory.observeMdns(*message, Timestamp{});  // a repeated announcement changes nothing
  std::size_t longestName = 0;
  for (const auto& answer : message->answers) longestName = std::max(longestName, answer.name.size());
  for (const auto& answer : message->answers) {
    if (answer.address.isUnset()) continue;
    inventory::Device device = inventory.lookup(answer.address);
    if (device.hostName.empty()) continue;
    std::string_view name = device.hostName;
    if (device.hostNameSource != "mdns" || name.size() >= longestName) std::abort();
    volatile std::size_t sink = name.size();
    (void)sink;
  }
  return 0;
}
