#pragma once
// `baawatch report`: reads JSON-lines logs line by line (never whole), builds ReportData and
// writes report.html plus services.csv, devices.csv, encounters.csv, daily.csv and
// visibility.csv into one folder. Command-time code: errors come back as a message, the
// caller prints it; no exceptions escape generateReport().
#include <functional>
#include <string>
#include <vector>

#include "baawatch/report/report_builder.hpp"
#include "baawatch/report/report_data.hpp"

namespace baawatch::report {

struct ReportRequest {
  std::vector<std::string> logs;
  ReportPeriod period;
  std::string outDir = "baawatch-report";
  Timestamp generatedAt;  // wall clock, for the first page
  // Checks the logs' hash chain; called only when the records carry one. The daemon passes the
  // sink's verifier: the report stage itself links nothing of the packet path. Unset: the page
  // says the chain was not verified.
  std::function<ChainStatus(const std::vector<std::string>& logs)> verifyChain;
};

struct ReportOutcome {
  std::string error;                      // empty on success
  ReportData data;
  std::vector<std::string> filesWritten;  // full paths
  bool ok() const { return error.empty(); }
};

ReportOutcome generateReport(const ReportRequest& request);

}  // namespace baawatch::report
