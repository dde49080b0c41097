#pragma once
// Named counters ("decode.ipv4.truncated", "flow.evicted") owned by one stage and summed by the
// stats reporter. Names are dotted, lower case, stable: they are part of the output schema.
// Not thread-safe: each packet thread owns its own set; the reporter merges snapshots.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace baawatch {

class Counters {
 public:
  Counters() = default;
  Counters(const Counters& other) : values_(other.values_) {}
  Counters(Counters&& other) noexcept : values_(std::move(other.values_)) { other.cache_ = {}; }
  Counters& operator=(const Counters& other) {
    if (this != &other) {
      values_ = other.values_;
      cache_ = {};
    }
    return *this;
  }
  Counters& operator=(Counters&& other) noexcept {
    if (this != &other) {
      values_ = std::move(other.values_);
      cache_ = {};
      other.cache_ = {};
    }
    return *this;
  }

  void add(std::string_view name, std::uint64_t amount = 1) {
    // The packet path counts with string literals: a small cache indexed by where the name's
    // characters live finds the value without a tree search. A hit is confirmed by comparing
    // the name itself, so a different string at a reused address only costs a miss.
    Slot& slot = cache_[(reinterpret_cast<std::uintptr_t>(name.data()) >> 3) % kCacheSize];
    if (slot.entry == nullptr || slot.entry->first != name) {
      auto it = values_.find(name);
      if (it == values_.end()) it = values_.emplace(std::string(name), 0).first;
      slot.entry = &*it;  // map nodes never move and are never erased
    }
    slot.entry->second += amount;
  }
  std::uint64_t get(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? 0 : it->second;
  }
  void merge(const Counters& other) {
    for (const auto& [name, value] : other.values_) add(name, value);
  }
  const std::map<std::string, std::uint64_t, std::less<>>& values() const { return values_; }

 private:
  using Map = std::map<std::string, std::uint64_t, std::less<>>;
  struct Slot {
    Map::value_type* entry = nullptr;
  };
  static constexpr std::size_t kCacheSize = 32;

  Map values_;
  std::array<Slot, kCacheSize> cache_{};
};

}  // namespace baawatch
