#include "baawatch/daemon/report_command.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include "baawatch/report/report.hpp"
#include "baawatch/report/review.hpp"
#include "baawatch/report/time_format.hpp"
// Private header of the daemon stage, beside this file.
#include "command_line.hpp"
#if __has_include("baawatch/sink/hash_chain.hpp")
#include "baawatch/sink/hash_chain.hpp"
#define BAAWATCH_REPORT_VERIFIES_CHAIN 1
#endif

namespace baawatch::daemon {

int runReportCommand(int argc, char** argv) {
  CLI::App app{"baawatch report: an auditor's report (HTML and CSV) from baawatch JSON-lines logs",
               "baawatch report"};
  std::vector<std::string> logs;
  std::string from;
  std::string to;
  std::string outDir = "baawatch-report";
  // Files are not checked for existence here: one that cannot be read is a runtime failure (1),
  // as for `baawatch -r` and `verify`, not a usage error.
  app.add_option("logs", logs, "JSON-lines log files written by baawatch, in any order")
      ->required();
  app.add_option("--from", from, "First day to report, YYYY-MM-DD (UTC, inclusive)");
  app.add_option("--to", to, "Last day to report, YYYY-MM-DD (UTC, inclusive)");
  app.add_option("--out", outDir, "Folder for report.html and the CSV files")
      ->capture_default_str();
  std::string dispositions;
  std::string owners;
  app.add_option("--dispositions", dispositions,
                 "The reviewers' decisions (JSON lines written by `baawatch review`): decided "
                 "encounters are shown as decided, open ones first");
  app.add_option("--owners", owners,
                 "Device owners, CSV with the header device,person,role (device: MAC address or "
                 "host name)");
  if (auto status = parseCommandLine(app, argc, argv)) return *status;

  report::ReportRequest request;
  request.logs = logs;
#ifdef BAAWATCH_REPORT_VERIFIES_CHAIN
  // Read and verify a rotated series in the order its files continue each other, whatever
  // order the shell gave them in: a report must never call an intact log broken.
  request.logs = sink::chainOrder(logs).paths;
#endif
  request.outDir = outDir;
  request.dispositionsFile = dispositions;
  request.ownersFile = owners;
  if (!from.empty()) {
    request.period.from = report::parseDate(from);
    if (!request.period.from) {
      std::cerr << "baawatch report: --from '" << from << "' is not a date (YYYY-MM-DD)\n";
      return kExitUsage;
    }
  }
  if (!to.empty()) {
    auto day = report::parseDate(to);
    if (!day) {
      std::cerr << "baawatch report: --to '" << to << "' is not a date (YYYY-MM-DD)\n";
      return kExitUsage;
    }
    // A day names all of it; a full time stamp is taken as given.
    request.period.to = to.size() == 10 ? report::dayStart(report::dayNumber(*day) + 1)
                                        : Timestamp{day->micros + 1};
  }
  if (request.period.from && request.period.to && !(*request.period.from < *request.period.to)) {
    std::cerr << "baawatch report: --from is after --to\n";
    return kExitUsage;
  }
  request.generatedAt = Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()};

#ifdef BAAWATCH_REPORT_VERIFIES_CHAIN
  request.verifyChain = [](const std::vector<std::string>& files) {
    sink::ChainVerdict verdict = sink::verifyChainedLogs(files);
    report::ChainStatus status;
    status.verified = true;
    status.intact = verdict.intact;
    status.detail = verdict.intact
                        ? std::to_string(verdict.records) + " chained records checked."
                        : (verdict.message.empty() ? verdict.problem : verdict.message);
    return status;
  };
#endif
  report::ReportOutcome outcome = report::generateReport(request);
  if (!outcome.ok()) {
    std::cerr << "baawatch report: " << outcome.error << "\n";
    return kExitRuntime;
  }
  if (request.logs != logs) {
    std::cout << "read in chain order:";
    for (const auto& log : request.logs) std::cout << " " << log;
    std::cout << "\n";
  }
  const report::ReportData& data = outcome.data;
  std::cout << "read " << data.recordsRead << " records";
  if (data.malformedLines) std::cout << " (" << data.malformedLines << " damaged lines skipped)";
  if (data.firstRecord) {
    std::cout << " covering " << report::formatReadable(*data.firstRecord) << " to "
              << report::formatReadable(*data.lastRecord);
  }
  std::cout << "\n";
  if (data.chain.carriesChain()) {
    std::cout << "hash chain: "
              << (!data.chain.verified ? "present, not verified"
                                       : data.chain.intact ? "intact" : "BROKEN: " + data.chain.detail)
              << "\n";
    for (const auto& log : data.chain.unchainedLogs)
      std::cout << "hash chain: " << log << " carries none (not covered by the check)\n";
  } else {
    std::cout << "hash chain: this log carries no integrity chain\n";
  }
  std::cout << data.encounters.size() << " encounters, " << data.assessmentsRequired
            << " need a breach risk assessment";
  if (!data.dispositionsFile.empty())
    std::cout << " (" << data.open << " open, " << data.decided << " decided, " << data.breaches
              << " to notify)";
  std::cout << "\n";
  if (data.joinedDevices)
    std::cout << data.joinedDevices
              << " private MAC addresses joined to the device they belong to (same host name)\n";
  if (!data.unmatchedDispositions.empty())
    std::cout << data.unmatchedDispositions.size()
              << " decisions are for encounters not in this report\n";
  for (const auto& file : outcome.filesWritten) std::cout << "wrote " << file << "\n";
  return 0;
}

