#pragma once
// The outcome of classifying one flow: which service, how sure, what kind of use, and the
// evidence that says so. Every detection carries its evidence (DOMAIN.md).
#include <memory>
#include <string>
#include <vector>

#include "baawatch/classify/signature.hpp"
#include "baawatch/classify/signature_matcher.hpp"
#include "baawatch/common/timestamp.hpp"

namespace baawatch::classify {

struct Evidence {
  std::string ruleId;
  EvidenceField field = EvidenceField::kServerIp;
  std::string value;       // the observed name, address or label: metadata, never payload
  Timestamp time;          // time of the packet that showed it
  Confidence confidence = Confidence::kMedium;
  std::string reason;      // the rule's reason, for readers of the record
  std::string caveat;      // what this evidence cannot show (from the rule), may be empty
};

struct Verdict {
  std::shared_ptr<const SignatureCatalog> catalog;  // keeps `service` alive across reloads
  const ServiceSignature* service = nullptr;
  Confidence confidence = Confidence::kLow;
  UseKind kind = UseKind::kWeb;
  std::string media;       // for calls, "audio" or "video" when the rate tells; else empty
  // Alerting needs the policy's explicit opt-in (alert_on_attachment_possible): the evidence is
  // a correlation, not an observation of use.
  bool alertNeedsOptIn = false;
  std::vector<Evidence> evidence;
};

}  // namespace baawatch::classify
