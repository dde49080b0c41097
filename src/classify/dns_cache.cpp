#include "baawatch/classify/dns_cache.hpp"

#include <algorithm>
#include <map>

namespace baawatch::classify {

void DnsCache::observeResponse(const IpAddress& client, const decode::DnsMessage& response,
                               Timestamp time) {
  if (!response.isResponse || response.questions.empty()) return;
  const std::string& asked = response.questions.front().name;
  for (const auto& record : response.answers) {
    if (record.type != decode::dns_type::kA && record.type != decode::dns_type::kAaaa) continue;
    if (record.address.isUnset()) continue;
    double ttl = std::clamp(static_cast<double>(record.ttl), options_.minTtl, options_.maxTtl);
    Key key{client, record.address};
    Entry entry{ResolvedName{asked, record.name, time},
                Timestamp{time.micros + static_cast<Microseconds>(ttl * 1e6)}};
    auto [it, inserted] = entries_.insert_or_assign(key, std::move(entry));
    (void)it;
    if (inserted) {
      insertionOrder_.push_back(key);
      counters_.add("dns_cache.learned");
    }
    while (entries_.size() > options_.maxEntries && !insertionOrder_.empty()) {
      if (entries_.erase(insertionOrder_.front()) != 0) counters_.add("dns_cache.evicted");
      insertionOrder_.pop_front();
    }
    // Keep the eviction queue from growing without bound when keys are refreshed and erased.
    if (insertionOrder_.size() > 2 * options_.maxEntries + 1024) {
      std::deque<Key> live;
      for (const auto& queued : insertionOrder_)
        if (entries_.count(queued) != 0) live.push_back(queued);
      insertionOrder_.swap(live);
    }
  }
}

void DnsCache::takeEntriesFrom(DnsCache&& previous) {
  entries_ = std::move(previous.entries_);
  insertionOrder_ = std::move(previous.insertionOrder_);
  counters_ = std::move(previous.counters_);
  while (entries_.size() > options_.maxEntries && !insertionOrder_.empty()) {
    if (entries_.erase(insertionOrder_.front()) != 0) counters_.add("dns_cache.evicted");
    insertionOrder_.pop_front();
  }
}

std::optional<ResolvedName> DnsCache::lookup(const IpAddress& client, const IpAddress& server,
                                             Timestamp now) const {
  auto it = entries_.find(Key{client, server});
  if (it == entries_.end() || it->second.expires < now) return std::nullopt;
  return it->second.resolved;
}

}  // namespace baawatch::classify
