#include <fnmatch.h>
#include "baawatch/classify/signature_matcher.hpp"

#include <algorithm>
#include <array>
#include <map>
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

// Address rules are grouped by prefix length, longest first, each group a hash of network
// addresses: a lookup costs one hash probe per distinct prefix length (a few dozen at most) and
// returns the most specific ranges first, whatever the number of ranges (Telegram's list, Tor's).
struct SignatureMatcher::Index {
  NameIndex exact;
  NameIndex suffix;
  std::vector<RuleRef> patterned;  // rules with name_patterns: few, scanned
  NameIndex ndpi;
  std::array<std::vector<RuleRef>, kWireShapeCount> wire;
  struct PrefixGroup {
    // An IPv4 address must not fall into an IPv6 range such as ::/0 that happens to cover the
    // IPv4-mapped block, so each group holds one family only.
    bool v4 = false;
    int prefix128 = 0;  // prefix length in the IPv4-mapped 128-bit space
    std::unordered_map<IpAddress, std::vector<RuleRef>, IpAddressHash> networks;
  };
  std::vector<PrefixGroup> prefixGroups;  // longest prefix first
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
  std::map<std::pair<int, bool>, Index::PrefixGroup> groups;  // (prefix128, v4)
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
      for (const IpRange& range : rule.ipRanges) {
        const IpAddress& network = range.network();
        int prefix128 = range.prefixLength() + (network.isV4() ? 96 : 0);
        Index::PrefixGroup& group = groups[{prefix128, network.isV4()}];
        group.v4 = network.isV4();
        group.prefix128 = prefix128;
        group.networks[network].push_back(ref);
      }
    }
  }
  for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
    index_->prefixGroups.push_back(std::move(it->second));
  }
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
  bool v4 = server.isV4();
  for (const Index::PrefixGroup& group : index_->prefixGroups) {
    if (group.v4 != v4) continue;
    auto it = group.networks.find(server.masked(group.prefix128));
    if (it == group.networks.end()) continue;
    for (const RuleRef& ref : it->second) {
      if (!restrictionsAllow(*ref.rule, protocol, serverPort)) continue;
      if (value.empty()) value = server.toString();
      matches.push_back(SignatureMatch{ref.service, ref.rule, EvidenceField::kServerIp, value});
    }
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
