// Loads policy.yaml (format: docs/policy.md). The policy decides who gets alerted, so every value
// is checked against the signature catalog and refused with its location when it does not fit:
// a BAA recorded for a misspelt service would otherwise leave that service alerting forever.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "baawatch/common/config_error.hpp"
#include "baawatch/common/yaml_support.hpp"
#include "baawatch/policy/policy.hpp"

namespace baawatch::policy {
namespace {

using classify::Category;

// FNV-1a 64 of the file text: the same short audit-trail hash the signature catalog uses.
std::string contentHash(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char byte : text) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::string readWholeFile(const std::string& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw ConfigError(SourceLocation{file, 0, 0}, "", "cannot read the file");
  std::ostringstream text;
  text << stream.rdbuf();
  if (stream.bad()) throw ConfigError(SourceLocation{file, 0, 0}, "", "cannot read the file");
  return text.str();
}

bool isLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// ISO 8601 calendar date, YYYY-MM-DD, checked against the real calendar.
bool isIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  auto number = [&](std::size_t from, std::size_t length, int& out) {
    auto [end, error] = std::from_chars(text.data() + from, text.data() + from + length, out);
    return error == std::errc{} && end == text.data() + from + length;
  };
  int year = 0;
  int month = 0;
  int day = 0;
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[month - 1] + (month == 2 && isLeapYear(year) ? 1 : 0);
  return day <= days;
}

bool isPolicyId(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// "aa:bb:cc:dd:ee:ff" (or with '-'), stored lower case with ':' as inventory prints it.
std::optional<std::string> normalisedMac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  std::string mac;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    if (i % 3 == 2) {
      if (c != ':' && c != '-') return std::nullopt;
      mac += ':';
    } else {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
      mac += c;
    }
  }
  return mac;
}

std::string knownServices(const classify::SignatureCatalog& catalog) {
  std::vector<std::string> ids;
  for (const auto& service : catalog.services) ids.push_back(service.id);
  std::sort(ids.begin(), ids.end());
  std::string list;
  for (const auto& id : ids) {
    list += list.empty() ? "" : ", ";
    list += id;
  }
  return list;
}

// The catalog service ids are checked against, and the ids taken unchecked because their own
// signature file failed to load (its error is reported already).
struct ServiceLookup {
  const classify::SignatureCatalog& catalog;
  const PolicyLoadOptions& options;
};

std::string serviceId(const yaml::Node& node, const ServiceLookup& services) {
  std::string id = node.asString();
  if (!services.options.checkServices || services.options.uncheckedServices.contains(id)) {
    return id;
  }
  if (services.catalog.find(id) == nullptr) {
    node.fail(fmt::format("'{}' is not a known service (known: {})", id,
                          knownServices(services.catalog)));
  }
  return id;
}

std::string requiredText(const yaml::Node& parent, std::string_view key) {
  yaml::Node node = parent.child(key);
  std::string text = node.asString();
  if (text.empty()) node.fail("must not be empty");
  return text;
}

yaml::Node nonEmptyList(const yaml::Node& parent, std::string_view key) {
  yaml::Node node = parent.child(key);
  node.requireSequence();
  if (node.size() == 0) node.fail("an empty list here means nothing; remove the key instead");
  return node;
}

Severity parseSeverity(const yaml::Node& node) {
  std::string text = node.asString();
  if (auto severity = severityNamed(text)) return *severity;
  node.fail(fmt::format("'{}' is not a severity (info, low, medium, high, critical)", text));
}

// Each entry is checked on its own: all their errors are reported together.
std::vector<BaaOnFile> loadBaas(const yaml::Node& list, const ServiceLookup& services,
                                ConfigErrorCollector& errors) {
  list.requireSequence();
  std::vector<BaaOnFile> baas;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) errors.attempt([&] {
    yaml::Node entry = list.at(i);
    entry.requireMap();
    entry.allowOnlyKeys({"service", "reference", "signed"});
    BaaOnFile baa;
    yaml::Node service = entry.child("service");
    baa.serviceId = serviceId(service, services);
    if (!seen.insert(baa.serviceId).second) {
      service.fail(fmt::format("a BAA for '{}' is already listed", baa.serviceId));
    }
    const classify::ServiceSignature* signature = services.catalog.find(baa.serviceId);
    if (signature != nullptr && signature->baaStatus == classify::BaaStatus::kNone) {
      service.fail(fmt::format("{} ({}) offers no BAA; a contract for it cannot be on file",
                               signature->name, signature->vendor));
    }
    baa.reference = requiredText(entry, "reference");
    yaml::Node date = entry.child("signed");
    baa.signedDate = date.asString();
    if (!isIsoDate(baa.signedDate)) {
      date.fail(fmt::format("'{}' is not a date (YYYY-MM-DD)", baa.signedDate));
    }
    baas.push_back(std::move(baa));
  });
  return baas;
}

