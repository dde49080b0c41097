#pragma once
// Named counters ("decode.ipv4.truncated", "flow.evicted") owned by one stage and summed by the
// stats reporter. Names are dotted, lower case, stable: they are part of the output schema.
// Not thread-safe: each packet thread owns its own set; the reporter merges snapshots.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace baawatch {

class Counters {
 public:
  void add(std::string_view name, std::uint64_t amount = 1) {
    auto it = values_.find(name);
    if (it == values_.end()) it = values_.emplace(std::string(name), 0).first;
    it->second += amount;
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
  std::map<std::string, std::uint64_t, std::less<>> values_;
};

}  // namespace baawatch
