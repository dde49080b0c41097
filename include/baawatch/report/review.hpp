#pragma once
// What reviewers decided, and who the devices belong to: the two files a report may read
// besides the logs (docs/report.md, "Decisions that are kept").
//
// Dispositions: JSON lines, one decision per line, appended by `baawatch review` (or by hand):
//   {"encounter_id":"4f0c...","reviewer":"J. Doe","date":"2026-12-04",
//    "decision":"low_probability"|"breach","reasons":"...","discovered":"2026-12-03"}
// `discovered` is optional (the day the breach was discovered, 45 CFR 164.404(a)(2)); without
// it the report takes the day the monitor first logged the encounter. A later line for the same
// encounter replaces an earlier one (a revised decision; the file keeps the history).
//
// Device owners: CSV with the header `device,person,role` (role may be empty); `device` is a MAC
// address or a host name (case does not matter).
//
// Loaders return an error naming file:line and the field; nothing throws.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "baawatch/common/timestamp.hpp"

namespace baawatch::report {

enum class ReviewDecision : std::uint8_t { kLowProbability, kBreach };
std::string_view toString(ReviewDecision decision);  // "low_probability", "breach"
std::optional<ReviewDecision> parseReviewDecision(std::string_view text);

struct Disposition {
  std::string encounterId;
  std::string reviewer;
  Timestamp date;                        // the day of the decision (00:00 UTC)
  ReviewDecision decision = ReviewDecision::kLowProbability;
  std::string reasons;
  std::optional<Timestamp> discovered;   // the day of discovery, when the reviewer gave one
  std::uint64_t line = 0;                // where in the file (for the report's footnote)
};

struct Dispositions {
  std::string file;
  std::map<std::string, Disposition> byEncounter;
  std::uint64_t decisions = 0;  // lines read (revisions included)
};

struct DispositionsLoad {
  Dispositions dispositions;
  std::string error;  // "FILE:LINE: FIELD: why"; empty when the file was read whole
};
DispositionsLoad loadDispositions(const std::string& path);

// The line `baawatch review` appends (no newline), canonical JSON with sorted keys.
std::string dispositionLine(const Disposition& disposition);

// 45 CFR 164.404(b): notification without unreasonable delay and no later than 60 calendar days
// after discovery. The last day to notify, 00:00 UTC of that day.
Timestamp notificationDeadline(Timestamp discovered);

struct DeviceOwner {
  std::string person;
  std::string role;
  std::uint64_t line = 0;
  std::string words() const;  // "Dr. Lee (physician)"
};

struct DeviceOwners {
  std::string file;
  std::map<std::string, DeviceOwner> byMac;       // lower-case aa:bb:cc:dd:ee:ff
  std::map<std::string, DeviceOwner> byHostName;  // lower-case
  const DeviceOwner* find(const std::string& mac, const std::string& hostName) const;
};

struct DeviceOwnersLoad {
  DeviceOwners owners;
  std::string error;
};
DeviceOwnersLoad loadDeviceOwners(const std::string& path);

// A MAC address the device chose itself (locally administered bit set), as iOS and Android do
// for private Wi-Fi addresses that change over time.
bool isPrivateMac(const std::string& mac);

struct ReportData;
// After the logs are read: names owners, joins the private MAC addresses of one device (same
// host name, never seen at the same time), attaches each decision to its encounter, computes
// the notification deadlines, and orders the encounters open first, then decided, then those
// that need no assessment (each by start).
void applyReview(ReportData& data, const Dispositions* dispositions, const DeviceOwners* owners);

}  // namespace baawatch::report