int runReviewCommand(int argc, char** argv) {
  CLI::App app{"baawatch review: records a reviewer's decision on an encounter, for the next report",
               "baawatch review"};
  std::string file;
  std::string encounterId;
  std::string reviewer;
  std::string decision;
  std::string reasons;
  std::string date;
  std::string discovered;
  app.add_option("encounter", encounterId, "The encounter id (encounters.csv, first column)")
      ->required();
  app.add_option("--dispositions", file,
                 "The dispositions file to append to (created when missing); give the same file "
                 "to `baawatch report --dispositions`")
      ->required();
  app.add_option("--reviewer", reviewer, "Who decided (name, and role if useful)")->required();
  app.add_option("--decision", decision,
                 "low_probability (low probability that health information was compromised) or "
                 "breach (to notify)")
      ->required();
  app.add_option("--reasons", reasons, "Why: the four factors of 45 CFR 164.402(2) in words")
      ->required();
  app.add_option("--date", date, "Day of the decision, YYYY-MM-DD (UTC; default today)");
  app.add_option("--discovered", discovered,
                 "For a breach: the day it was discovered, YYYY-MM-DD (default: the day the "
                 "monitor recorded the encounter); the 60-day notification deadline counts from it");
  if (auto status = parseCommandLine(app, argc, argv)) return *status;

  report::Disposition disposition;
  disposition.encounterId = encounterId;
  disposition.reviewer = reviewer;
  disposition.reasons = reasons;
  auto parsed = report::parseReviewDecision(decision);
  if (!parsed) {
    std::cerr << "baawatch review: --decision '" << decision
              << "' is not a decision (low_probability or breach)\n";
    return kExitUsage;
  }
  disposition.decision = *parsed;
  auto day = [](const std::string& text) -> std::optional<Timestamp> {
    if (text.size() != 10) return std::nullopt;
    return report::parseDate(text);
  };
  if (date.empty()) {
    disposition.date = report::dayStart(report::dayNumber(Timestamp{
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count()}));
  } else if (auto when = day(date)) {
    disposition.date = *when;
  } else {
    std::cerr << "baawatch review: --date '" << date << "' is not a day (YYYY-MM-DD)\n";
    return kExitUsage;
  }
  if (!discovered.empty()) {
    disposition.discovered = day(discovered);
    if (!disposition.discovered) {
      std::cerr << "baawatch review: --discovered '" << discovered << "' is not a day (YYYY-MM-DD)\n";
      return kExitUsage;
    }
  }
  if (std::filesystem::exists(file)) {
    // Never append to a file that is not one: the next report would refuse it.
    report::DispositionsLoad existing = report::loadDispositions(file);
    if (!existing.error.empty()) {
      std::cerr << "baawatch review: " << existing.error << "\n";
      return kExitRuntime;
    }
  }
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out << report::dispositionLine(disposition) << "\n";
  out.flush();
  if (!out) {
    std::cerr << "baawatch review: cannot write " << file << "\n";
    return kExitRuntime;
  }
  std::cout << "recorded: encounter " << encounterId << ": "
            << (disposition.decision == report::ReviewDecision::kBreach ? "breach to notify"
                                                                          : "low probability of compromise")
            << ", by " << reviewer << " on " << report::formatIsoDay(report::dayNumber(disposition.date));
  if (disposition.decision == report::ReviewDecision::kBreach && disposition.discovered)
    std::cout << "; notify by "
              << report::formatIsoDay(report::dayNumber(report::notificationDeadline(*disposition.discovered)));
  std::cout << "\n";
  return 0;
}

}  // namespace baawatch::daemon
