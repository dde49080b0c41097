#include <fnmatch.h>
#include "baawatch/classify/signature_matcher.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

namespace baawatch::classify {
namespace {

struct RuleRef {
  const ServiceSignature* service = nullptr;
  const SignatureRule* rule = nullptr;
};

// Heterogeneous lookup: names arrive as string_view from packet views, and a lookup must not
// allocate a std::string per label suffix.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

using NameIndex =
    std::unordered_map<std::string, std::vector<RuleRef>, StringHash, std::equal_to<>>;

bool restrictionsAllow(const SignatureRule& rule, L4Protocol protocol, std::uint16_t serverPort) {
  if (rule.protocol != L4Protocol::kAny && rule.protocol != protocol) return false;
  if (rule.ports.empty()) return true;
  return std::any_of(rule.ports.begin(), rule.ports.end(),
                     [serverPort](const PortRange& range) { return range.contains(serverPort); });
}

}  // namespace

namespace {

// Address rules as a partition of each family's address space into intervals, each holding the
// rules whose ranges cover all of it, most specific first: a look-up is one binary search over
// about twice as many interval starts as there are ranges (some 15 steps for the shipped 10,000),
// whatever the mix of prefix lengths (the VPN and Tor lists hold many).
class AddressPartition {
 public:
  // An address family's whole space as one ordered integer; __extension__ because ISO C++ has no
  // 128-bit type and the CI build is pedantic.
  __extension__ typedef unsigned __int128 Key;

  static Key keyOf(const IpAddress& address) {
    return (static_cast<Key>(address.highBits()) << 64) | address.lowBits();
  }

  void add(const IpRange& range, RuleRef ref) {
    Key first = keyOf(range.network());
    int prefix128 = range.prefixLength() + (range.network().isV4() ? 96 : 0);
    Key hostBits = prefix128 >= 128 ? Key{0} : (~Key{0} >> prefix128);
    pending_.push_back(Pending{first, first | hostBits, prefix128, pending_.size(), ref});
  }

  // Turns the added ranges into the partition: a sweep over the interval starts, keeping the
  // ranges that cover the current interval.
  void build() {
    std::vector<Key> bounds;
    bounds.reserve(pending_.size() * 2);
    for (const Pending& entry : pending_) {
      bounds.push_back(entry.first);
      if (entry.last != ~Key{0}) bounds.push_back(entry.last + 1);
    }
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    std::sort(pending_.begin(), pending_.end(),
              [](const Pending& a, const Pending& b) { return a.first < b.first; });
    std::vector<const Pending*> active;
    std::size_t next = 0;
    for (Key start : bounds) {
      while (next < pending_.size() && pending_[next].first <= start) active.push_back(&pending_[next++]);
      std::erase_if(active, [start](const Pending* entry) { return entry->last < start; });
      std::sort(active.begin(), active.end(), [](const Pending* a, const Pending* b) {
        return a->prefix128 != b->prefix128 ? a->prefix128 > b->prefix128 : a->order < b->order;
      });
      starts_.push_back(start);
      offsets_.push_back(static_cast<std::uint32_t>(refs_.size()));
      for (const Pending* entry : active) refs_.push_back(entry->ref);
    }
    offsets_.push_back(static_cast<std::uint32_t>(refs_.size()));
    pending_.clear();
    pending_.shrink_to_fit();
  }

  // The rules whose ranges contain `address`, most specific first (empty when none).
  std::span<const RuleRef> lookup(const IpAddress& address) const {
    Key key = keyOf(address);
    auto after = std::upper_bound(starts_.begin(), starts_.end(), key);
    if (after == starts_.begin()) return {};
    std::size_t interval = static_cast<std::size_t>(after - starts_.begin()) - 1;
    return std::span<const RuleRef>(refs_.data() + offsets_[interval],
                                    offsets_[interval + 1] - offsets_[interval]);
  }