std::vector<IpRange> loadRanges(const yaml::Node& list) {
  std::vector<IpRange> ranges;
  for (std::size_t i = 0; i < list.size(); ++i) ranges.push_back(list.at(i).asIpRange());
  return ranges;
}

std::vector<Exemption> loadExemptions(const yaml::Node& list, const ServiceLookup& services,
                                      ConfigErrorCollector& errors) {
  list.requireSequence();
  std::vector<Exemption> exemptions;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) errors.attempt([&] {
    yaml::Node entry = list.at(i);
    entry.requireMap();
    entry.allowOnlyKeys({"id", "networks", "hosts", "macs", "vlans", "services", "reason"});
    Exemption exemption;
    yaml::Node id = entry.child("id");
    exemption.id = id.asString();
    if (!isPolicyId(exemption.id)) {
      id.fail(
          fmt::format("'{}' is not an id (lower-case letters, digits, '-' and '_')", exemption.id));
    }
    if (!seen.insert(exemption.id).second) {
      id.fail(fmt::format("duplicate exemption id '{}'", exemption.id));
    }
    if (!entry.has("networks") && !entry.has("hosts") && !entry.has("macs") &&
        !entry.has("vlans")) {
      // Without a device selector the exemption would silence every device in the clinic.
      entry.fail("an exemption needs at least one of networks, hosts, macs or vlans");
    }
    if (entry.has("networks")) exemption.networks = loadRanges(nonEmptyList(entry, "networks"));
    if (entry.has("hosts")) {
      yaml::Node hosts = nonEmptyList(entry, "hosts");
      for (std::size_t h = 0; h < hosts.size(); ++h) {
        yaml::Node host = hosts.at(h);
        std::string text = host.asString();
        if (text.find('/') != std::string::npos || !IpAddress::parse(text)) {
          host.fail(fmt::format("'{}' is not an IP address", text));
        }
        exemption.networks.push_back(*IpRange::parse(text));
      }
    }
    if (entry.has("macs")) {
      yaml::Node macs = nonEmptyList(entry, "macs");
      for (std::size_t m = 0; m < macs.size(); ++m) {
        yaml::Node mac = macs.at(m);
        auto normalised = normalisedMac(mac.asString());
        if (!normalised) {
          mac.fail(fmt::format("'{}' is not a MAC address (aa:bb:cc:dd:ee:ff)", mac.asString()));
        }
        exemption.macs.push_back(*normalised);
      }
    }
    if (entry.has("vlans")) {
      yaml::Node vlans = nonEmptyList(entry, "vlans");
      for (std::size_t v = 0; v < vlans.size(); ++v) {
        // IEEE 802.1Q: 0 and 4095 are reserved, so usable VLAN ids are 1-4094.
        exemption.vlans.push_back(static_cast<std::uint16_t>(vlans.at(v).asInteger(1, 4094)));
      }
    }
    if (entry.has("services")) {
      yaml::Node serviceList = nonEmptyList(entry, "services");
      for (std::size_t s = 0; s < serviceList.size(); ++s) {
        exemption.services.push_back(serviceId(serviceList.at(s), services));
      }
    }
    exemption.reason = requiredText(entry, "reason");
    exemptions.push_back(std::move(exemption));
  });
  return exemptions;
}

void loadSeverities(const yaml::Node& node, std::map<Category, Severity>& severities) {
  node.requireMap();
  node.allowOnlyKeys({"video", "messaging", "presence", "visibility-loss"});
  for (Category category :
       {Category::kVideo, Category::kMessaging, Category::kPresence, Category::kVisibilityLoss}) {
    std::string_view key = classify::toString(category);
    if (node.has(key)) severities[category] = parseSeverity(node.child(key));
  }
}

}  // namespace

