// bare_read: the floor for reading a capture. Opens FILE with libpcap, counts packets and
// captured bytes in a pcap_loop callback and prints them; nothing else. bench/run-bench.sh
// runs it beside baawatch and ndpiReader on the same file as the "bare read" baseline.
//
//   bare_read FILE   ->   "packets N bytes B wire_bytes W"
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>

namespace {

struct Totals {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;      // captured bytes (caplen)
  std::uint64_t wireBytes = 0;  // original lengths (len)
};

void count(u_char* user, const pcap_pkthdr* header, const u_char* /*data*/) {
  auto* totals = reinterpret_cast<Totals*>(user);
  totals->packets += 1;
  totals->bytes += header->caplen;
  totals->wireBytes += header->len;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bare_read FILE\n");
    return 2;
  }
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_open_offline(argv[1], error);
  if (handle == nullptr) {
    std::fprintf(stderr, "bare_read: %s\n", error);
    return 1;
  }
  Totals totals;
  int status = pcap_loop(handle, -1, count, reinterpret_cast<u_char*>(&totals));
  if (status == PCAP_ERROR) std::fprintf(stderr, "bare_read: %s\n", pcap_geterr(handle));
  pcap_close(handle);
  std::printf("packets %llu bytes %llu wire_bytes %llu\n",
              static_cast<unsigned long long>(totals.packets),
              static_cast<unsigned long long>(totals.bytes),
              static_cast<unsigned long long>(totals.wireBytes));
  return status == PCAP_ERROR ? 1 : 0;
}
