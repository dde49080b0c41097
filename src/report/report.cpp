#include "baawatch/report/report.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "baawatch/report/ecs_input.hpp"
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

bool isLogRecord(const std::string& line) {
  nlohmann::json record =
      fromEcs(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
  return record.is_object() && record.contains("event_type") && record["event_type"].is_string();
}

}  // namespace

ReportOutcome generateReport(const ReportRequest& request) {
  ReportOutcome outcome;
  std::optional<Dispositions> dispositions;
  if (!request.dispositionsFile.empty()) {
    DispositionsLoad load = loadDispositions(request.dispositionsFile);
    if (!load.error.empty()) {
      outcome.error = load.error;
      return outcome;
    }
    dispositions = std::move(load.dispositions);
  }
  std::optional<DeviceOwners> owners;
  if (!request.ownersFile.empty()) {
    DeviceOwnersLoad load = loadDeviceOwners(request.ownersFile);
    if (!load.error.empty()) {
      outcome.error = load.error;
      return outcome;
    }
    owners = std::move(load.owners);
  }
  ReportBuilder builder(request.period);
  std::vector<std::string> chained;  // the files whose records carry the hash chain
  for (const auto& log : request.logs) {
    std::ifstream in(log, std::ios::binary);
    if (!in) {
      outcome.error = "cannot read " + log;
      return outcome;
    }
    const std::uint64_t hashedBefore = builder.recordsWithHash();
    // One line at a time: memory stays with the aggregates, not with the log.
    std::string line;
    std::uint64_t number = 0;
    std::uint64_t looked = 0;  // non-empty lines checked for being one of our records
    bool ours = false;
    while (std::getline(in, line)) {
      ++number;
      // Our log begins with a record (a crash fragment may come first, then its recovery): a
      // file whose first two lines are not records is something else, e.g. a capture, and
      // reading it as a damaged log would report nothing and look fine.
      if (!ours && looked < 2 && line.find_first_not_of(" \t\r") != std::string::npos) {
        ++looked;
        ours = isLogRecord(line);
        if (!ours && looked == 2) {
          outcome.error = log + ":" + std::to_string(number) +
                          ": not a baawatch JSON-lines log (its first lines are not JSON records "
                          "with an event_type)";
          return outcome;
        }
      }
      builder.addLine(line);
    }
    if (in.bad()) {
      outcome.error = "error while reading " + log;
      return outcome;
    }
    if (looked > 0 && !ours) {
      outcome.error = log + ":1: not a baawatch JSON-lines log (it is not a JSON record with an "
                      "event_type)";
      return outcome;
    }
    if (builder.recordsWithHash() > hashedBefore) {
      chained.push_back(log);
    } else if (looked > 0) {
      outcome.unchainedLogs.push_back(log);
    }
  }
  outcome.data = builder.finish();
  outcome.data.logs = request.logs;
  applyReview(outcome.data, dispositions ? &*dispositions : nullptr, owners ? &*owners : nullptr);
  outcome.data.chain.unchainedLogs = outcome.unchainedLogs;
  if (!chained.empty() && request.verifyChain) {
    ChainStatus verdict = request.verifyChain(chained);
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
