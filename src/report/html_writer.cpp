// report.html: one self-contained page for a compliance officer. Inline CSS and inline SVG
// only; a Content-Security-Policy forbids every fetch and every script, so the page shows the
// same offline, printed, or attached to an e-mail. Every value from the log goes through
// escapeHtml(); our own words are constants.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ostream>

#include "baawatch/report/plain_words.hpp"
#include "baawatch/report/report_writer.hpp"
#include "baawatch/report/time_format.hpp"

namespace baawatch::report {
namespace {

using H = std::string;  // text that is already HTML

// Okabe-Ito plus darker companions: distinguishable with the common colour-vision deficiencies
// and in greyscale print order.
constexpr std::array<std::string_view, 12> kPalette = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
    "#8C564B", "#332288", "#999933", "#882255", "#44AA99", "#666666"};

constexpr std::string_view kStyle = R"css(
:root { --ink:#1d2430; --muted:#5b6472; --line:#d5dae1; --soft:#f4f6f8; --warn:#9a3412;
        --warnbg:#fff4ed; --ok:#166534; --okbg:#effaf1; --info:#1e40af; --infobg:#eef3ff; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1120px; padding: 28px 36px 60px; line-height: 1.45;
       font-size: 15px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; line-height: 1.2; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 0 0 8px; }
p { margin: 6px 0 10px; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; font-size: 13px; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
table.facts th { width: 230px; background: none; font-size: 14px; }
.box { border: 1px solid var(--line); border-left: 6px solid var(--muted); padding: 10px 14px;
       margin: 10px 0 16px; background: var(--soft); }
.box.ok { border-left-color: var(--ok); background: var(--okbg); }
.box.warn { border-left-color: var(--warn); background: var(--warnbg); }
.box.info { border-left-color: var(--info); background: var(--infobg); }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 6px; }
.figure { flex: 1 1 160px; border: 1px solid var(--line); padding: 10px 12px; }
.figure b { display: block; font-size: 26px; }
.figure.alarm b { color: var(--warn); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e7eaee;
         font-weight: 600; white-space: nowrap; }
.badge.none { background: #fde2e1; color: #8f1d1d; }
.badge.available { background: #fff1c2; color: #6b4a00; }
.badge.onfile { background: #d9f2df; color: #14532d; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 6px; vertical-align: -1px; }
.card { border: 1px solid var(--line); padding: 12px 16px; margin: 14px 0; break-inside: avoid;
        page-break-inside: avoid; }
.card.flagged { border-left: 6px solid var(--warn); }
.card .when { color: var(--muted); font-size: 13px; }
.card table.facts th { width: 180px; }
.card ul { margin: 4px 0 0; padding-left: 20px; }
.assessment { border: 2px solid var(--warn); background: var(--warnbg); padding: 10px 14px; margin-top: 10px; }
.assessment h4 { margin: 0 0 6px; color: var(--warn); font-size: 15px; }
.assessment ol { margin: 4px 0 8px; padding-left: 22px; }
.disposition { border: 1px solid #8a8f98; background: #fff; height: 90px; margin: 6px 0 8px; }
.signline { display: flex; gap: 28px; font-size: 13px; }
.assessment.decided { border-color: var(--ok, #2e7d32); background: #f1f8f1; }
.assessment.decided h4 { color: #2e6b30; }
.assessment.breach { border-color: #b3261e; background: #fdeceb; }
.assessment.breach h4 { color: #b3261e; }
.decision { background: #fff; border: 1px solid #8a8f98; padding: 6px 10px; margin: 6px 0; }
.deadline { font-weight: bold; color: #b3261e; }
.signline span { flex: 1; border-bottom: 1px solid #8a8f98; padding-top: 16px; }
.chart { width: 100%; height: auto; display: block; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .first-page { break-after: page; page-break-after: always; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  .box, .badge, .swatch, .assessment, svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

H esc(std::string_view text) { return escapeHtml(text); }

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) {
    digits.insert(static_cast<std::size_t>(at), ",");
  }
  return digits;
}

std::string serviceName(const ReportData& data, const std::string& id) {
  auto found = data.services.find(id);
  if (found == data.services.end() || found->second.service.name.empty()) return id;
  return found->second.service.name;
}

H baaBadge(const ServiceSummary& summary) {
  if (summary.service.category == "presence") {
    return "<span class=\"badge\">Not applicable: presence only</span>";
  }
  std::string_view style = summary.baaOnFile                        ? "onfile"
                           : summary.service.baaStatus == "none"   ? "none"
                                                                   : "available";
  return fmt::format("<span class=\"badge {}\">{}</span>", style, esc(summary.baaWords()));
}

// Service ids in the order of the chart's stacks and legend: most encounters first.
std::vector<std::string> chartServices(const ReportData& data) {
  std::map<std::string, std::uint64_t> totals;
  for (const auto& [day, perService] : data.daily) {
    for (const auto& [id, n] : perService) totals[id] += n;
  }
  std::vector<std::string> ids;
  for (const auto& [id, n] : totals) ids.push_back(id);
  std::stable_sort(ids.begin(), ids.end(),
                   [&](const std::string& a, const std::string& b) { return totals[a] > totals[b]; });
  return ids;
}

std::string colourFor(const std::vector<std::string>& order, const std::string& id) {
  auto at = static_cast<std::size_t>(std::find(order.begin(), order.end(), id) - order.begin());
  return std::string(kPalette[at % kPalette.size()]);
}

std::uint64_t niceStep(std::uint64_t maximum) {
  std::uint64_t raw = std::max<std::uint64_t>(1, (maximum + 4) / 5);
  std::uint64_t magnitude = 1;
  while (magnitude * 10 <= raw) magnitude *= 10;
  for (std::uint64_t factor : {1, 2, 5, 10}) {
    if (factor * magnitude >= raw) return factor * magnitude;
  }
  return 10 * magnitude;
}

H firstPage(const ReportData& data, const HtmlOptions& options) {
  H html = "<section class=\"first-page\">\n";
  std::string clinic;
  for (const auto& name : data.clinics) clinic += (clinic.empty() ? "" : ", ") + name;
  html += "<h1>Messaging and video services without a HIPAA Business Associate Agreement</h1>\n";
  html += fmt::format("<p class=\"subtitle\">{}Compliance report from the baawatch network "
                      "monitor, generated {}.</p>\n",
                      clinic.empty() ? "" : "<b>" + esc(clinic) + "</b> &middot; ",
                      esc(formatReadable(options.generatedAt)));

  // Integrity first: everything below is only as good as the log.
  if (!data.chain.carriesChain()) {
    html += "<div class=\"box\" id=\"integrity\"><b>Integrity:</b> this log carries no integrity "
            "chain. The report cannot show that records were not changed or removed after "
            "baawatch wrote them; keep the log files on write-protected storage.</div>\n";
  } else if (data.chain.verified) {
    html += fmt::format(
        "<div class=\"box {}\" id=\"integrity\"><b>Integrity:</b> {} {}</div>\n",
        data.chain.intact ? "ok" : "warn",
        data.chain.intact ? "the log's hash chain is intact: no record was changed, removed or "
                            "inserted after it was written."
                          : "the log's hash chain is <b>broken</b>: records were changed, removed "
                            "or inserted after they were written.",
        esc(data.chain.detail));
    if (!data.chain.unchainedLogs.empty()) {
      std::string names;
      for (const auto& log : data.chain.unchainedLogs) names += (names.empty() ? "" : ", ") + log;
      html += fmt::format(
          "<div class=\"box warn\" id=\"unchained\"><b>Not covered:</b> the records of {} carry "
          "no hash chain (written to standard output, or by an older version); the check above "
          "does not cover them.</div>\n",
          esc(names));
    }
  } else {
    html += fmt::format(
        "<div class=\"box warn\" id=\"integrity\"><b>Integrity:</b> the log carries a hash chain "
        "({} of {} records), but this report did not verify it. Run <code>baawatch verify</code> "
        "on the same files before relying on them.</div>\n",
        thousands(data.chain.recordsWithHash),
        thousands(data.chain.recordsWithHash + data.chain.recordsWithoutHash));
  }

  html += "<table class=\"facts\" id=\"facts\">\n";
  std::string logs;
  for (const auto& log : data.logs) logs += (logs.empty() ? "" : "<br>") + esc(log);
  html += fmt::format("<tr><th>Log files read{}</th><td>{}</td></tr>\n",
                      data.chain.carriesChain() && data.logs.size() > 1 ? " (in chain order)" : "",
                      logs);
  html += fmt::format("<tr><th>Records read</th><td>{} records{}{}</td></tr>\n",
                      thousands(data.recordsRead),
                      data.malformedLines
                          ? fmt::format("; {} damaged lines skipped", thousands(data.malformedLines))
                          : std::string(),
                      data.from || data.to
                          ? fmt::format("; {} fall within the requested period",
                                        thousands(data.recordsInPeriod))
                          : std::string());
  if (data.from || data.to) {
    html += fmt::format(
        "<tr><th>Period requested</th><td>{} to {}</td></tr>\n",
        data.from ? esc(formatReadableDay(*data.from)) : "the start of the log",
        data.to ? esc(formatReadableDay(Timestamp{data.to->micros - 1})) : "the end of the log");
  }
  html += fmt::format("<tr><th>Period covered by the records</th><td>{}</td></tr>\n",
                      data.firstRecord ? fmt::format("{} to {}", esc(formatReadable(*data.firstRecord)),
                                                     esc(formatReadable(*data.lastRecord)))
                                       : std::string("no records in this period"));
  auto versions = [](const std::map<std::string, VersionSpan>& spans, std::string_view what) {
    if (spans.empty()) return fmt::format("not stated in the log");
    std::string text;
    for (const auto& [version, span] : spans) {
      text += fmt::format("{}<code>{}</code> <span class=\"muted small\">({} to {})</span>",
                          text.empty() ? "" : "<br>", esc(version),
                          esc(formatReadableDay(span.first)), esc(formatReadableDay(span.last)));
    }
    if (spans.size() > 1) text += fmt::format("<br><span class=\"small\">The {} changed during the period.</span>", what);
    return text;
  };
  html += fmt::format("<tr><th>Policy version in force</th><td>{}</td></tr>\n",
                      versions(data.policyVersions, "policy"));
  html += fmt::format("<tr><th>Signature version in force</th><td>{}</td></tr>\n",
                      versions(data.signatureVersions, "signature set"));
  if (!data.sensors.empty()) {
    std::string sensors;
    for (const auto& sensor : data.sensors) sensors += (sensors.empty() ? "" : ", ") + esc(sensor);
    html += fmt::format("<tr><th>Monitor (sensor)</th><td>{}</td></tr>\n", sensors);
  }
  html += "</table>\n";

  std::uint64_t calls = 0;
  for (const auto& entry : data.encounters) calls += entry.kind == "call";
  html += "<div class=\"figures\">\n";
  html += fmt::format("<div class=\"figure\"><b>{}</b>encounters ({} calls)</div>\n",
                      thousands(data.encounters.size()), thousands(calls));
  // With a reviewer's decisions read, the figure says how many are still open, and only open
  // ones raise the alarm: a decided encounter needs no more assessment.
  bool reviewed = data.decided > 0;
  std::string what = reviewed ? fmt::format("needed a breach risk assessment: {} open, {} decided",
                                           thousands(data.open), thousands(data.decided))
                              : std::string("need a breach risk assessment");
  bool alarm = reviewed ? data.open > 0 : data.assessmentsRequired > 0;
  html += fmt::format("<div class=\"figure{}\"><b>{}</b>{}</div>\n", alarm ? " alarm" : "",
                      thousands(data.assessmentsRequired), what);
  html += fmt::format("<div class=\"figure\"><b>{}</b>devices</div>\n", thousands(data.devices.size()));
  html += fmt::format("<div class=\"figure\"><b>{}</b>services seen</div>\n", thousands(data.services.size()));
  html += fmt::format("<div class=\"figure\"><b>{}</b>periods of lost visibility</div>\n",
                      thousands(data.visibility.size()));
  html += "</div>\n";

  html += "<div class=\"box info\"><b>What the rules say.</b> HIPAA requires a Business "
          "Associate Agreement (BAA) with any vendor that carries protected health information. "
          "During COVID-19, HHS did not enforce this for good-faith telehealth; that enforcement "
          "discretion <b>ended on 11 May 2023</b>, and the 90-day transition for telehealth "
          "providers <b>ended on 9 August 2023</b>. Since then, use of a service without a BAA "
          "for patient communication is presumed to be a breach unless a risk assessment "
          "(45 CFR 164.402) shows a low probability that the information was compromised. "
          "This report lists the facts that assessment needs.</div>\n";
  bool lookAlike = std::any_of(data.services.begin(), data.services.end(),
                               [](const auto& item) { return tiersLookAlike(item.first); });
  if (lookAlike) {
    html += "<div class=\"box\"><b>Free and paid plans look the same.</b> For Zoom, Google Meet, "
            "Webex and Microsoft Teams, the free consumer plan and the paid plan covered by a BAA "
            "send the same traffic. The monitor can only say that the service was used; whether "
            "that use was under the clinic's BAA is shown by the policy (\"BAA on file\") and must "
            "be confirmed with the account used.</div>\n";
  }
  html += "<p class=\"small muted\">The monitor records metadata only (which device talked to "
          "which service, when, for how long and how much): it never records the content of "
          "messages or calls. All times are UTC.</p>\n";
  html += "</section>\n";
  return html;
}

H servicesSection(const ReportData& data) {
  H html = "<h2 id=\"services\">1. Services used</h2>\n";
  if (data.services.empty()) return html + "<p>No services were seen in this period.</p>\n";
  html += "<table id=\"services-table\"><thead><tr><th>Service</th><th>Vendor</th><th>Kind</th>"
          "<th>BAA status</th><th class=\"num\">Encounters</th><th class=\"num\">Calls</th>"
          "<th class=\"num\">Devices</th><th class=\"num\">Total time</th>"
          "<th class=\"num\">To assess</th></tr></thead>\n<tbody>\n";
  std::vector<const ServiceSummary*> rows;
  for (const auto& [id, summary] : data.services) rows.push_back(&summary);
  std::stable_sort(rows.begin(), rows.end(), [](const ServiceSummary* a, const ServiceSummary* b) {
    return a->encounters > b->encounters;
  });
  for (const ServiceSummary* summary : rows) {
    std::string note;
    if (summary->service.category == "presence") {
      note = fmt::format("<br><span class=\"small muted\">Presence only: {} counted, never an "
                         "encounter</span>",
                         plural(summary->flowsCounted, "connection", "connections"));
    } else if (tiersLookAlike(summary->service.id)) {
      note = "<br><span class=\"small muted\">Free and paid plans look the same</span>";
    }
    html += fmt::format(
        "<tr><td><b>{}</b>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        esc(summary->service.name.empty() ? summary->service.id : summary->service.name), note,
        esc(summary->service.vendor), esc(categoryWords(summary->service.category)),
        baaBadge(*summary), thousands(summary->encounters), thousands(summary->calls),
        thousands(summary->devices.size()),
        summary->encounters ? esc(formatDuration(summary->durationSeconds)) : "&ndash;",
        thousands(summary->assessments));
  }
  html += "</tbody></table>\n";
  return html;
}

}  // namespace

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string dailyChartSvg(const ReportData& data) {
  if (data.daily.empty()) return {};
  std::vector<std::string> order = chartServices(data);
  long long firstDay = data.daily.begin()->first;
  long long lastDay = data.daily.rbegin()->first;
  // More than about three months of days makes bars thinner than a pixel: group by week.
  const bool weekly = lastDay - firstDay + 1 > 92;
  auto bucketOf = [&](long long day) { return weekly ? (day - firstDay) / 7 : day - firstDay; };
  const long long buckets = bucketOf(lastDay) + 1;
  std::vector<std::map<std::string, std::uint64_t>> stacks(static_cast<std::size_t>(buckets));
  for (const auto& [day, perService] : data.daily) {
    for (const auto& [id, n] : perService) stacks[static_cast<std::size_t>(bucketOf(day))][id] += n;
  }
  std::uint64_t maximum = 1;
  for (const auto& stack : stacks) {
    std::uint64_t total = 0;
    for (const auto& [id, n] : stack) total += n;
    maximum = std::max(maximum, total);
  }
  const std::uint64_t step = niceStep(maximum);
  const std::uint64_t top = ((maximum + step - 1) / step) * step;

  const double width = 1000, left = 64, right = 16, topMargin = 16, plotHeight = 260;
  const double plotWidth = width - left - right;
  const double axisY = topMargin + plotHeight;
  const std::size_t legendColumns = 4;
  const std::size_t legendRows = (order.size() + legendColumns - 1) / legendColumns;
  const double legendTop = axisY + 64;
  const double height = legendTop + 22.0 * static_cast<double>(legendRows) + 8;
  const double slot = plotWidth / static_cast<double>(buckets);
  const double barWidth = std::max(1.0, std::min(48.0, slot * 0.7));

  std::string svg = fmt::format(
      "<svg class=\"chart\" id=\"daily-chart\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-labelledby=\"daily-chart-title\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
      "<title id=\"daily-chart-title\">Encounters per {2} per service</title>\n",
      width, height, weekly ? "week" : "day");
  for (std::uint64_t value = 0; value <= top; value += step) {
    double y = axisY - plotHeight * static_cast<double>(value) / static_cast<double>(top);
    svg += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>"
        "<text x=\"{4}\" y=\"{5:.1f}\" text-anchor=\"end\" fill=\"#1d2430\">{6}</text>\n",
        left, width - right, y, value == 0 ? "#1d2430" : "#d5dae1", left - 8, y + 4, value);
  }
  for (long long bucket = 0; bucket < buckets; ++bucket) {
    const auto& stack = stacks[static_cast<std::size_t>(bucket)];
    double x = left + slot * static_cast<double>(bucket) + (slot - barWidth) / 2;
    double y = axisY;
    long long day = firstDay + (weekly ? bucket * 7 : bucket);
    for (const auto& id : order) {
      auto found = stack.find(id);
      if (found == stack.end() || found->second == 0) continue;
      double h = plotHeight * static_cast<double>(found->second) / static_cast<double>(top);
      y -= h;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{}{}: {} {}</title></rect>\n",
          x, y, barWidth, h, colourFor(order, id), weekly ? "week of " : "",
          esc(formatIsoDay(day)), esc(serviceName(data, id)), found->second);
    }
  }
  // Date labels: at most about ten, evenly spaced.
  long long every = std::max<long long>(1, (buckets + 9) / 10);
  for (long long bucket = 0; bucket < buckets; bucket += every) {
    double x = left + slot * (static_cast<double>(bucket) + 0.5);
    long long day = firstDay + (weekly ? bucket * 7 : bucket);
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#1d2430\"/>"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#1d2430\">{4}</text>\n",
        x, axisY, axisY + 5, axisY + 20, esc(formatShortDay(day)));
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"600\" fill=\"#1d2430\">{} "
      "(UTC){}</text>\n",
      left + plotWidth / 2, axisY + 44, weekly ? "Week starting" : "Day",
      data.daily.size() == 1 ? "" : "");
  svg += fmt::format(
      "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\" "
      "font-weight=\"600\" fill=\"#1d2430\">Encounters</text>\n",
      topMargin + plotHeight / 2);
  for (std::size_t i = 0; i < order.size(); ++i) {
    double x = left + static_cast<double>(i % legendColumns) * (plotWidth / legendColumns);
    double y = legendTop + 22.0 * static_cast<double>(i / legendColumns);
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"14\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#1d2430\">{}</text>\n",
        x, y, colourFor(order, order[i]), x + 20, y + 12, esc(serviceName(data, order[i])));
  }
  svg += "</svg>";
  return svg;
}

namespace {

H chartSection(const ReportData& data) {
  H html = "<h2 id=\"chart\">2. Encounters per day and service</h2>\n";
  if (data.daily.empty()) return html + "<p>No encounters in this period.</p>\n";
  html += "<p class=\"small muted\">Each bar counts the encounters that started that day (UTC), "
          "stacked by service. The numbers are also in <code>daily.csv</code>.</p>\n";
  html += dailyChartSvg(data) + "\n";
  return html;
}

H devicesSection(const ReportData& data) {
  H html = "<h2 id=\"devices\">3. Devices</h2>\n";
  if (data.devices.empty()) return html + "<p>No devices in this period.</p>\n";
  html += "<p class=\"small muted\">A device is named by the host name it announced on the "
          "network, its hardware (MAC) address and the addresses it used. Phones often use a "
          "private MAC address per network.</p>\n";
  html += "<table id=\"devices-table\"><thead><tr><th>Device</th><th>MAC address</th>"
          "<th>Addresses seen</th><th>Services used</th><th class=\"num\">Encounters</th>"
          "<th class=\"num\">Assessments needed</th><th>First and last seen</th><th>Owner</th>"
          "</tr></thead>\n<tbody>\n";
  for (const auto& [id, summary] : data.devices) {
    std::string addresses;
    for (const auto& address : summary.addresses) addresses += (addresses.empty() ? "" : "<br>") + esc(address);
    if (summary.addressesTruncated) addresses += "<br><span class=\"small muted\">and more</span>";
    std::string services;
    for (const auto& name : summary.serviceNames) services += (services.empty() ? "" : ", ") + esc(name);
    std::string macs =
        summary.device.mac.empty() ? "<span class=\"muted\">unknown</span>" : esc(summary.device.mac);
    if (summary.joinedMacs.size() > 1) {
      macs.clear();
      for (const auto& mac : summary.joinedMacs) macs += (macs.empty() ? "" : "<br>") + esc(mac);
      macs += fmt::format("<br><span class=\"small joined\">{} private addresses of one device, "
                          "joined by {} (never in use at the same time)</span>",
                          summary.joinedMacs.size(), esc(summary.joinedBy));
    }
    html += fmt::format(
        "<tr><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"small\">{}<br>{}</td><td>{}</td></tr>\n",
        esc(summary.device.hostName.empty() ? "(no name announced)" : summary.device.hostName),
        macs, addresses, services, thousands(summary.encounters), thousands(summary.assessments),
        summary.firstSeen ? esc(formatReadable(*summary.firstSeen)) : "",
        summary.lastSeen ? esc(formatReadable(*summary.lastSeen)) : "",
        summary.owner.empty() ? std::string("<span class=\"muted\">&ndash;</span>") : esc(summary.owner));
  }
  html += "</tbody></table>\n";
  return html;
}

std::string useWords(const EncounterEntry& entry) {
  bool fileTransfer = std::any_of(entry.evidence.begin(), entry.evidence.end(), [](const EvidenceLine& line) {
    return line.ruleId.find("attachment") != std::string::npos || line.ruleId.find("files") != std::string::npos;
  });
  if (fileTransfer) return "Possible file transfer (attachment upload)";
  if (entry.kind == "call") {
    return entry.media.empty() ? "Call" : fmt::format("Call ({})", entry.media);
  }
  if (entry.kind == "messaging") {
    return "Messaging session (messages, and possibly files: content is not visible)";
  }
  if (entry.kind == "web") return "Web site or web app use (no call media seen)";
  return kindWords(entry.kind, entry.media);
}

// A decision kept in the dispositions file: who, when, what and why; for a breach, the last day
// to notify under 45 CFR 164.404(b) and whether it has passed.
H decisionBox(const EncounterEntry& entry, const HtmlOptions& options) {
  const Disposition& decision = *entry.disposition;
  const bool breach = decision.decision == ReviewDecision::kBreach;
  H html = fmt::format("<div class=\"assessment {}\">\n<h4>{}</h4>\n",
                       breach ? "breach" : "decided",
                       breach ? "Decided: breach to notify (45 CFR 164.404)"
                              : "Decided: low probability that health information was compromised "
                                "(45 CFR 164.402(2))");
  html += fmt::format(
      "<div class=\"decision\"><b>Reasons:</b> {}</div>\n"
      "<p class=\"small\">Reviewed by <b>{}</b> on {}.</p>\n",
      esc(decision.reasons), esc(decision.reviewer), esc(formatReadableDay(decision.date)));
  if (breach && entry.notifyBy && entry.discovered) {
    const bool passed = dayNumber(options.generatedAt) > dayNumber(*entry.notifyBy);
    html += fmt::format(
        "<p>Notify the individuals affected without unreasonable delay and <span "
        "class=\"deadline\">no later than {}</span>: 60 days after discovery on {}{}.{}</p>\n",
        esc(formatReadableDay(*entry.notifyBy)), esc(formatReadableDay(*entry.discovered)),
        decision.discovered ? "" : " (the day the monitor recorded it; the reviewer gave no other)",
        passed ? " <b>This deadline has passed.</b>" : "");
  }
  html += "</div>\n";
  return html;
}

H encounterCard(const EncounterEntry& entry, std::size_t number, const ReportData& data,
                const HtmlOptions& options) {
  auto service = data.services.find(entry.service.id);
  H html = fmt::format("<div class=\"card{}\" id=\"encounter-{}\" data-encounter-id=\"{}\">\n",
                       entry.open() ? " flagged" : (entry.disposition ? " decided" : ""), number,
                       esc(entry.id));
  html += fmt::format("<div class=\"when\">Encounter {} &middot; {}{}</div>\n", number,
                      esc(formatReadable(entry.start)),
                      entry.open()           ? " &middot; <b>open: no decision recorded</b>"
                      : entry.disposition ? " &middot; decided"
                                          : "");
  html += fmt::format("<h3>{}</h3>\n", esc(entry.headline));
  html += "<table class=\"facts\">\n";
  if (!entry.owner.empty())
    html += fmt::format("<tr><th>Used by</th><td><b>{}</b> <span class=\"small muted\">(device owners "
                        "file)</span></td></tr>\n",
                        esc(entry.owner));
  html += fmt::format("<tr><th>Device</th><td><b>{}</b>{}{}</td></tr>\n", esc(entry.device.label()),
                      entry.device.mac.empty() || entry.device.label() == entry.device.mac
                          ? std::string()
                          : " &middot; MAC " + esc(entry.device.mac),
                      entry.device.ip.empty() ? std::string() : " &middot; address " + esc(entry.device.ip));
  html += fmt::format(
      "<tr><th>Service and vendor</th><td>{} ({}) &middot; {}{}</td></tr>\n",
      esc(entry.service.name.empty() ? entry.service.id : entry.service.name),
      esc(entry.service.vendor),
      service != data.services.end() ? baaBadge(service->second) : std::string(),
      entry.baaOnFile ? std::string(" <span class=\"small\">(this use was counted under the BAA on file)</span>")
                      : std::string());
  std::string until = formatReadable(entry.end);
  if (dayNumber(entry.start) == dayNumber(entry.end)) until = until.substr(until.find(", ") + 2);
  html += fmt::format("<tr><th>When</th><td>{} to {}</td></tr>\n", esc(formatReadable(entry.start)),
                      esc(until));
  html += fmt::format("<tr><th>How long</th><td>{}</td></tr>\n", esc(formatDuration(entry.durationSeconds)));
  html += fmt::format(
      "<tr><th>How much</th><td>{} sent by the device, {} received ({} packets; {})</td></tr>\n",
      esc(formatBytes(static_cast<double>(entry.bytesFromDevice))),
      esc(formatBytes(static_cast<double>(entry.bytesToDevice))),
      thousands(entry.packetsFromDevice + entry.packetsToDevice),
      plural(entry.flows, "connection", "connections"));
  html += fmt::format("<tr><th>Type of use</th><td>{}</td></tr>\n", esc(useWords(entry)));
  std::string remotes;
  for (const auto& address : entry.remoteAddresses) remotes += (remotes.empty() ? "" : ", ") + esc(address);
  if (entry.remoteAddressesTruncated) remotes += " and more";
  if (!remotes.empty()) html += fmt::format("<tr><th>Vendor servers</th><td>{}</td></tr>\n", remotes);
  std::string evidence = "<ul>";
  for (const auto& line : entry.evidence) {
    evidence += fmt::format("<li>{}{}</li>", esc(line.words),
                            line.confidence.empty() ? std::string()
                                                    : fmt::format(" <span class=\"small muted\">({} confidence)</span>",
                                                                  esc(line.confidence)));
  }
  if (entry.evidenceTruncated) evidence += "<li class=\"muted\">further evidence not recorded</li>";
  evidence += "</ul>";
  html += fmt::format("<tr><th>Evidence{}</th><td>{}</td></tr>\n",
                      entry.confidence.empty() ? std::string()
                                               : fmt::format("<br><span class=\"small muted\">overall: {} "
                                                             "confidence</span>",
                                                             esc(entry.confidence)),
                      evidence);
  html += "</table>\n";
  if (entry.disposition) {
    html += decisionBox(entry, options);
  } else if (entry.assessmentRequired) {
    html += "<div class=\"assessment\">\n<h4>Breach risk assessment required (45 CFR 164.402)</h4>\n";
    if (entry.inTransitionPeriod) {
      html += "<p class=\"small\">This falls within the telehealth transition period (12 May to 9 "
              "August 2023), during which HHS said it would not impose penalties for good-faith "
              "telehealth. Record whether this was telehealth; the assessment is still "
              "needed.</p>\n";
    }
    html += fmt::format(
        "<p class=\"small\">The monitor supplies the facts above; the reviewer decides each factor:</p>\n"
        "<ol class=\"small\"><li>Nature and extent of the health information involved "
        "(the monitor cannot see content: ask the user of <b>{}</b>).</li>"
        "<li>Who received it: <b>{}</b>, via {}, which has no BAA with the clinic.</li>"
        "<li>Whether it was actually acquired or viewed ({}, {}).</li>"
        "<li>How far the risk has been mitigated (for example, messages deleted, vendor "
        "assurances, staff retrained).</li></ol>\n"
        "<div class=\"small\"><b>Reviewer's disposition</b> (low probability of compromise, or "
        "breach to notify, with reasons):</div>\n<div class=\"disposition\"></div>\n"
        "<div class=\"signline\"><span>Reviewed by</span><span>Date</span><span>Decision</span></div>\n"
        "</div>\n",
        esc(entry.device.label()), esc(entry.service.vendor.empty() ? entry.service.id : entry.service.vendor),
        esc(entry.service.name.empty() ? entry.service.id : entry.service.name),
        esc(useWords(entry)), esc(formatDuration(entry.durationSeconds)));
  }
  html += "</div>\n";
  return html;
}

H encountersSection(const ReportData& data, const HtmlOptions& options) {
  H html = "<h2 id=\"encounters\">4. Encounters</h2>\n";
  if (data.encounters.empty()) return html + "<p>No encounters in this period.</p>\n";
  html += fmt::format(
      "<p>An encounter is one device using one service from start to end. {} of the {} "
      "encounters below need a breach risk assessment; each has a box for the reviewer's "
      "decision. The same list is in <code>encounters.csv</code>.</p>\n",
      thousands(data.assessmentsRequired), thousands(data.encounters.size()));
  if (!data.dispositionsFile.empty()) {
    html += fmt::format(
        "<p class=\"box{}\" id=\"review-status\"><b>Review:</b> {} open (listed first), {} decided "
        "({} to notify as a breach), from <code>{}</code>.{}</p>\n",
        data.open ? " warn" : " ok", thousands(data.open), thousands(data.decided),
        thousands(data.breaches), esc(data.dispositionsFile),
        data.unmatchedDispositions.empty()
            ? std::string()
            : fmt::format(" {} decisions there are for encounters not in this report (another "
                          "period or log).",
                          thousands(data.unmatchedDispositions.size())));
  } else if (data.assessmentsRequired) {
    html += "<p class=\"small muted\">Decisions can be kept: <code>baawatch review</code> records "
            "them, and <code>baawatch report --dispositions FILE</code> shows them here.</p>\n";
  }
  std::size_t shown = 0;
  for (const auto& entry : data.encounters) {
    if (shown == options.maxEncounterCards) break;
    html += encounterCard(entry, ++shown, data, options);
  }
  if (shown < data.encounters.size()) {
    html += fmt::format("<p class=\"box warn\">{} further encounters are not shown on this page; "
                        "they are all in <code>encounters.csv</code>. Narrow the period with "
                        "<code>--from</code> and <code>--to</code> to see them here.</p>\n",
                        thousands(data.encounters.size() - shown));
  }
  return html;
}

H visibilitySection(const ReportData& data) {
  H html = "<h2 id=\"visibility\">5. When the monitor could not see</h2>\n";
  html += "<p class=\"small muted\">iCloud Private Relay, encrypted DNS, VPNs and Tor hide which "
          "services a device uses. During these periods the device may have used services "
          "without a BAA that this report cannot show.</p>\n";
  if (data.visibility.empty()) {
    return html + "<p id=\"visibility-none\">No loss of visibility was recorded in this period.</p>\n";
  }
  html += "<table id=\"visibility-table\"><thead><tr><th>Device</th><th>What hid the traffic</th>"
          "<th>From</th><th>To</th><th class=\"num\">How long</th><th>Evidence</th></tr></thead>\n<tbody>\n";
  for (const auto& period : data.visibility) {
    html += fmt::format(
        "<tr><td><b>{}</b>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"small\">{}</td></tr>\n",
        esc(period.device.label()),
        period.device.ip.empty() ? std::string() : "<br><span class=\"small muted\">" + esc(period.device.ip) + "</span>",
        esc(period.service.name.empty() ? period.service.id : period.service.name),
        esc(formatReadable(period.start)),
        period.end ? esc(formatReadable(*period.end)) : "<span class=\"muted\">end not recorded</span>",
        period.end ? esc(formatDuration(period.durationSeconds)) : "&ndash;", esc(period.evidence));
  }
  html += "</tbody></table>\n";
  return html;
}

}  // namespace

void writeHtml(const ReportData& data, const HtmlOptions& options, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<link rel=\"icon\" href=\"data:,\">\n"
         "<title>baawatch compliance report</title>\n<style>"
      << kStyle << "</style>\n</head>\n<body>\n";
  out << firstPage(data, options);
  out << servicesSection(data);
  out << chartSection(data);
  out << devicesSection(data);
  out << encountersSection(data, options);
  out << visibilitySection(data);
  out << "<footer>Produced by <code>baawatch report</code> from the monitor's JSON-lines logs. "
         "The CSV files next to this page hold the same tables: services.csv, devices.csv, "
         "encounters.csv, daily.csv, visibility.csv.</footer>\n</body>\n</html>\n";
}

}  // namespace baawatch::report
