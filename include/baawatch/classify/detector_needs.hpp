#pragma once
// What a detector reads from the signature catalog: the rules it looks up by id and the typed
// `behaviour:` thresholds it takes its numbers from. The catalog loader checks every service file
// against these declarations (docs/signatures.md, "What the detectors read"), so a renamed rule or
// a misspelt threshold is refused at start and on reload with file:line:column, instead of the
// detector quietly losing a rule or falling back to a number of its own.
#include <cstdint>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"

namespace baawatch::classify {

enum class ThresholdType : std::uint8_t {
  kNumber,        // any number >= 0: seconds, packets a second, kbit/s
  kCount,         // a whole number >= 0: packets, bytes
  kPayloadTypes,  // `values:`, a list of RTP payload types (whole numbers 0-127)
};
std::string_view toString(ThresholdType type);  // "a number >= 0", ...

struct ThresholdNeed {
  std::string name;       // "call_min_seconds"
  ThresholdType type = ThresholdType::kNumber;
  bool required = true;   // false: the file may set it; `fallback` otherwise, said here
  double fallback = 0;
};

// The needs of one detector from one service's file. They apply when that service is in the
// catalog: a catalog without the service leaves the detector idle (a site may drop a service file).
// `serviceId` "*" declares optional thresholds any service's file may set.
struct DetectorNeeds {
  std::string detector;   // the detector's name, for the error message
  std::string serviceId;  // "facetime", or "*"
  std::vector<std::string> ruleIds;
  std::vector<ThresholdNeed> thresholds;
};
inline constexpr const char* kAnyService = "*";

// The needs of every detector and context rule FlowClassifier and ContextRules build.
std::vector<DetectorNeeds> builtInDetectorNeeds();

// loadSignatureCatalog() checks the files against builtInDetectorNeeds(); this one against
// `needs` (tests, and tools that load a catalog for other detectors).
SignatureCatalog loadSignatureCatalog(const std::string& folder, std::vector<DetectorNeeds> needs);

// A threshold the loader checked: present (when required) and of its declared type.
double thresholdValue(const ServiceSignature& service, const ThresholdNeed& need);
std::vector<int> thresholdPayloadTypes(const ServiceSignature& service, const ThresholdNeed& need);
const std::string& thresholdReason(const ServiceSignature& service, const std::string& name);
// A rule the loader checked is present.
const SignatureRule& neededRule(const ServiceSignature& service, const std::string& ruleId);

}  // namespace baawatch::classify
