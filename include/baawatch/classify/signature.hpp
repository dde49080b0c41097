#pragma once
// The detection knowledge loaded from signatures/services/*.yaml: one ServiceSignature per file.
// Immutable once loaded; shared read-only by every packet thread through a snapshot.
// File format: docs/signatures.md.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "baawatch/classify/wire_shape.hpp"
#include "baawatch/common/config_error.hpp"
#include "baawatch/common/ip_address.hpp"

namespace baawatch::classify {

enum class Category : std::uint8_t { kVideo, kMessaging, kPresence, kVisibilityLoss };
std::string_view toString(Category category);  // "video", "messaging", "presence", "visibility-loss"

enum class Confidence : std::uint8_t { kLow, kMedium, kHigh };
std::string_view toString(Confidence confidence);  // "low", "medium", "high"

// What kind of use a rule's match implies; an encounter takes the strongest kind of its flows
// (call > messaging > web > presence).
enum class UseKind : std::uint8_t { kPresence, kWeb, kMessaging, kCall };
std::string_view toString(UseKind kind);  // "presence", "web", "messaging", "call"

enum class BaaStatus : std::uint8_t {
  kNone,       // vendor offers no BAA for this service
  kAvailable,  // vendor signs BAAs for some (usually paid/enterprise) plans
};
std::string_view toString(BaaStatus status);  // "none", "available"

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  bool contains(std::uint16_t port) const { return port >= first && port <= last; }
};

enum class L4Protocol : std::uint8_t { kAny = 0, kTcp = 6, kUdp = 17 };

struct SignatureRule {
  std::string id;                      // globally unique, e.g. "whatsapp.sni"
  std::string reason;                  // why this identifies the service
  std::string source;                  // where the fact comes from
  std::string caveat;                  // what a match can NOT show, in words (optional)
  Confidence confidence = Confidence::kMedium;
  UseKind kind = UseKind::kWeb;

  // Exactly one family of match fields is set per rule:
  std::vector<std::string> exactNames;   // DNS/SNI name equals (lower case)
  std::vector<std::string> suffixNames;  // DNS/SNI name equals or ends with "." + suffix
  std::vector<std::string> namePatterns; // shell pattern over the whole name ("p*-content.icloud.com")
  std::vector<IpRange> ipRanges;         // server address within (from ip_ranges and ip_list)
  std::vector<std::string> ndpiProtocols;  // nDPI 4.2 protocol names (app or master)
  std::vector<WireShape> wireShapes;     // payload shapes (classify/wire_shape.hpp)
  // Optional restrictions, applied to any family:
  L4Protocol protocol = L4Protocol::kAny;
  std::vector<PortRange> ports;          // server port within one of them (empty: any)
  // Server addresses where the rule does not hold (from except_ip_ranges and except_ip_list):
  // another vendor's space where the matched label or name is known to be wrong.
  std::vector<IpRange> exceptRanges;
  bool excludes(const IpAddress& server) const {
    for (const IpRange& range : exceptRanges)
      if (range.contains(server)) return true;
    return false;
  }
  // A rule that never attributes a flow by itself: a behaviour classifier reads its ranges and
  // ports (e.g. Apple's relay space) and decides with what the traffic does.
  bool behaviourOnly = false;
};

struct ServiceSignature {
  std::string id;                      // "facetime", "whatsapp", ...
  std::string name;                    // "Apple FaceTime"
  std::string vendor;                  // "Apple"
  Category category = Category::kMessaging;
  BaaStatus baaStatus = BaaStatus::kNone;
  std::string baaStatement;            // the vendor's public position, in words
  std::string baaSource;               // URL or document
  std::string file;                    // the YAML file it came from
  std::vector<SignatureRule> rules;
  // Optional `behaviour:` thresholds for the behaviour classifier (name -> value), each with the
  // reason it was chosen; empty when the file has none.
  std::map<std::string, double> behaviour;
  std::map<std::string, std::string> behaviourReasons;
  // Behaviour facts that are lists (e.g. RTP payload types), `values:` instead of `value:`.
  std::map<std::string, std::vector<double>> behaviourLists;
  const SignatureRule* findRule(std::string_view ruleId) const;
};

// True when `name` (lower case, no trailing dot) is matched by the rule's name family: exact,
// suffix at a label boundary, or pattern. Protocol and port restrictions are not checked here.
bool ruleMatchesName(const SignatureRule& rule, std::string_view name);

struct SignatureCatalog {
  std::string version;                 // content hash of all files, for the audit trail
  std::vector<ServiceSignature> services;
  const ServiceSignature* find(std::string_view serviceId) const;
};

// Loads every *.yaml in `folder/services` (and ip_list files relative to `folder`).
// Throws ConfigError (file:line:column, field) on invalid files: unknown keys, wrong types, bad
// CIDRs or ports, duplicate service or rule ids, missing required fields, and a rule or threshold
// a detector needs that is missing, misspelt or of the wrong type (classify/detector_needs.hpp).
// Every file and every rule is checked: with several errors it is a ConfigErrorList of all.
SignatureCatalog loadSignatureCatalog(const std::string& folder);

// What loaded when some files did not (`--check-config`, which goes on to check the policy).
struct PartialSignatureCatalog {
  SignatureCatalog catalog;                 // the service files that loaded without an error
  std::set<std::string> failedServices;     // the ids (file names) of those that did not
  bool folderRead = false;                  // false: the folder itself was missing or empty
};
// The same checks, keeping every error in `errors` instead of throwing.
PartialSignatureCatalog loadSignatureCatalog(const std::string& folder,
                                             ConfigErrorCollector& errors);

}  // namespace baawatch::classify
