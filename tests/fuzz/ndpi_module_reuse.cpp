// Linked into fuzz_pipeline only. The target builds a whole pipeline per input, so that a crash
// reproduces from its input alone; all of it is cheap but nDPI's detection module, whose init and
// finalize (host automata, address trees) take about 100 ms and held the target to ~11 inputs a
// second. This file stands between our code and those nDPI calls (an executable's definitions
// take precedence over a shared library's; the real ones are found with dlsym(RTLD_NEXT)) and
// keeps a finished module for the next pipeline, but only one that the input left as it was:
// - nDPI's allocator hooks (set_ndpi_malloc/free) track its heap. A module is kept only if every
//   block it held after finalize is still there and nothing allocated since is: nDPI creates its
//   cross-flow state (the STUN, Zoom, TLS certificate, ... caches) lazily, on that heap.
// - The module struct itself is restored byte for byte from the copy taken after finalize (its
//   per-packet scratch and anything else it wrote there).
// - With `checkInPlace` (replay builds, so every corpus input and regression in ctest; or
//   BAAWATCH_FUZZ_CHECK_REUSE=1) every other block is hashed too, and an input that changed one
//   in place aborts: that would make the next input's run depend on this one.
// Anything else (a module still holding flows, a freed or new block) is really freed, and the
// next pipeline gets a new module.
#include <dlfcn.h>
#include <ndpi/ndpi_api.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace {

struct Heap {
  std::unordered_map<void*, std::size_t> live;  // every block nDPI holds, with its size
};

struct KeptModule {
  ndpi_detection_module_struct* current = nullptr;  // the one finalized last, in use
  bool reused = false;                               // `current` was handed out again
  ndpi_detection_module_struct* spare = nullptr;     // finished and pristine, waiting
  std::vector<unsigned char> image;                  // the struct's bytes after finalize
  std::unordered_map<void*, std::size_t> baseline;   // the heap after finalize
  bool baselineFreed = false;
  std::uint64_t baselineHash = 0;
  NDPI_PROTOCOL_BITMASK protocols{};
  bool checkInPlace = false;
  std::uint64_t kept = 0, replaced = 0;
};

// Process-wide by nature: nDPI's allocator hooks are process-wide.
Heap& heap() {
  static Heap* instance = new Heap;  // never destroyed: nDPI may free after static destructors
  return *instance;
}
KeptModule& kept() {
  static KeptModule* instance = new KeptModule;
  return *instance;
}

void* trackedMalloc(std::size_t size) {
  void* block = std::malloc(size);
  if (block != nullptr) heap().live[block] = size;
  return block;
}

void trackedFree(void* block) {
  if (block == nullptr) return;
  KeptModule& module = kept();
  if (module.current != nullptr && module.baseline.count(block) != 0) module.baselineFreed = true;
  heap().live.erase(block);
  std::free(block);
}

__attribute__((constructor)) void installHooks() {
  set_ndpi_malloc(trackedMalloc);
  set_ndpi_free(trackedFree);
  const char* check = std::getenv("BAAWATCH_FUZZ_CHECK_REUSE");
#ifdef BAAWATCH_FUZZ_REPLAY
  kept().checkInPlace = true;
#endif
  if (check != nullptr && check[0] == '1') kept().checkInPlace = true;
}

template <typename Function>
Function real(const char* name) {
  void* symbol = ::dlsym(RTLD_NEXT, name);
  if (symbol == nullptr) {
    std::fprintf(stderr, "ndpi_module_reuse: %s not found in libndpi\n", name);
    std::abort();
  }
  return reinterpret_cast<Function>(symbol);
}

// FNV-1a over every baseline block but the module struct (restored, not compared).
std::uint64_t hashBaseline(const KeptModule& module) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const auto& [block, size] : module.baseline) {
    if (block == module.current) continue;
    auto address = reinterpret_cast<std::uintptr_t>(block);
    const auto* bytes = static_cast<const unsigned char*>(block);
    std::uint64_t blockHash = 14695981039346656037ULL ^ address;
    for (std::size_t index = 0; index < size; ++index) {
      blockHash = (blockHash ^ bytes[index]) * 1099511628211ULL;
    }
    hash += blockHash;  // order-independent: the map's order is not stable
  }
  return hash;
}

bool pristine(const KeptModule& module) {
  return !module.baselineFreed && heap().live.size() == module.baseline.size();
}

}  // namespace

extern "C" {

ndpi_detection_module_struct* ndpi_init_detection_module(ndpi_init_prefs prefs) {
  KeptModule& module = kept();
  if (module.spare != nullptr && prefs == ndpi_no_prefs) {
    module.current = module.spare;
    module.spare = nullptr;
    module.reused = true;
    ++module.kept;
    return module.current;
  }
  static auto init = real<ndpi_detection_module_struct* (*)(ndpi_init_prefs)>(
      "ndpi_init_detection_module");
  return init(prefs);
}

void ndpi_set_protocol_detection_bitmask2(ndpi_detection_module_struct* ndpi,
                                          const NDPI_PROTOCOL_BITMASK* protocols) {
  KeptModule& module = kept();
  if (ndpi == module.current && module.reused) {
    // A kept module serves only a pipeline that asks for what it was finished with.
    if (std::memcmp(protocols, &module.protocols, sizeof module.protocols) != 0) {
      std::fprintf(stderr, "ndpi_module_reuse: a kept module asked for other protocols\n");
      std::abort();
    }
    return;
  }
  module.protocols = *protocols;
  static auto set = real<void (*)(ndpi_detection_module_struct*, const NDPI_PROTOCOL_BITMASK*)>(
      "ndpi_set_protocol_detection_bitmask2");
  set(ndpi, protocols);
}

void ndpi_finalize_initialization(ndpi_detection_module_struct* ndpi) {
  KeptModule& module = kept();
  if (ndpi == module.current && module.reused) return;
  static auto finalize =
      real<void (*)(ndpi_detection_module_struct*)>("ndpi_finalize_initialization");
  finalize(ndpi);
  const Heap& now = heap();
  auto self = now.live.find(ndpi);
  if (module.current != nullptr || self == now.live.end()) return;  // not one we can keep
  module.current = ndpi;
  module.reused = false;
  module.baseline = now.live;
  module.baselineFreed = false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(ndpi);
  module.image.assign(bytes, bytes + self->second);
  if (module.checkInPlace) module.baselineHash = hashBaseline(module);
}

void ndpi_exit_detection_module(ndpi_detection_module_struct* ndpi) {
  KeptModule& module = kept();
  if (ndpi == module.current) {
    if (pristine(module)) {
      if (module.checkInPlace && hashBaseline(module) != module.baselineHash) {
        std::fprintf(stderr,
                     "ndpi_module_reuse: an input changed nDPI's module heap in place; keeping "
                     "the module would carry state to the next input\n");
        std::abort();
      }
      std::memcpy(ndpi, module.image.data(), module.image.size());
      module.spare = ndpi;
      module.current = nullptr;
      return;
    }
    ++module.replaced;
    module.current = nullptr;
    module.baseline.clear();
    module.image.clear();
  }
  static auto exit = real<void (*)(ndpi_detection_module_struct*)>("ndpi_exit_detection_module");
  exit(ndpi);
}

}  // extern "C"
