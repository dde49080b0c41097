#pragma once
// Remembers, per client, which names it resolved to which addresses, so that a later flow with no
// name of its own (UDP media, QUIC without SNI, apps that dial addresses) is attributed to the
// name that client looked up. Entries live for the record's TTL, stretched to a floor because
// apps keep using an address long after a short TTL expires. Bounded: the oldest entries are
// dropped first (counted).
// Thread: owned by one packet thread.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "baawatch/common/counters.hpp"
#include "baawatch/common/ip_address.hpp"
#include "baawatch/common/timestamp.hpp"
#include "baawatch/decode/dns_message.hpp"

namespace baawatch::classify {

struct DnsCacheOptions {
  std::size_t maxEntries = 200000;
  double minTtl = 300;
  double maxTtl = 86400;
  bool operator==(const DnsCacheOptions&) const = default;
};

struct ResolvedName {
  std::string name;          // the name the client asked for (the question, before CNAMEs)
  std::string answeredName;  // the owner name of the address record (end of the CNAME chain)
  Timestamp resolvedAt;
};

class DnsCache {
 public:
  explicit DnsCache(DnsCacheOptions options) : options_(options) {}

  // Learns from a DNS response sent to `client`.
  void observeResponse(const IpAddress& client, const decode::DnsMessage& response, Timestamp time);
  // The name `client` resolved to `server`, if still fresh at `now`.
  std::optional<ResolvedName> lookup(const IpAddress& client, const IpAddress& server,
                                     Timestamp now) const;

  // A classifier rebuilt by a reload keeps what the network already answered: the entries (with
  // the expiry they were learned with) and counters of `previous` move here, trimmed to this
  // cache's maxEntries, oldest first.
  void takeEntriesFrom(DnsCache&& previous);

  std::size_t size() const { return entries_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  struct Key {
    IpAddress client;
    IpAddress server;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept {
      IpAddressHash hash;
      return hash(key.client) * 31 + hash(key.server);
    }
  };
  struct Entry {
    ResolvedName resolved;
    Timestamp expires;
  };

  DnsCacheOptions options_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::deque<Key> insertionOrder_;  // eviction order; may hold keys already refreshed
  Counters counters_;
};

}  // namespace baawatch::classify
