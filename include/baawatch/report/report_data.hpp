#pragma once
// What the report knows once the logs are read: aggregates only, plus the encounters
// themselves (an auditor asks about each one) with their evidence already put into words.
// Built by ReportBuilder; plain values, no references into the log.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "baawatch/common/timestamp.hpp"
#include "baawatch/report/review.hpp"

namespace baawatch::report {

// The HHS OCR notification of enforcement discretion for telehealth expired at the end of
// 2023-05-11; the 90-day transition for telehealth ran to 2023-08-09 (inclusive).
inline constexpr std::string_view kDiscretionEndDate = "2023-05-11";
inline constexpr std::string_view kTransitionEndDate = "2023-08-09";

struct DeviceRef {
  std::string id;        // "mac:..." or "ip:..."
  std::string ip;
  std::string mac;       // empty when unknown
  std::string hostName;  // empty when unknown
  std::string dhcpClientId;  // a stable DHCP client identifier (option 61), empty when unknown
  // "dr-lee-iphone", else the MAC, else the address: what a person calls the device.
  std::string label() const;
};

struct ServiceRef {
  std::string id;
  std::string name;
  std::string vendor;
  std::string category;    // video, messaging, presence, visibility-loss
  std::string baaStatus;   // none, available
  std::string baaStatement;
  std::string baaSource;
};

struct EvidenceLine {
  std::string words;       // "Encrypted connection to g.whatsapp.net (name sent by the device)"
  std::string confidence;  // low, medium, high
  std::string reason;      // the signature's own reason (CSV; technical)
  std::string ruleId;
};

struct EncounterEntry {
  std::string id;
  DeviceRef device;
  ServiceRef service;
  Timestamp start;
  Timestamp end;
  double durationSeconds = 0;
  std::string kind;        // call, messaging, web, presence
  std::string media;       // audio, video or empty
  std::string confidence;
  std::uint64_t flows = 0;
  std::uint64_t bytesFromDevice = 0;
  std::uint64_t bytesToDevice = 0;
  std::uint64_t packetsFromDevice = 0;
  std::uint64_t packetsToDevice = 0;
  std::vector<std::string> remoteAddresses;
  bool remoteAddressesTruncated = false;
  std::string policyRule;
  std::string policyAction;
  std::string headline;    // "Apple FaceTime video call via Apple relay 17.188.167.41 (...)"
  std::vector<EvidenceLine> evidence;
  bool evidenceTruncated = false;
  bool baaOnFile = false;          // the policy counted it under a BAA on file
  bool assessmentRequired = false; // 45 CFR 164.402 flag
  bool inTransitionPeriod = false; // started within 2023-05-12 .. 2023-08-09
  std::string owner;               // from the device owners file, in words
  // The reviewer's decision, from the dispositions file; for a breach, the day of discovery
  // (the reviewer's, else the encounter's first day) and the last day to notify.
  std::optional<Disposition> disposition;
  std::optional<Timestamp> discovered;
  std::optional<Timestamp> notifyBy;
  bool open() const { return assessmentRequired && !disposition; }
};

struct ServiceSummary {
  ServiceRef service;
  std::uint64_t encounters = 0;
  std::uint64_t calls = 0;
  std::uint64_t assessments = 0;
  std::uint64_t alerts = 0;          // alert and visibility records
  std::uint64_t flowsCounted = 0;    // flows_classified from counts records
  double durationSeconds = 0;
  std::uint64_t bytes = 0;           // both directions, encounters
  std::set<std::string> devices;     // device ids
  bool baaOnFile = false;
  std::string baaWords() const;      // "No BAA offered", "BAA on file", ...
};

struct DeviceSummary {
  DeviceRef device;                  // latest name/MAC seen
  std::set<std::string> addresses;   // capped, see kMaxAddressesPerDevice
  bool addressesTruncated = false;
  std::set<std::string> serviceNames;
  std::uint64_t encounters = 0;
  std::uint64_t assessments = 0;
  std::optional<Timestamp> firstSeen;
  std::optional<Timestamp> lastSeen;
  std::string owner;                 // from the device owners file, in words
  // Private (rotating) MAC addresses found to be this one device, oldest first, and how.
  std::vector<std::string> joinedMacs;
  std::string joinedBy;              // "the host name dr-lee-iphone"
};
inline constexpr std::size_t kMaxAddressesPerDevice = 32;

struct VisibilityPeriod {
  DeviceRef device;
  ServiceRef service;
  Timestamp start;
  std::optional<Timestamp> end;  // nullopt: only the alert was logged, the end was not
  double durationSeconds = 0;
  std::string evidence;          // plain words
  std::string encounterId;       // empty when built from a `visibility` record alone
};

struct VersionSpan {
  Timestamp first;
  Timestamp last;
  std::uint64_t records = 0;
};

struct ChainStatus {
  std::uint64_t recordsWithHash = 0;
  std::uint64_t recordsWithoutHash = 0;
  bool verified = false;         // a verifier ran
  bool intact = false;           // its answer
  std::string detail;            // the verifier's words
  std::vector<std::string> unchainedLogs;  // files read whose records carry no chain
  bool carriesChain() const { return recordsWithHash > 0; }
};

struct ReportData {
  std::vector<std::string> logs;
  std::optional<Timestamp> from;          // requested (inclusive)
  std::optional<Timestamp> to;            // requested (exclusive: the day after --to)
  std::uint64_t linesRead = 0;
  std::uint64_t recordsRead = 0;          // well-formed JSON objects
  std::uint64_t malformedLines = 0;
  std::uint64_t recordsInPeriod = 0;
  std::uint64_t duplicateEncounters = 0;  // same encounter_id in two logs
  std::map<std::string, std::uint64_t> recordsByType;
  std::optional<Timestamp> firstRecord;   // within the period
  std::optional<Timestamp> lastRecord;
  std::set<std::string> clinics;
  std::set<std::string> sensors;
  std::map<std::string, VersionSpan> policyVersions;
  std::map<std::string, VersionSpan> signatureVersions;
  ChainStatus chain;
  std::map<std::string, ServiceSummary> services;   // by service id
  std::map<std::string, DeviceSummary> devices;     // by device id
  std::vector<EncounterEntry> encounters;           // sorted by start
  // day number -> service id -> encounters starting that day (UTC)
  std::map<long long, std::map<std::string, std::uint64_t>> daily;
  std::vector<VisibilityPeriod> visibility;         // sorted by start
  std::uint64_t assessmentsRequired = 0;
  // Review (docs/report.md): the files read, what they decided, devices joined.
  std::string dispositionsFile;
  std::uint64_t decided = 0;              // flagged encounters with a disposition
  std::uint64_t open = 0;                 // flagged encounters without one
  std::uint64_t breaches = 0;             // decided "breach"
  std::vector<std::string> unmatchedDispositions;  // encounter ids not in this report
  std::string ownersFile;
  std::uint64_t joinedDevices = 0;        // device entries folded into another
};

}  // namespace baawatch::report
