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
#include "baawatch/report/review.hpp"

namespace baawatch::report {

struct ReportRequest {
  // Read in this order; give a rotated series in chain order (sink::chainOrder), so that what
  // the verifier checks and what the report reads agree.
  std::vector<std::string> logs;
  ReportPeriod period;
  std::string outDir = "baawatch-report";
  Timestamp generatedAt;  // wall clock, for the first page
  // Optional (empty: none): the reviewers' decisions and the device owners (review.hpp).
  std::string dispositionsFile;
  std::string ownersFile;
  // Checks the logs' hash chain; called only when the records carry one. The daemon passes the
  // sink's verifier: the report stage itself links nothing of the packet path. It is given only
  // the files whose records carry a chain, in the order read. Unset: the page says the chain was
  // not verified. A file that is not a baawatch log (its first lines are not JSON records) is an
  // error, never a log with damaged lines.
  std::function<ChainStatus(const std::vector<std::string>& logs)> verifyChain;
};

struct ReportOutcome {
  std::string error;                      // empty on success
  ReportData data;
  std::vector<std::string> filesWritten;  // full paths
  std::vector<std::string> unchainedLogs; // logs read whose records carry no hash chain
  bool ok() const { return error.empty(); }
};

ReportOutcome generateReport(const ReportRequest& request);

}  // namespace baawatch::report