std::string_view toString(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

std::optional<Severity> severityNamed(std::string_view name) {
  for (Severity severity :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (toString(severity) == name) return severity;
  }
  return std::nullopt;
}

const BaaOnFile* Policy::baaFor(std::string_view serviceId) const {
  for (const BaaOnFile& baa : baaOnFile) {
    if (baa.serviceId == serviceId) return &baa;
  }
  return nullptr;
}

Policy defaultPolicy() {
  Policy policy;
  policy.version = "builtin";
  // RFC 1918 private IPv4 and RFC 4193 unique local IPv6: where clinic devices live.
  for (std::string_view network : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}) {
    policy.clinicalNetworks.push_back(*IpRange::parse(network));
  }
  policy.severityByCategory = {{Category::kVideo, Severity::kHigh},
                               {Category::kMessaging, Severity::kHigh},
                               {Category::kPresence, Severity::kInfo},
                               {Category::kVisibilityLoss, Severity::kMedium}};
  policy.suppressionSeconds = 3600;
  policy.alertOnAttachmentPossible = false;
  return policy;
}

Policy loadPolicy(const std::string& file, const classify::SignatureCatalog& catalog,
                  ConfigErrorCollector& errors, const PolicyLoadOptions& options) {
  Policy policy = defaultPolicy();
  policy.file = file;
  std::string text;
  // emplace, not assignment: assigning a YAML::Node writes into the node it refers to.
  std::optional<yaml::Node> loaded;
  if (!errors.attempt([&] {
        text = readWholeFile(file);
        loaded.emplace(yaml::loadString(text, file));
        loaded->requireMap();
      })) {
    return policy;
  }
  const yaml::Node& root = *loaded;
  const ServiceLookup services{catalog, options};
  errors.attempt([&] {
    root.allowOnlyKeys({"clinic", "baa_on_file", "clinical_networks", "exemptions", "severity",
                        "alert_suppression", "alert_on_attachment_possible",
                        "minimum_alert_confidence"});
  });

  // Every key is checked even when one before it failed: they do not depend on each other.
  errors.attempt([&] {
    if (root.has("clinic")) policy.clinicName = requiredText(root, "clinic");
  });
  errors.attempt([&] {
    if (root.has("baa_on_file"))
      policy.baaOnFile = loadBaas(root.child("baa_on_file"), services, errors);
  });
  errors.attempt([&] {
    if (root.has("clinical_networks")) {
      policy.clinicalNetworks = loadRanges(nonEmptyList(root, "clinical_networks"));
    }
  });
  errors.attempt([&] {
    if (root.has("exemptions"))
      policy.exemptions = loadExemptions(root.child("exemptions"), services, errors);
  });
  errors.attempt([&] {
    if (root.has("severity")) loadSeverities(root.child("severity"), policy.severityByCategory);
  });
  errors.attempt([&] {
    if (root.has("alert_suppression")) {
      yaml::Node suppression = root.child("alert_suppression");
      policy.suppressionSeconds = suppression.asDurationSeconds();
    }
  });
  errors.attempt([&] {
    policy.alertOnAttachmentPossible =
        root.boolOr("alert_on_attachment_possible", policy.alertOnAttachmentPossible);
  });
  errors.attempt([&] {
    if (!root.has("minimum_alert_confidence")) return;
    yaml::Node level = root.child("minimum_alert_confidence");
    std::string levelText = level.asString();
    if (levelText == "low") {
      policy.minimumAlertConfidence = classify::Confidence::kLow;
    } else if (levelText == "medium") {
      policy.minimumAlertConfidence = classify::Confidence::kMedium;
    } else if (levelText == "high") {
      policy.minimumAlertConfidence = classify::Confidence::kHigh;
    } else {
      level.fail("'" + levelText + "' is not a confidence (low, medium, high)");
    }
  });

  policy.version = contentHash(text);
  return policy;
}

Policy loadPolicy(const std::string& file, const classify::SignatureCatalog& catalog) {
  ConfigErrorCollector errors;
  Policy policy = loadPolicy(file, catalog, errors);
  errors.throwIfAny();
  return policy;
}

}  // namespace baawatch::policy
