#!/usr/bin/env bash
# report.browser: baawatch on three bundled captures -> baawatch report -> headless Chromium.
# Checks: the page loads with no console error (a fetch the page's Content-Security-Policy
# blocks is one), the DOM holds the chart <svg> and the tables, the page has no <script>.
# With one encounter decided (`baawatch review`) and a device owners file: the decided one is
# shown as decided, the open one first. Keeps report-screenshot.png (the page down to the
# encounters) and report-dom.html in the output folder.
# Usage: browser_test.sh BAAWATCH SOURCE_DIR OUTPUT_DIR     exit 0 pass, 1 fail, 77 skipped
set -uo pipefail
baawatch=$1
source_dir=$2
out=$3
work="$out/browser-test"
rm -rf "$work"
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$baawatch" -r "$source_dir/pcaps/facetime_relay_video.pcap" \
  -r "$source_dir/pcaps/whatsapp_chat_call.pcap" \
  -r "$source_dir/pcaps/zoom_meeting.pcap" -o "$work/log.jsonl" 2>"$work/baawatch.stderr" ||
  fail "baawatch could not read the captures: $(tail -3 "$work/baawatch.stderr")"
# A reviewer decides the WhatsApp encounter; the FaceTime one stays open. Owners name a device.
whatsapp_id=$(python3 - "$work/log.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("event_type") == "encounter" and r["service"]["id"] == "whatsapp":
        print(r["encounter_id"])
        break
PY
)
[[ -n $whatsapp_id ]] || fail "no WhatsApp encounter in the log"
"$baawatch" review "$whatsapp_id" --dispositions "$work/dispositions.jsonl" \
  --reviewer "J. Doe, privacy officer" --decision low_probability --date 2026-12-03 \
  --reasons "Scheduling messages only (confirmed with the user); no patient information." \
  >"$work/review.stdout" 2>&1 || fail "baawatch review failed: $(cat "$work/review.stdout")"
printf 'device,person,role\ndr-patel-iphone,Dr. Patel,physician\n' >"$work/owners.csv"
"$baawatch" report "$work/log.jsonl" --out "$work/report" --dispositions "$work/dispositions.jsonl" \
  --owners "$work/owners.csv" >"$work/report.stdout" 2>&1 ||
  fail "baawatch report failed: $(cat "$work/report.stdout")"
page="$work/report/report.html"
[[ -s $page ]] || fail "no report.html"
for csv in services devices encounters daily visibility; do
  [[ -s "$work/report/$csv.csv" ]] || fail "no $csv.csv"
done
grep -qi '<script' "$page" && fail "report.html contains a <script> element"

browser=""
for candidate in chromium chromium-browser; do
  command -v "$candidate" >/dev/null 2>&1 && { browser=$candidate; break; }
done
if [[ -z $browser ]]; then
  echo "skipped: chromium not installed (apt-get install chromium; .ci/install-deps does)"
  exit 77
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network: no background services, and every host name resolves nowhere.
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
  --disable-component-update --disable-sync --no-first-run --disable-extensions
  --disable-default-apps --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile"
  --hide-scrollbars --enable-logging=stderr --v=0)
url="file://$(realpath "$page")"
# Chromium ends by itself once the page is dumped; the bound only stops one that hangs, and is
# generous so that a slow or busy machine is never taken for a failure.
bound=${BAAWATCH_WAIT_LIMIT:-180}

timeout "$bound" "$browser" "${flags[@]}" --dump-dom "$url" >"$work/report-dom.html" 2>"$work/chromium-dom.log"
status=$?
[[ $status -eq 0 ]] || fail "chromium --dump-dom exited $status: $(tail -5 "$work/chromium-dom.log")"
# Tall enough for the encounters: the open ones first, then the decided one.
timeout "$bound" "$browser" "${flags[@]}" --window-size=1280,5600 \
  --screenshot="$out/report-screenshot.png" "$url" >/dev/null 2>"$work/chromium-shot.log"
status=$?
[[ $status -eq 0 ]] || fail "chromium --screenshot exited $status: $(tail -5 "$work/chromium-shot.log")"
[[ -s "$out/report-screenshot.png" ]] || fail "no screenshot"
# Console messages reach stderr as "CONSOLE(...)" / ":CONSOLE:" lines; CSP violations and
# failed loads are logged as console errors too.
if grep -E 'CONSOLE|Uncaught|Refused to|Content Security Policy|ERR_|Failed to load' \
    "$work/chromium-dom.log" "$work/chromium-shot.log" | grep -v 'dbus\|Fontconfig' >"$work/console-errors.txt"; then
  fail "console errors: $(head -5 "$work/console-errors.txt")"
fi

dom="$work/report-dom.html"
grep -q '<svg[^>]*id="daily-chart"' "$dom" || fail "the chart (<svg id=daily-chart>) is missing"
[[ $(grep -c '<rect' "$dom") -ge 3 ]] || fail "the chart has no bars"
for table in services-table devices-table; do
  grep -q "<table id=\"$table\"" "$dom" || fail "table $table is missing"
done
grep -q 'Breach risk assessment required (45 CFR 164.402)' "$dom" || fail "no breach flag"
grep -q 'dr-patel-iphone' "$dom" || fail "the FaceTime device is not named"
grep -q 'WhatsApp' "$dom" || fail "WhatsApp is not in the report"
grep -q 'Zoom' "$dom" || fail "Zoom is not in the report"
grep -q 'this log carries no integrity chain\|hash chain' "$dom" || fail "no integrity line"
grep -q 'Decided: low probability that health information was compromised' "$dom" ||
  fail "the decided encounter is not shown as decided"
grep -q 'open: no decision recorded' "$dom" || fail "no open encounter"
grep -q 'Dr. Patel (physician)' "$dom" || fail "the device owner is not named"
open_at=$(grep -bo 'open: no decision recorded' "$dom" | head -1 | cut -d: -f1)
decided_at=$(grep -bo 'Decided: low probability' "$dom" | head -1 | cut -d: -f1)
((open_at < decided_at)) || fail "the open encounter is not listed before the decided one"

echo "report.browser: page rendered without console errors; screenshot $out/report-screenshot.png"
exit 0
