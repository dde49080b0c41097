// Loads signatures/services/*.yaml into a SignatureCatalog (format: docs/signatures.md).
// Every check happens here, at configuration time, so a typo in a signature file is a startup or
// reload error with its file:line:column instead of a rule that silently never matches.
#include <fmt/format.h>
#include <ndpi/ndpi_api.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_set>

#include "baawatch/classify/signature.hpp"
#include "baawatch/classify/detector_needs.hpp"
#include "baawatch/common/config_error.hpp"
#include "baawatch/common/yaml_support.hpp"

namespace baawatch::classify {
namespace {

namespace fs = std::filesystem;

struct NdpiModuleDeleter {
  void operator()(ndpi_detection_module_struct* module) const {
    ndpi_exit_detection_module(module);
  }
};

// The protocol names this nDPI build prints (ndpi_get_proto_name). Rules are checked against
// them because a misspelt name ("Whatsapp", or a 4.6+ name such as "LINE") would never match and
// nothing else would notice.
std::unordered_set<std::string> readNdpiProtocolNames() {
  std::unique_ptr<ndpi_detection_module_struct, NdpiModuleDeleter> module(
      ndpi_init_detection_module(ndpi_no_prefs));
  std::unordered_set<std::string> names;
  if (!module) return names;
  u_int count = ndpi_get_num_supported_protocols(module.get());
  for (u_int id = 0; id < count; ++id) {
    const char* name = ndpi_get_proto_name(module.get(), static_cast<u_int16_t>(id));
    if (name != nullptr) names.emplace(name);
  }
  return names;
}

// Read once per process: the names are a constant of the linked library, and building an nDPI
// module to read them (host automata, address trees) is slow, and a catalog is loaded at every
// start and reload (and, in the loader's fuzz target, for every input).
const std::unordered_set<std::string>& ndpiProtocolNames() {
  static const std::unordered_set<std::string> names = readNdpiProtocolNames();
  return names;
}

std::string readWholeFile(const std::string& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw ConfigError(SourceLocation{file, 0, 0}, "", "cannot read the file");
  std::ostringstream text;
  text << stream.rdbuf();
  if (stream.bad()) throw ConfigError(SourceLocation{file, 0, 0}, "", "cannot read the file");
  return text.str();
}

// FNV-1a 64: a short, stable content hash for the audit trail, not a security boundary.
std::string contentHash(const std::map<std::string, std::string>& filesByName) {
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](std::string_view bytes) {
    for (unsigned char byte : bytes) {
      hash ^= byte;
      hash *= 1099511628211ULL;
    }
  };
  // A NUL after each part so that name "ab" + content "c" and "a" + "bc" hash differently.
  constexpr std::string_view kSeparator("\0", 1);
  for (const auto& [name, content] : filesByName) {
    mix(name);
    mix(kSeparator);
    mix(content);
    mix(kSeparator);
  }
  return fmt::format("{:016x}", hash);
}

bool isServiceId(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool isRuleIdTail(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

bool isBehaviourName(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A DNS name as rules store it: lower case, no trailing dot, labels of letters, digits, '-' and
// '_' (seen in service names such as _dns.resolver.arpa).
std::string normalisedName(const yaml::Node& node, bool pattern = false) {
  std::string text = node.asString();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (!pattern && text.starts_with("*.")) {
    node.fail(fmt::format("'{}': write the name without '*.'; names already match subdomains",
                          node.asString()));
  }
  bool labelStart = true;
  for (char c : text) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                   (pattern && (c == '*' || c == '?'));
    if (c == '.' && !labelStart) {
      labelStart = true;
      continue;
    }
    if (!allowed) {
      node.fail(fmt::format("'{}' is not a DNS name", node.asString()));
    }
    labelStart = false;
  }
  if (text.empty() || labelStart) node.fail(fmt::format("'{}' is not a DNS name", node.asString()));
  return text;
}

std::string requiredText(const yaml::Node& parent, std::string_view key) {
  yaml::Node node = parent.child(key);
  std::string text = node.asString();
  if (text.empty()) node.fail("must not be empty");
  return text;
}

// Every list in a signature must say something: an empty one matches nothing and hides an edit
// that went wrong.
yaml::Node nonEmptyList(const yaml::Node& parent, std::string_view key) {
  yaml::Node node = parent.child(key);
  node.requireSequence();
  if (node.size() == 0) node.fail("an empty list matches nothing");
  return node;
}

PortRange parsePortRange(const yaml::Node& node) {
  if (!node.isScalar()) node.fail("expected a port or a \"first-last\" range");
  std::string text = node.asString();
  auto dash = text.find('-');
  if (dash == std::string::npos) {
    auto port = static_cast<std::uint16_t>(node.asInteger(1, 65535));
    return PortRange{port, port};
  }
  auto parsePart = [&](std::string_view part) -> std::uint16_t {
    int value = 0;
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (error != std::errc{} || end != part.data() + part.size() || part.empty()) {
      node.fail(fmt::format("'{}' is not a port or a \"first-last\" range", text));
    }
    if (value < 1 || value > 65535) {
      node.fail(fmt::format("'{}': port {} is outside 1-65535", text, value));
    }
    return static_cast<std::uint16_t>(value);
  };
  std::string_view view = text;
  PortRange range{parsePart(view.substr(0, dash)), parsePart(view.substr(dash + 1))};
  if (range.first > range.last) {
    node.fail(fmt::format("'{}' is a reversed range (first port above last)", text));
  }
  return range;
}

template <typename Enum>
Enum parseChoice(const yaml::Node& node,
                 std::initializer_list<std::pair<std::string_view, Enum>> choices) {
  std::string text = node.asString();
  std::string list;
  for (const auto& [name, value] : choices) {
    if (name == text) return value;
    list += list.empty() ? "" : ", ";
    list += name;
  }
  node.fail(fmt::format("'{}' is not one of: {}", text, list));
}

class CatalogLoader {
 public:
  CatalogLoader(std::string folder, std::vector<DetectorNeeds> needs)
      : folder_(std::move(folder)), ndpiNames_(ndpiProtocolNames()), needs_(std::move(needs)) {}

  // Every file is checked, and within a file every rule, even after one failed: `errors` gets
  // them all. The catalog holds the files that loaded whole.
  PartialSignatureCatalog load(ConfigErrorCollector& errors) {
    PartialSignatureCatalog result;
    std::vector<fs::path> files;
    if (!errors.attempt([&] { files = serviceFiles(); })) return result;
    result.folderRead = true;
    for (const fs::path& file : files) {
      bool loaded = errors.attempt([&] {
        std::string text = readWholeFile(file.string());
        hashed_["services/" + file.filename().string()] = text;
        result.catalog.services.push_back(
            loadService(yaml::loadString(text, file.string()), file.stem().string()));
      });
      if (!loaded) result.failedServices.insert(file.stem().string());
    }
    result.catalog.version = contentHash(hashed_);
    return result;
  }

 private:
  std::vector<fs::path> serviceFiles() const {
    fs::path servicesFolder = fs::path(folder_) / "services";
    std::error_code error;
    if (!fs::is_directory(folder_, error)) {
      throw ConfigError(SourceLocation{folder_, 0, 0}, "", "signatures folder not found");
    }
    if (!fs::is_directory(servicesFolder, error)) {
      throw ConfigError(SourceLocation{servicesFolder.string(), 0, 0}, "",
                        "services folder not found (expected one <service>.yaml per service)");
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(servicesFolder, error), end; !error && it != end;
         it.increment(error)) {
      if (it->path().extension() == ".yaml") files.push_back(it->path());
    }
    if (error) {
      throw ConfigError(SourceLocation{servicesFolder.string(), 0, 0}, "",
                        fmt::format("cannot list the folder: {}", error.message()));
    }
    if (files.empty()) {
      throw ConfigError(SourceLocation{servicesFolder.string(), 0, 0}, "",
                        "no service files (*.yaml) found");
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  // The id comes first: every rule id is checked against it. After that the fields, each rule
  // and the thresholds are independent, and all their errors are reported together; the checks
  // of what detectors need run only on a file whose rules and thresholds all loaded, so that a
  // broken rule is not reported a second time as a missing one.
  ServiceSignature loadService(const yaml::Node& root, const std::string& stem) {
    root.requireMap();
    ConfigErrorCollector errors;
    errors.attempt([&] {
      root.allowOnlyKeys({"id", "name", "vendor", "category", "baa", "rules", "behaviour"});
    });
    ServiceSignature service;
    service.file = root.file();

    bool idLoaded = errors.attempt([&] {
      yaml::Node id = root.child("id");
      service.id = id.asString();
      if (!isServiceId(service.id)) {
        id.fail(fmt::format("'{}' is not a service id (lower-case letters, digits and '-')",
                            service.id));
      }
      if (service.id != stem) {
        id.fail(fmt::format("'{}' must equal the file name '{}'", service.id, stem));
      }
      if (!serviceIds_.insert(service.id).second) {
        id.fail(fmt::format("duplicate service id '{}'", service.id));
      }
    });
    if (!idLoaded) errors.throwIfAny();
    errors.attempt([&] { service.name = requiredText(root, "name"); });
    errors.attempt([&] { service.vendor = requiredText(root, "vendor"); });
    errors.attempt([&] {
      service.category = parseChoice<Category>(root.child("category"),
                                               {{"video", Category::kVideo},
                                                {"messaging", Category::kMessaging},
                                                {"presence", Category::kPresence},
                                                {"visibility-loss", Category::kVisibilityLoss}});
    });

    errors.attempt([&] {
      yaml::Node baa = root.child("baa");
      baa.requireMap();
      errors.attempt([&] { baa.allowOnlyKeys({"status", "statement", "source"}); });
      errors.attempt([&] {
        service.baaStatus = parseChoice<BaaStatus>(
            baa.child("status"), {{"none", BaaStatus::kNone}, {"available", BaaStatus::kAvailable}});
      });
      errors.attempt([&] { service.baaStatement = requiredText(baa, "statement"); });
      errors.attempt([&] { service.baaSource = requiredText(baa, "source"); });
    });

    bool rulesLoaded = errors.attempt([&] {
      yaml::Node rules = nonEmptyList(root, "rules");
      ConfigErrorCollector ruleErrors;
      for (std::size_t i = 0; i < rules.size(); ++i) {
        ruleErrors.attempt([&] { service.rules.push_back(loadRule(rules.at(i), service.id)); });
      }
      ruleErrors.throwIfAny();
      checkNeededRules(rules, service);
    });
    bool behaviourLoaded = errors.attempt([&] {
      if (root.has("behaviour")) loadBehaviour(root.child("behaviour"), service);
    });
    if (rulesLoaded && behaviourLoaded) {
      errors.attempt([&] {
        checkNeededThresholds(root.has("behaviour") ? root.child("behaviour") : root, service);
      });
    }
    errors.throwIfAny();
    return service;
  }

  // The needs that apply to `serviceId`'s file: its own, and with `withAny` those of every file.
  std::vector<const DetectorNeeds*> needsOf(const std::string& serviceId, bool withAny) const {
    std::vector<const DetectorNeeds*> found;
    for (const DetectorNeeds& need : needs_) {
      if (need.serviceId == serviceId || (withAny && need.serviceId == kAnyService))
        found.push_back(&need);
    }
    return found;
  }

  // Every rule a detector looks up by id is there (a renamed rule would leave it without).
  void checkNeededRules(const yaml::Node& rules, const ServiceSignature& service) const {
    for (const DetectorNeeds* need : needsOf(service.id, false)) {
      for (const std::string& ruleId : need->ruleIds) {
        if (service.findRule(ruleId) != nullptr) continue;
        rules.fail(fmt::format("no rule '{}', which the {} detector reads", ruleId,
                               need->detector));
      }
    }
  }

  // The declaration of threshold `name` for this file, or null when no detector reads it.
  const ThresholdNeed* thresholdNeed(const std::string& serviceId, const std::string& name,
                                     std::string* detector) const {
    for (const DetectorNeeds* need : needsOf(serviceId, true)) {
      for (const ThresholdNeed& threshold : need->thresholds) {
        if (threshold.name != name) continue;
        if (detector != nullptr) *detector = need->detector;
        return &threshold;
      }
    }
    return nullptr;
  }

  std::string thresholdNamesOf(const std::string& serviceId) const {
    std::set<std::string> names;
    for (const DetectorNeeds* need : needsOf(serviceId, true))
      for (const ThresholdNeed& threshold : need->thresholds) names.insert(threshold.name);
    if (names.empty()) return "none";
    return fmt::format("{}", fmt::join(names, ", "));
  }

  static bool isWhole(double value) { return value == static_cast<double>(static_cast<long long>(value)); }

  // A threshold's value is of the type its detector declared.
  static void checkThresholdType(const yaml::Node& threshold, const ThresholdNeed& need,
                                 const ServiceSignature& service, const std::string& name) {
    bool list = need.type == ThresholdType::kPayloadTypes;
    if (threshold.has(list ? "values" : "value") == false) {
      threshold.fail(fmt::format("needs {}", toString(need.type)));
    }
    if (list) {
      yaml::Node values = threshold.child("values");
      const std::vector<double>& read = service.behaviourLists.at(name);
      for (std::size_t i = 0; i < read.size(); ++i) {
        if (read[i] < 0 || read[i] > 127 || !isWhole(read[i]))
          values.at(i).fail(fmt::format("needs {}", toString(need.type)));
      }
      return;
    }
    double value = service.behaviour.at(name);
    if (value < 0 || (need.type == ThresholdType::kCount && !isWhole(value)))
      threshold.child("value").fail(fmt::format("needs {}", toString(need.type)));
  }

  // Every threshold a detector needs from this file is there.
  void checkNeededThresholds(const yaml::Node& where, const ServiceSignature& service) const {
    for (const DetectorNeeds* need : needsOf(service.id, false)) {
      for (const ThresholdNeed& threshold : need->thresholds) {
        if (!threshold.required || service.behaviour.contains(threshold.name) ||
            service.behaviourLists.contains(threshold.name))
          continue;
        where.fail(fmt::format("no threshold '{}' ({}), which the {} detector reads",
                               threshold.name, toString(threshold.type), need->detector));
      }
    }
  }

  SignatureRule loadRule(const yaml::Node& node, const std::string& serviceId) {
    node.requireMap();
    node.allowOnlyKeys({"id", "names", "exact_names", "name_patterns", "ip_ranges", "ip_list", "ndpi", "protocol",
                        "ports", "except_ip_ranges", "except_ip_list", "kind", "confidence", "reason",
                        "source", "behaviour_only", "caveat", "wire"});
    SignatureRule rule;
    yaml::Node id = node.child("id");
    rule.id = id.asString();
    std::string prefix = serviceId + ".";
    if (!rule.id.starts_with(prefix) || !isRuleIdTail(rule.id.substr(prefix.size()))) {
      id.fail(
          fmt::format("'{}' must be '{}' followed by lower-case letters, digits, '-', '_' or '.'",
                      rule.id, prefix));
    }
    if (auto [it, inserted] = ruleFiles_.emplace(rule.id, node.file()); !inserted) {
      id.fail(fmt::format("duplicate rule id '{}' (first defined in {})", rule.id, it->second));
    }

    bool hasNames = node.has("names") || node.has("exact_names") || node.has("name_patterns");
    bool hasAddresses = node.has("ip_ranges") || node.has("ip_list");
    bool hasNdpi = node.has("ndpi");
    bool hasWire = node.has("wire");
    int families = int{hasNames} + int{hasAddresses} + int{hasNdpi} + int{hasWire};
    if (families != 1) {
      std::string found;
      for (auto [present, name] :
           {std::pair{hasNames, "names"}, std::pair{hasAddresses, "addresses"},
            std::pair{hasNdpi, "ndpi"}, std::pair{hasWire, "wire"}}) {
        if (!present) continue;
        found += found.empty() ? "" : " and ";
        found += name;
      }
      node.fail(fmt::format(
          "a rule needs exactly one match family (names/exact_names, ip_ranges/ip_list, ndpi or "
          "wire); "
          "found {}",
          found.empty() ? "none" : found));
    }

    if (node.has("names")) {
      yaml::Node list = nonEmptyList(node, "names");
      for (std::size_t i = 0; i < list.size(); ++i)
        rule.suffixNames.push_back(normalisedName(list.at(i)));
    }
    if (node.has("exact_names")) {
      yaml::Node list = nonEmptyList(node, "exact_names");
      for (std::size_t i = 0; i < list.size(); ++i)
        rule.exactNames.push_back(normalisedName(list.at(i)));
    }
    if (node.has("name_patterns")) {
      // Shell-style patterns for names with a varying label, e.g. "p*-content.icloud.com".
      yaml::Node list = nonEmptyList(node, "name_patterns");
      for (std::size_t i = 0; i < list.size(); ++i)
        rule.namePatterns.push_back(normalisedName(list.at(i), true));
    }
    if (node.has("ip_ranges")) {
      yaml::Node list = nonEmptyList(node, "ip_ranges");
      for (std::size_t i = 0; i < list.size(); ++i) rule.ipRanges.push_back(list.at(i).asIpRange());
    }
    if (node.has("ip_list")) loadIpList(node.child("ip_list"), rule.ipRanges);
    if (node.has("except_ip_ranges")) {
      yaml::Node list = nonEmptyList(node, "except_ip_ranges");
      for (std::size_t i = 0; i < list.size(); ++i)
        rule.exceptRanges.push_back(list.at(i).asIpRange());
    }
    if (node.has("except_ip_list")) loadIpList(node.child("except_ip_list"), rule.exceptRanges);
    if (node.has("ndpi")) {
      yaml::Node list = nonEmptyList(node, "ndpi");
      for (std::size_t i = 0; i < list.size(); ++i) {
        yaml::Node element = list.at(i);
        std::string name = element.asString();
        if (!ndpiNames_.contains(name)) {
          element.fail(fmt::format(
              "'{}' is not a protocol name of the installed nDPI (names are case-sensitive, as "
              "ndpiReader prints them)",
              name));
        }
        rule.ndpiProtocols.push_back(name);
      }
    }

    if (hasWire) {
      yaml::Node list = nonEmptyList(node, "wire");
      for (std::size_t i = 0; i < list.size(); ++i) {
        yaml::Node element = list.at(i);
        std::string name = element.asString();
        std::optional<WireShape> shape = wireShapeNamed(name);
        if (!shape) {
          std::string known;
          for (WireShape each : allWireShapes())
            known += fmt::format("{}{}", known.empty() ? "" : ", ", toString(each));
          element.fail(fmt::format("'{}' is not a wire shape baawatch recognises ({})", name, known));
        }
        rule.wireShapes.push_back(*shape);
      }
    }
    if (node.has("protocol")) {
      rule.protocol = parseChoice<L4Protocol>(
          node.child("protocol"), {{"tcp", L4Protocol::kTcp}, {"udp", L4Protocol::kUdp}});
    }
    if (node.has("ports")) {
      yaml::Node list = nonEmptyList(node, "ports");
      for (std::size_t i = 0; i < list.size(); ++i)
        rule.ports.push_back(parsePortRange(list.at(i)));
    }
    if (node.has("kind")) {
      rule.kind = parseChoice<UseKind>(node.child("kind"), {{"call", UseKind::kCall},
                                                            {"messaging", UseKind::kMessaging},
                                                            {"web", UseKind::kWeb},
                                                            {"presence", UseKind::kPresence}});
    }
    if (node.has("confidence")) {
      rule.confidence =
          parseChoice<Confidence>(node.child("confidence"), {{"low", Confidence::kLow},
                                                             {"medium", Confidence::kMedium},
                                                             {"high", Confidence::kHigh}});
    }
    if (node.has("behaviour_only")) rule.behaviourOnly = node.child("behaviour_only").asBool();
    if (node.has("caveat")) rule.caveat = node.child("caveat").asString();
    rule.reason = requiredText(node, "reason");
    rule.source = requiredText(node, "source");
    return rule;
  }

  // An ip_list file: one CIDR per line, '#' starts a comment; the header comment names where the
  // list came from and when (STYLE.md §9), so a list without one is refused.
  void loadIpList(const yaml::Node& node, std::vector<IpRange>& ranges) {
    std::string relative = node.asString();
    fs::path relativePath(relative);
    if (relative.empty() || relativePath.is_absolute() ||
        std::any_of(relativePath.begin(), relativePath.end(),
                    [](const fs::path& part) { return part == ".."; })) {
      node.fail(fmt::format("'{}' must be a path inside the signatures folder", relative));
    }
    std::string listFile = (fs::path(folder_) / relativePath).string();
    std::error_code error;
    if (!fs::is_regular_file(listFile, error)) {
      node.fail(fmt::format("'{}': list file {} not found", relative, listFile));
    }
    std::string text = readWholeFile(listFile);
    hashed_[relativePath.lexically_normal().generic_string()] = text;

    std::istringstream lines(text);
    std::string line;
    int lineNumber = 0;
    std::size_t before = ranges.size();
    while (std::getline(lines, line)) {
      ++lineNumber;
      if (lineNumber == 1 && !line.starts_with("#")) {
        throw ConfigError(SourceLocation{listFile, 1, 1}, "",
                          "an IP list must start with a '#' comment naming its origin and date");
      }
      std::string_view content = line;
      if (auto hash = content.find('#'); hash != std::string_view::npos) {
        content = content.substr(0, hash);
      }
      auto first = content.find_first_not_of(" \t\r");
      if (first == std::string_view::npos) continue;
      auto last = content.find_last_not_of(" \t\r");
      std::string_view cidr = content.substr(first, last - first + 1);
      auto range = IpRange::parse(cidr);
      if (!range) {
        throw ConfigError(SourceLocation{listFile, lineNumber, static_cast<int>(first) + 1}, "",
                          fmt::format("'{}' is not a CIDR range", cidr));
      }
      ranges.push_back(*range);
    }
    if (ranges.size() == before) {
      node.fail(fmt::format("'{}': list file {} holds no CIDR ranges", relative, listFile));
    }
  }

  // `behaviour:` is reserved for thresholds of the behaviour classifier; each needs the reason
  // its value was chosen, like every other piece of detection knowledge.
  void loadBehaviour(const yaml::Node& node, ServiceSignature& service) {
    node.requireMap();
    for (const auto& entry : node.raw()) {
      std::string name = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
      yaml::Node threshold(entry.second, node.file(),
                           node.path().empty() ? name : node.path() + "." + name);
      if (service.behaviour.contains(name) || service.behaviourLists.contains(name)) {
        yaml::Node(entry.first, node.file(), threshold.path())
            .fail(fmt::format("duplicate threshold '{}'", name));
      }
      if (!isBehaviourName(name)) {
        threshold.fail(
            fmt::format("'{}' is not a threshold name (lower-case letters, digits, '_')", name));
      }
      threshold.requireMap();
      threshold.allowOnlyKeys({"value", "values", "reason"});
      if (threshold.has("values") == threshold.has("value")) {
        threshold.fail("needs exactly one of 'value' (a number) or 'values' (a list of numbers)");
      }
      if (threshold.has("values")) {
        yaml::Node list = nonEmptyList(threshold, "values");
        std::vector<double>& values = service.behaviourLists[name];
        for (std::size_t i = 0; i < list.size(); ++i) values.push_back(list.at(i).asNumber(-1e15, 1e15));
      } else {
        service.behaviour[name] = threshold.child("value").asNumber(-1e15, 1e15);
      }
      service.behaviourReasons[name] = requiredText(threshold, "reason");
      // A threshold no detector reads is a misspelling or a leftover: either way its number
      // would silently not apply.
      const ThresholdNeed* need = thresholdNeed(service.id, name, nullptr);
      if (need == nullptr) {
        yaml::Node(entry.first, node.file(), threshold.path())
            .fail(fmt::format("no detector reads threshold '{}' (thresholds read from {}'s file: "
                              "{})",
                              name, service.id, thresholdNamesOf(service.id)));
      }
      checkThresholdType(threshold, *need, service, name);
    }
  }

  std::string folder_;
  const std::unordered_set<std::string>& ndpiNames_;
  std::vector<DetectorNeeds> needs_;
  std::set<std::string> serviceIds_;
  std::map<std::string, std::string> ruleFiles_;  // rule id -> file defining it
  std::map<std::string, std::string> hashed_;     // relative path -> content, for the version
};

}  // namespace

std::string_view toString(Category category) {
  switch (category) {
    case Category::kVideo:
      return "video";
    case Category::kMessaging:
      return "messaging";
    case Category::kPresence:
      return "presence";
    case Category::kVisibilityLoss:
      return "visibility-loss";
  }
  return "unknown";
}

std::string_view toString(Confidence confidence) {
  switch (confidence) {
    case Confidence::kLow:
      return "low";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kHigh:
      return "high";
  }
  return "unknown";
}

std::string_view toString(UseKind kind) {
  switch (kind) {
    case UseKind::kPresence:
      return "presence";
    case UseKind::kWeb:
      return "web";
    case UseKind::kMessaging:
      return "messaging";
    case UseKind::kCall:
      return "call";
  }
  return "unknown";
}

std::string_view toString(BaaStatus status) {
  switch (status) {
    case BaaStatus::kNone:
      return "none";
    case BaaStatus::kAvailable:
      return "available";
  }
  return "unknown";
}

const ServiceSignature* SignatureCatalog::find(std::string_view serviceId) const {
  for (const ServiceSignature& service : services) {
    if (service.id == serviceId) return &service;
  }
  return nullptr;
}

SignatureCatalog loadSignatureCatalog(const std::string& folder) {
  return loadSignatureCatalog(folder, builtInDetectorNeeds());
}

SignatureCatalog loadSignatureCatalog(const std::string& folder,
                                      std::vector<DetectorNeeds> needs) {
  ConfigErrorCollector errors;
  PartialSignatureCatalog loaded = CatalogLoader(folder, std::move(needs)).load(errors);
  errors.throwIfAny();
  return std::move(loaded.catalog);
}

PartialSignatureCatalog loadSignatureCatalog(const std::string& folder,
                                             ConfigErrorCollector& errors) {
  return CatalogLoader(folder, builtInDetectorNeeds()).load(errors);
}

}  // namespace baawatch::classify

namespace baawatch::classify {

const SignatureRule* ServiceSignature::findRule(std::string_view ruleId) const {
  for (const auto& rule : rules)
    if (rule.id == ruleId) return &rule;
  return nullptr;
}

}  // namespace baawatch::classify
