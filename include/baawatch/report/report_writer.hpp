#pragma once
// Writes ReportData as report.html (self-contained: inline CSS and SVG, no script, nothing
// fetched) and the CSV files. Every value that came from the log is escaped for its format:
// HTML entities in the page, RFC 4180 quoting in CSV (and a leading apostrophe on text that a
// spreadsheet would run as a formula).
#include <iosfwd>
#include <string>
#include <string_view>

#include "baawatch/common/timestamp.hpp"
#include "baawatch/report/report_data.hpp"

namespace baawatch::report {

std::string escapeHtml(std::string_view text);
std::string csvField(std::string_view text);  // quoted when needed, formula-safe

struct HtmlOptions {
  Timestamp generatedAt;              // wall clock, shown on the first page
  std::size_t maxEncounterCards = 5000;  // the rest are in encounters.csv, and the page says so
};

void writeHtml(const ReportData& data, const HtmlOptions& options, std::ostream& out);
// The encounters-per-day chart alone (an <svg> element), for tests and the page.
std::string dailyChartSvg(const ReportData& data);

void writeServicesCsv(const ReportData& data, std::ostream& out);
void writeDevicesCsv(const ReportData& data, std::ostream& out);
void writeEncountersCsv(const ReportData& data, std::ostream& out);
void writeDailyCsv(const ReportData& data, std::ostream& out);
void writeVisibilityCsv(const ReportData& data, std::ostream& out);

}  // namespace baawatch::report
