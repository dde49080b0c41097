#include "baawatch/daemon/report_command.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "baawatch/report/report.hpp"
#include "baawatch/report/time_format.hpp"
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
  app.add_option("logs", logs, "JSON-lines log files written by baawatch, in any order")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--from", from, "First day to report, YYYY-MM-DD (UTC, inclusive)");
  app.add_option("--to", to, "Last day to report, YYYY-MM-DD (UTC, inclusive)");
  app.add_option("--out", outDir, "Folder for report.html and the CSV files")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  report::ReportRequest request;
  request.logs = logs;
  request.outDir = outDir;
  if (!from.empty()) {
    request.period.from = report::parseDate(from);
    if (!request.period.from) {
      std::cerr << "baawatch report: --from '" << from << "' is not a date (YYYY-MM-DD)\n";
      return 2;
    }
  }
  if (!to.empty()) {
    auto day = report::parseDate(to);
    if (!day) {
      std::cerr << "baawatch report: --to '" << to << "' is not a date (YYYY-MM-DD)\n";
      return 2;
    }
    // A day names all of it; a full time stamp is taken as given.
    request.period.to = to.size() == 10 ? report::dayStart(report::dayNumber(*day) + 1)
                                        : Timestamp{day->micros + 1};
  }
  if (request.period.from && request.period.to && !(*request.period.from < *request.period.to)) {
    std::cerr << "baawatch report: --from is after --to\n";
    return 2;
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
    return 1;
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
  } else {
    std::cout << "hash chain: this log carries no integrity chain\n";
  }
  std::cout << data.encounters.size() << " encounters, " << data.assessmentsRequired
            << " need a breach risk assessment\n";
  for (const auto& file : outcome.filesWritten) std::cout << "wrote " << file << "\n";
  return 0;
}

}  // namespace baawatch::daemon
