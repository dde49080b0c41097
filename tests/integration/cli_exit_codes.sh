#!/usr/bin/env bash
# The command line as an operator meets it: --help names the subcommands and the exit codes, an
# unknown option is a usage error (2), and among several -r files one that cannot be read is
# reported and skipped while the others are still read, with exit status 1; --check-config lists
# every error of every file.
source "$(dirname "$0")/lib.sh"

capture="$PCAPS/whatsapp_chat_call.pcap"
[[ -f "$capture" ]] || fail "bundled capture $capture is missing"

help=$("$BAAWATCH" --help) || fail "--help exited $?"
for word in "baawatch verify" "baawatch report" "baawatch review" "Exit codes" "2 a usage or configuration error"; do
  grep -qF "$word" <<<"$help" || fail "--help does not mention '$word'"
done

status=0
"$BAAWATCH" --no-such-option >/dev/null 2>"$WORK/unknown.err" || status=$?
((status == 2)) || fail "an unknown option exited $status, not 2"
grep -q "no-such-option" "$WORK/unknown.err" || fail "the unknown option is not named on stderr"

# One capture read alone: the records a batch must still contain.
"$BAAWATCH" -c "$BAAWATCH_SOURCE_DIR/etc/baawatch.yaml" -r "$capture" -o "$WORK/alone.jsonl" \
  2>"$WORK/alone.err" || fail "reading $capture alone failed: $(tail -n 3 "$WORK/alone.err")"
alone_alerts=$(grep -c '"event_type":"alert"' "$WORK/alone.jsonl" || true)
((alone_alerts > 0)) || fail "the capture alone gives no alert: the check would be vacuous"

printf 'not a capture\n' >"$WORK/garbage.pcap"
status=0
"$BAAWATCH" -c "$BAAWATCH_SOURCE_DIR/etc/baawatch.yaml" -r "$WORK/missing.pcap" -r "$capture" \
  -r "$WORK/garbage.pcap" -o "$WORK/batch.jsonl" 2>"$WORK/batch.err" || status=$?
((status == 1)) || fail "a batch with unreadable files exited $status, not 1"
grep -q "missing.pcap" "$WORK/batch.err" || fail "the missing file is not named on stderr"
grep -q "garbage.pcap" "$WORK/batch.err" || fail "the unreadable file is not named on stderr"
grep -q "2 of 3 input files could not be read" "$WORK/batch.err" \
  || fail "the end of the run does not say how many files were skipped"
batch_alerts=$(grep -c '"event_type":"alert"' "$WORK/batch.jsonl" || true)
((batch_alerts == alone_alerts)) \
  || fail "the readable capture gave $batch_alerts alerts in the batch, $alone_alerts alone"

status=0
"$BAAWATCH" -c "$BAAWATCH_SOURCE_DIR/etc/baawatch.yaml" -r "$WORK/missing.pcap" \
  -o "$WORK/none.jsonl" 2>/dev/null || status=$?
((status == 1)) || fail "a run whose only file is unreadable exited $status, not 1"

# --check-config lists every error of every file, each with its place, then exits 2.
mkdir -p "$WORK/check"
cp -r "$BAAWATCH_SOURCE_DIR/signatures" "$WORK/check/signatures"
printf 'colour: blue\n' >>"$WORK/check/signatures/services/telegram.yaml"
colour_line=$(wc -l <"$WORK/check/signatures/services/telegram.yaml")
printf 'clinical_networks:\n  - 10.0.0.0/33\n' >"$WORK/check/policy.yaml"
printf 'signatures: signatures\npolicy: policy.yaml\nworkers: 0\n' >"$WORK/check/baawatch.yaml"
status=0
"$BAAWATCH" --check-config -c "$WORK/check/baawatch.yaml" >/dev/null 2>"$WORK/check.err" || status=$?
((status == 2)) || fail "--check-config with three errors exited $status, not 2"
for want in "baawatch.yaml:3:10: workers:" "telegram.yaml:$colour_line:1: colour: unknown key" \
  "policy.yaml:2:5: clinical_networks[0]:" "3 configuration errors"; do
  grep -qF "$want" "$WORK/check.err" || fail "--check-config does not list '$want': $(cat "$WORK/check.err")"
done

# Every subcommand keeps to the same codes: 0 done (and --help), 1 an input that could not be read
# or is not a log, 2 a usage error (CLI11's own codes, such as 105 or 109, never leak out).
expect_status() {
  local want=$1
  shift
  local got=0
  "$BAAWATCH" "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err" </dev/null || got=$?
  ((got == want)) || fail "baawatch $* exited $got, not $want: $(tail -n 2 "$WORK/cmd.err")"
}
alerts_log="$WORK/alone.jsonl"
expect_status 0 report --help
expect_status 2 report
expect_status 2 report --no-such-option "$alerts_log"
expect_status 2 report --from yesterday "$alerts_log"
expect_status 1 report "$WORK/missing.jsonl" --out "$WORK/report"
grep -qF "missing.jsonl" "$WORK/cmd.err" || fail "report does not name the missing log"
expect_status 1 report "$capture" --out "$WORK/report"
expect_status 1 report "$alerts_log" --dispositions "$WORK/missing-decisions.jsonl" --out "$WORK/report"
expect_status 0 report "$alerts_log" --out "$WORK/report"
expect_status 0 verify --help
expect_status 2 verify
expect_status 2 verify --no-such-option "$alerts_log"
expect_status 1 verify "$WORK/missing.jsonl"
expect_status 0 verify "$alerts_log"
expect_status 0 review --help
expect_status 2 review some-encounter
expect_status 2 review some-encounter --dispositions "$WORK/decisions.jsonl" --reviewer R \
  --decision maybe --reasons because
expect_status 2 review some-encounter --dispositions "$WORK/decisions.jsonl" --reviewer R \
  --decision breach --reasons because --date 2026-02-30x
expect_status 2 --threads 0 -r "$capture"
expect_status 2 -r "$capture" -i lo
expect_status 0 --version

echo "cli: --help lists commands and exit codes; unknown option 2; 2 bad of 3 files skipped, exit 1, $batch_alerts alerts kept"
