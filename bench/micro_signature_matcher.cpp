// Micro-benchmarks of SignatureMatcher on the real signatures folder (signatures/ in the
// source tree): name look-ups that hit (WhatsApp, Zoom, a deep Apple host) and miss (ordinary web
// names), and server-address look-ups that hit a service range or miss every range.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "baawatch/classify/signature_matcher.hpp"

namespace {

using namespace baawatch;
using classify::EvidenceField;
using classify::L4Protocol;

const classify::SignatureMatcher& matcher() {
  static const classify::SignatureMatcher instance(std::make_shared<const classify::SignatureCatalog>(
      classify::loadSignatureCatalog(BAAWATCH_SOURCE_DIR "/signatures")));
  return instance;
}

const std::vector<std::string> kHitNames = {"g.whatsapp.net", "us05web.zoom.us",
                                            "p45-content.icloud.com", "query.ess.apple.com"};
const std::vector<std::string> kMissNames = {"en.wikipedia.org", "www.nih.gov",
                                             "a.very.long.sub.domain.of.news.ycombinator.com",
                                             "time.g.aaplimg.com"};

void matchNames(benchmark::State& state, const std::vector<std::string>& names) {
  const auto& instance = matcher();
  std::size_t matches = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    auto found = instance.matchName(names[next++ % names.size()], EvidenceField::kTlsSni,
                                    L4Protocol::kTcp, 443);
    matches += found.size();
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_call"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

void BM_MatchNameHit(benchmark::State& state) { matchNames(state, kHitNames); }
BENCHMARK(BM_MatchNameHit);
void BM_MatchNameMiss(benchmark::State& state) { matchNames(state, kMissNames); }
BENCHMARK(BM_MatchNameMiss);

struct AddressCase {
  IpAddress server;
  L4Protocol protocol;
  std::uint16_t port;
};

AddressCase addressCase(const char* text, L4Protocol protocol, std::uint16_t port) {
  return AddressCase{*IpAddress::parse(text), protocol, port};
}

void matchAddresses(benchmark::State& state, const std::vector<AddressCase>& cases) {
  const auto& instance = matcher();
  std::size_t matches = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    const AddressCase& one = cases[next++ % cases.size()];
    auto found = instance.matchAddress(one.server, one.protocol, one.port);
    matches += found.size();
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_call"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

// WhatsApp chat (TCP 5222 to Meta), APNs (TCP 5223 to Apple), a FaceTime relay (UDP 3478 to
// 17/8), Zoom media (UDP 8801 to anywhere).
void BM_MatchAddressHit(benchmark::State& state) {
  matchAddresses(state, {addressCase("31.13.66.56", L4Protocol::kTcp, 5222),
                         addressCase("17.57.144.84", L4Protocol::kTcp, 5223),
                         addressCase("17.188.167.41", L4Protocol::kUdp, 3478),
                         addressCase("170.114.46.32", L4Protocol::kUdp, 8801)});
}
BENCHMARK(BM_MatchAddressHit);

// Ordinary HTTPS servers: every range rule is searched and none applies.
void BM_MatchAddressMiss(benchmark::State& state) {
  matchAddresses(state, {addressCase("93.184.216.34", L4Protocol::kTcp, 443),
                         addressCase("198.51.100.77", L4Protocol::kUdp, 443),
                         addressCase("10.1.2.3", L4Protocol::kTcp, 443),
                         addressCase("2001:db8::1", L4Protocol::kTcp, 443)});
}
BENCHMARK(BM_MatchAddressMiss);

// A catalog of the shipped rules plus one list of `count` random prefixes (IPv4 /12-/32, and one
// in eight IPv6 /29-/64), written to a temporary folder: how look-up cost grows with the number
// of prefixes, as a clinic that loads whole ASN route dumps would see.
std::shared_ptr<const classify::SignatureCatalog> catalogWithPrefixes(int count) {
  namespace fs = std::filesystem;
  fs::path folder = fs::temp_directory_path() / fmt::format("baawatch-bench-lpm-{}-{}", count, ::getpid());
  fs::create_directories(folder / "services");
  fs::create_directories(folder / "lists");
  fs::copy(BAAWATCH_SOURCE_DIR "/signatures", folder,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  std::mt19937 random(static_cast<std::uint32_t>(count));
  {
    std::ofstream list(folder / "lists/bench-prefixes.txt");
    list << "# synthetic prefixes for the look-up benchmark\n";
    for (int i = 0; i < count; ++i) {
      if (i % 8 == 7) {
        int length = 29 + static_cast<int>(random() % 36);
        list << fmt::format("2a0{:x}:{:x}:{:x}:{:x}::/{}\n", random() % 16, random() % 65536,
                            random() % 65536, random() % 65536, length);
      } else {
        int length = 12 + static_cast<int>(random() % 21);
        std::uint32_t address = random() & (length == 32 ? ~0u : ~(~0u >> length));
        list << fmt::format("{}.{}.{}.{}/{}\n", address >> 24, (address >> 16) & 255,
                            (address >> 8) & 255, address & 255, length);
      }
    }
  }
  {
    std::ofstream service(folder / "services/bench.yaml");
    service << "id: bench\nname: Bench\nvendor: Bench\ncategory: messaging\n"
               "baa: {status: none, statement: \"s\", source: \"s\"}\n"
               "rules:\n  - id: bench.prefixes\n    ip_list: lists/bench-prefixes.txt\n"
               "    reason: \"r\"\n    source: \"s\"\n";
  }
  auto catalog = std::make_shared<const classify::SignatureCatalog>(
      classify::loadSignatureCatalog(folder.string()));
  fs::remove_all(folder);
  return catalog;
}

// Random server addresses (most miss every range, as most servers do) against the shipped rules
// plus state.range(0) prefixes.
void BM_MatchAddressWithPrefixes(benchmark::State& state) {
  const classify::SignatureMatcher instance(catalogWithPrefixes(static_cast<int>(state.range(0))));
  std::mt19937 random(42);
  std::vector<IpAddress> servers;
  for (int i = 0; i < 4096; ++i) servers.push_back(IpAddress::fromV4(static_cast<std::uint32_t>(random())));
  std::size_t matches = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    auto found = instance.matchAddress(servers[next++ % servers.size()], L4Protocol::kUdp, 50000);
    matches += found.size();
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_call"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_MatchAddressWithPrefixes)->Arg(1000)->Arg(10000)->Arg(50000);

}  // namespace

BENCHMARK_MAIN();
