#pragma once
// The clinic's policy (policy.yaml): which services have a BAA on file, which networks are
// clinical, which devices are exempt, how severe each category is, how often to repeat alerts.
// Immutable once loaded. File format: docs/policy.md.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"
#include "baawatch/common/config_error.hpp"
#include "baawatch/common/ip_address.hpp"

namespace baawatch::policy {

enum class Severity : std::uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };
std::string_view toString(Severity severity);  // "info", "low", "medium", "high", "critical"
// The inverse of toString; nothing for a word that is no severity.
std::optional<Severity> severityNamed(std::string_view name);

struct BaaOnFile {
  std::string serviceId;
  std::string reference;               // contract reference, e.g. "Zoom BAA #2024-117"
  std::string signedDate;              // ISO date "2024-03-01"
};

struct Exemption {
  std::string id;                      // names the policy rule in output ("exempt.front-desk")
  std::vector<IpRange> networks;       // hosts are /32 or /128 ranges
  std::vector<std::string> macs;       // lower-case "aa:bb:..."
  std::vector<std::uint16_t> vlans;
  std::vector<std::string> services;   // empty: all services
  std::string reason;
};

struct Policy {
  std::string file;
  std::string version;                 // content hash, for the audit trail
  std::vector<BaaOnFile> baaOnFile;
  std::vector<IpRange> clinicalNetworks;  // default: RFC 1918 + fc00::/7
  std::vector<Exemption> exemptions;
  std::map<classify::Category, Severity> severityByCategory;
  double suppressionSeconds = 3600;    // same device+service+rule alert not repeated within this
  bool alertOnAttachmentPossible = false;  // iMessage attachment heuristic alerts (else counted)
  // Verdicts below this are counted, not alerted: hints such as "Teams media" that cannot tell
  // the consumer tier from the enterprise one.
  classify::Confidence minimumAlertConfidence = classify::Confidence::kMedium;
  std::optional<std::string> clinicName;   // copied into every record when set

  const BaaOnFile* baaFor(std::string_view serviceId) const;
};

// Loads and validates policy.yaml against the signature catalog (a policy that names an unknown
// service is refused). Throws ConfigError with file:line:column and the field path; every key and
// list entry is checked, and several errors come as one ConfigErrorList.
Policy loadPolicy(const std::string& file, const classify::SignatureCatalog& catalog);

// For checking a policy against a catalog known to be incomplete (`--check-config` when some
// signature files have errors): the ids in `uncheckedServices`, or every id when `checkServices`
// is false (no catalog at all), are taken without a check, since the signature files' own errors
// are reported already and a second error for each would only hide which one to fix.
struct PolicyLoadOptions {
  std::set<std::string> uncheckedServices;
  bool checkServices = true;
};
// The same, keeping every error in `errors` instead of throwing; returns what loaded.
Policy loadPolicy(const std::string& file, const classify::SignatureCatalog& catalog,
                  ConfigErrorCollector& errors, const PolicyLoadOptions& options = {});
// The built-in default (no BAAs on file, RFC 1918 + ULA clinical, no exemptions).
Policy defaultPolicy();

}  // namespace baawatch::policy
