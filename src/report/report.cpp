#include "baawatch/report/report.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <system_error>

#include "baawatch/report/report_writer.hpp"

namespace baawatch::report {
namespace {

namespace fs = std::filesystem;

// Writes to NAME.tmp and renames, so a failed run never leaves half a report that looks whole.
std::string writeFile(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot write " + temporary.string();
    write(out);
    out.flush();
    if (!out) return "error while writing " + temporary.string();
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) return "cannot rename " + temporary.string() + ": " + error.message();
  return {};
}

}  // namespace

ReportOutcome generateReport(const ReportRequest& request) {
  ReportOutcome outcome;
  ReportBuilder builder(request.period);
  for (const auto& log : request.logs) {
    std::ifstream in(log, std::ios::binary);
    if (!in) {
      outcome.error = "cannot read " + log;
      return outcome;
    }
    // One line at a time: memory stays with the aggregates, not with the log.
    std::string line;
    while (std::getline(in, line)) builder.addLine(line);
    if (in.bad()) {
      outcome.error = "error while reading " + log;
      return outcome;
    }
  }
  outcome.data = builder.finish();
  outcome.data.logs = request.logs;
  if (outcome.data.chain.carriesChain() && request.verifyChain) {
    ChainStatus verdict = request.verifyChain(request.logs);
    outcome.data.chain.verified = verdict.verified;
    outcome.data.chain.intact = verdict.intact;
    outcome.data.chain.detail = verdict.detail;
  }

  std::error_code error;
  fs::path folder(request.outDir);
  fs::create_directories(folder, error);
  if (error) {
    outcome.error = "cannot create " + folder.string() + ": " + error.message();
    return outcome;
  }
  const ReportData& data = outcome.data;
  HtmlOptions html{request.generatedAt};
  const std::vector<std::pair<std::string, std::function<void(std::ostream&)>>> files = {
      {"report.html", [&](std::ostream& out) { writeHtml(data, html, out); }},
      {"services.csv", [&](std::ostream& out) { writeServicesCsv(data, out); }},
      {"devices.csv", [&](std::ostream& out) { writeDevicesCsv(data, out); }},
      {"encounters.csv", [&](std::ostream& out) { writeEncountersCsv(data, out); }},
      {"daily.csv", [&](std::ostream& out) { writeDailyCsv(data, out); }},
      {"visibility.csv", [&](std::ostream& out) { writeVisibilityCsv(data, out); }},
  };
  for (const auto& [name, write] : files) {
    fs::path path = folder / name;
    if (std::string failure = writeFile(path, write); !failure.empty()) {
      outcome.error = failure;
      return outcome;
    }
    outcome.filesWritten.push_back(path.string());
  }
  return outcome;
}

}  // namespace baawatch::report