 private:
  struct Pending {
    Key first = 0;
    Key last = 0;
    int prefix128 = 0;
    std::size_t order = 0;  // insertion order: catalog order among ranges of one length
    RuleRef ref;
  };
  std::vector<Pending> pending_;
  std::vector<Key> starts_;
  std::vector<std::uint32_t> offsets_;  // interval i's rules: refs_[offsets_[i], offsets_[i + 1])
  std::vector<RuleRef> refs_;
};

}  // namespace

struct SignatureMatcher::Index {
  NameIndex exact;
  NameIndex suffix;
  std::vector<RuleRef> patterned;  // rules with name_patterns: few, scanned
  NameIndex ndpi;
  std::array<std::vector<RuleRef>, kWireShapeCount> wire;
  // An IPv4 address must not fall into an IPv6 range such as ::/0 that happens to cover the
  // IPv4-mapped block, so each family has its own partition.
  AddressPartition v4;
  AddressPartition v6;
};

std::string_view toString(EvidenceField field) {
  switch (field) {
    case EvidenceField::kTlsSni:
      return "tls.sni";
    case EvidenceField::kQuicSni:
      return "quic.sni";
    case EvidenceField::kDnsQuery:
      return "dns.query";
    case EvidenceField::kHttpHost:
      return "http.host";
    case EvidenceField::kServerIp:
      return "server.ip";
    case EvidenceField::kNdpi:
      return "ndpi.protocol";
    case EvidenceField::kBehaviour:
      return "behaviour";
    case EvidenceField::kWireShape:
      return "payload.shape";
  }
  return "unknown";
}

SignatureMatcher::SignatureMatcher(std::shared_ptr<const SignatureCatalog> catalog)
    : catalog_(std::move(catalog)), index_(std::make_unique<Index>()) {
  for (const ServiceSignature& service : catalog_->services) {
    for (const SignatureRule& rule : service.rules) {
      if (rule.behaviourOnly) continue;  // read by behaviour classifiers, never matched alone
      RuleRef ref{&service, &rule};
      for (const std::string& name : rule.exactNames) index_->exact[name].push_back(ref);
      for (const std::string& name : rule.suffixNames) index_->suffix[name].push_back(ref);
      if (!rule.namePatterns.empty()) index_->patterned.push_back(ref);
      for (const std::string& name : rule.ndpiProtocols) index_->ndpi[name].push_back(ref);
      for (WireShape shape : rule.wireShapes)
        index_->wire[static_cast<std::size_t>(shape)].push_back(ref);
      for (const IpRange& range : rule.ipRanges)
        (range.network().isV4() ? index_->v4 : index_->v6).add(range, ref);
    }
  }
  index_->v4.build();
  index_->v6.build();
}

SignatureMatcher::~SignatureMatcher() = default;
SignatureMatcher::SignatureMatcher(SignatureMatcher&&) noexcept = default;
SignatureMatcher& SignatureMatcher::operator=(SignatureMatcher&&) noexcept = default;

std::vector<SignatureMatch> SignatureMatcher::matchName(std::string_view name, EvidenceField field,
                                                        L4Protocol protocol,
                                                        std::uint16_t serverPort) const {
  std::vector<SignatureMatch> matches;
  // Rules store names lower case without the root dot; observed names get the same treatment.
  std::string normalised(name);
  std::transform(normalised.begin(), normalised.end(), normalised.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!normalised.empty() && normalised.back() == '.') normalised.pop_back();
  if (normalised.empty()) return matches;

  auto collect = [&](const NameIndex& index, std::string_view key) {
    auto it = index.find(key);
    if (it == index.end()) return;
    for (const RuleRef& ref : it->second) {
      if (restrictionsAllow(*ref.rule, protocol, serverPort)) {
        matches.push_back(SignatureMatch{ref.service, ref.rule, field, normalised});
      }
    }
  };
  collect(index_->exact, normalised);
  // Walk the label suffixes ("a.b.whatsapp.net", "b.whatsapp.net", "whatsapp.net", "net"): a
  // suffix rule matches only at a label boundary, so "notwhatsapp.net" never matches
  // "whatsapp.net".
  std::string_view rest = normalised;
  while (!rest.empty()) {
    collect(index_->suffix, rest);
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  for (const RuleRef& ref : index_->patterned) {
    bool matched = std::any_of(ref.rule->namePatterns.begin(), ref.rule->namePatterns.end(),
                               [&](const std::string& pattern) {
                                 return fnmatch(pattern.c_str(), normalised.c_str(), 0) == 0;
                               });
    if (matched && restrictionsAllow(*ref.rule, protocol, serverPort))
      matches.push_back(SignatureMatch{ref.service, ref.rule, field, normalised});
  }
  return matches;
}

std::vector<SignatureMatch> SignatureMatcher::matchAddress(const IpAddress& server,
                                                           L4Protocol protocol,
                                                           std::uint16_t serverPort) const {
  std::vector<SignatureMatch> matches;
  if (server.isUnset()) return matches;
  std::string value;
  for (const RuleRef& ref : (server.isV4() ? index_->v4 : index_->v6).lookup(server)) {
    if (!restrictionsAllow(*ref.rule, protocol, serverPort)) continue;
    if (value.empty()) value = server.toString();
    matches.push_back(SignatureMatch{ref.service, ref.rule, EvidenceField::kServerIp, value});
  }
  return matches;
}

std::vector<SignatureMatch> SignatureMatcher::matchNdpi(std::string_view ndpiName,
                                                        L4Protocol protocol,
                                                        std::uint16_t serverPort) const {
  std::vector<SignatureMatch> matches;
  auto it = index_->ndpi.find(ndpiName);
  if (it == index_->ndpi.end()) return matches;
  for (const RuleRef& ref : it->second) {
    if (restrictionsAllow(*ref.rule, protocol, serverPort)) {
      matches.push_back(
          SignatureMatch{ref.service, ref.rule, EvidenceField::kNdpi, std::string(ndpiName)});
    }
  }
  return matches;
}

std::vector<SignatureMatch> SignatureMatcher::matchWireShape(WireShape shape, L4Protocol protocol,
                                                             std::uint16_t serverPort) const {
  std::vector<SignatureMatch> matches;
  for (const RuleRef& ref : index_->wire[static_cast<std::size_t>(shape)]) {
    if (restrictionsAllow(*ref.rule, protocol, serverPort)) {
      matches.push_back(
          SignatureMatch{ref.service, ref.rule, EvidenceField::kWireShape, std::string(toString(shape))});
    }
  }
  return matches;
}

const SignatureCatalog& SignatureMatcher::catalog() const { return *catalog_; }

bool ruleMatchesName(const SignatureRule& rule, std::string_view name) {
  std::string text(name);
  if (std::find(rule.exactNames.begin(), rule.exactNames.end(), text) != rule.exactNames.end())
    return true;
  for (const std::string& suffix : rule.suffixNames) {
    if (text == suffix) return true;
    if (text.size() > suffix.size() && text.ends_with(suffix) &&
        text[text.size() - suffix.size() - 1] == '.')
      return true;
  }
  return std::any_of(rule.namePatterns.begin(), rule.namePatterns.end(),
                     [&](const std::string& pattern) {
                       return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
                     });
}

}  // namespace baawatch::classify
