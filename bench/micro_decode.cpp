// Micro-benchmarks of the decode stage on a real frame: the first TLS ClientHello (Ethernet,
// IPv4, TCP) in pcaps/web_browsing.pcap, decoded L2-L4, and its payload parsed by the
// ClientHello parser the classifier runs on every new TCP flow.
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "baawatch/decode/packet_decoder.hpp"
#include "baawatch/decode/tls_client_hello.hpp"

namespace {

using namespace baawatch;

struct Frame {
  std::vector<std::uint8_t> bytes;
  std::uint32_t wireLength = 0;
  int linkType = 0;
};

bool startsClientHello(std::span<const std::uint8_t> payload) {
  return payload.size() > 6 && payload[0] == 0x16 && payload[1] == 0x03 && payload[5] == 0x01;
}

// The first frame of `file` whose TCP payload starts a ClientHello; exits when there is none.
Frame firstClientHello(const std::string& file) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_open_offline(file.c_str(), error);
  if (handle == nullptr) {
    std::fprintf(stderr, "micro_decode: %s\n", error);
    std::exit(1);
  }
  decode::PacketDecoder decoder(pcap_datalink(handle));
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(handle, &header, &data) == 1) {
    std::span<const std::uint8_t> frame(data, header->caplen);
    auto decoded = decoder.decode(frame, header->len, Timestamp{});
    if (!decoded) continue;
    const auto* packet = std::get_if<decode::DecodedPacket>(&*decoded);
    if (packet && packet->transport == decode::Transport::kTcp && startsClientHello(packet->payload)) {
      Frame found{{frame.begin(), frame.end()}, header->len, pcap_datalink(handle)};
      pcap_close(handle);
      return found;
    }
  }
  std::fprintf(stderr, "micro_decode: no ClientHello in %s\n", file.c_str());
  std::exit(1);
}

const Frame& clientHelloFrame() {
  static const Frame frame = firstClientHello(BAAWATCH_SOURCE_DIR "/pcaps/web_browsing.pcap");
  return frame;
}

void BM_DecodeClientHelloFrame(benchmark::State& state) {
  const Frame& frame = clientHelloFrame();
  decode::PacketDecoder decoder(frame.linkType);
  for (auto _ : state) {
    auto decoded = decoder.decode(frame.bytes, frame.wireLength, Timestamp{1});
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.bytes.size()));
}
BENCHMARK(BM_DecodeClientHelloFrame);

void BM_ParseTlsClientHello(benchmark::State& state) {
  const Frame& frame = clientHelloFrame();
  decode::PacketDecoder decoder(frame.linkType);
  auto decoded = decoder.decode(frame.bytes, frame.wireLength, Timestamp{1});
  auto payload = std::get<decode::DecodedPacket>(*decoded).payload;
  for (auto _ : state) {
    auto hello = decode::parseTlsClientHello(payload);
    benchmark::DoNotOptimize(hello);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseTlsClientHello);

// Decode + ClientHello parse: what the packet path spends on the first payload of a TLS flow.
void BM_DecodeAndParseClientHello(benchmark::State& state) {
  const Frame& frame = clientHelloFrame();
  decode::PacketDecoder decoder(frame.linkType);
  for (auto _ : state) {
    auto decoded = decoder.decode(frame.bytes, frame.wireLength, Timestamp{1});
    auto hello = decode::parseTlsClientHello(std::get<decode::DecodedPacket>(*decoded).payload);
    benchmark::DoNotOptimize(hello);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndParseClientHello);

}  // namespace

BENCHMARK_MAIN();
