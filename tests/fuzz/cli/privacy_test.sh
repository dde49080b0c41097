#!/usr/bin/env bash
# Privacy by test: privacy_markers.pcap carries marker strings inside TLS application data,
# HTTP bodies, a DNS TXT answer, RTP payloads, plain UDP and WhatsApp chat frames
# (pcaps/generator/malformed_scenarios.py, PRIVACY_MARKERS). No marker, and none of the fake
# patient text around it, may appear in any record (with --flows, to stdout and to a chained
# file) or in the log on stderr. The run must still report WhatsApp, so the check is not vacuous.
#   privacy_test.sh BAAWATCH_BINARY SOURCE_DIR
set -uo pipefail
baawatch="$1"
source_dir="$2"
work="$(mktemp -d /tmp/baawatch-privacy-XXXXXX)"
trap 'rm -rf "$work"' EXIT
capture="$source_dir/pcaps/privacy_markers.pcap"
failures=0

"$baawatch" -r "$capture" --flows -o - >"$work/stdout.jsonl" 2>"$work/stderr.txt" || failures=1
"$baawatch" -r "$capture" --flows -o "$work/file.jsonl" >/dev/null 2>>"$work/stderr.txt" || failures=1
for output in "$work/stdout.jsonl" "$work/file.jsonl" "$work/stderr.txt"; do
  # PHIMARK covers every marker; the rest is the text the generator wraps them in.
  if grep -a -n -E 'PHIMARK|patient=|Jane Roe|dob=1961' "$output"; then
    echo "FAIL: payload bytes found in $(basename "$output") (lines above)"
    failures=1
  fi
done
grep -q '"event_type":"alert"' "$work/stdout.jsonl" && grep -q '"whatsapp"' "$work/stdout.jsonl" \
  || { echo "FAIL: no WhatsApp alert: the capture was not really analysed"; failures=1; }
(( $(grep -c '"event_type":"flow"' "$work/stdout.jsonl") >= 5 )) \
  || { echo "FAIL: expected flow records for every marked flow"; failures=1; }
((failures == 0)) && echo "privacy: no payload marker in $(cat "$work"/*.jsonl | wc -l) records or the log"
exit $failures
