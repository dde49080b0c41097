#!/usr/bin/env bash
# `baawatch verify` end to end: a chained log written by the real binary is intact; altering,
# inserting and removing a line each gives its answer naming the line and exit 1; a crash
# fragment is recovered at the next start, counted in the final stats record, and verify still
# says intact (with a note); files rotated while baawatch was stopped form one chain that verify
# follows across files, naming a missing middle file; a file given alone notes its unchecked link.
#   verify_test.sh BAAWATCH_BINARY SOURCE_DIR
set -uo pipefail
baawatch="$1"
source_dir="$2"
work="$(mktemp -d /tmp/baawatch-verify-XXXXXX)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect EXIT_CODE TEXT -- FILES: runs verify, checks its status and that stdout contains TEXT.
expect() {
  local want_status="$1" want_text="$2"
  shift 3
  local output status
  output="$("$baawatch" verify "$@" 2>&1)"
  status=$?
  [[ $status == "$want_status" ]] || fail "verify $*: exit $status, wanted $want_status: $output"
  [[ "$output" == *"$want_text"* ]] || fail "verify $*: '$want_text' not in: $output"
}

log="$work/alerts.jsonl"
"$baawatch" -r "$source_dir/pcaps/linktype_raw.pcap" --flows -o "$log" 2>"$work/run.err" \
  || fail "baawatch run failed: $(cat "$work/run.err")"
lines=$(wc -l <"$log")
((lines >= 4)) || fail "expected at least 4 records in $log, got $lines"
head -1 "$log" | grep -q '"event_type":"chain_start"' || fail "line 1 is not chain_start"
expect 0 "intact: $lines records in 1 file" -- "$log"

# Altered: one value on line 3 changed, chain fields untouched.
sed '3s/"schema_version":1/"schema_version":2/' "$log" >"$work/altered.jsonl"
expect 1 "altered.jsonl:3: record altered" -- "$work/altered.jsonl"

# Inserted: a well-formed record without a place in the chain, after line 2.
sed '2a {"event_type":"alert","schema_version":1,"timestamp":"2025-07-14T09:30:00Z"}' "$log" >"$work/inserted.jsonl"
expect 1 "inserted.jsonl:3: record inserted" -- "$work/inserted.jsonl"

# Removed: line 3 deleted; line 4 becomes line 3 and names a predecessor that is gone.
sed '3d' "$log" >"$work/removed.jsonl"
expect 1 "removed.jsonl:3: record(s) removed" -- "$work/removed.jsonl"

# Not a file at all.
expect 1 "cannot read" -- "$work/missing.jsonl"
"$baawatch" verify >/dev/null 2>&1
[[ $? == 2 ]] || fail "verify with no file should exit 2"

# A crash fragment, then a restart on the same file: recovered, reported, still intact.
printf '{"event_type":"alert","schema_ver' >>"$log"
"$baawatch" -r "$source_dir/pcaps/linktype_raw.pcap" -o "$log" 2>"$work/restart.err" \
  || fail "restart failed: $(cat "$work/restart.err")"
grep -q "cut short" "$work/restart.err" || fail "no warning about the partial line: $(cat "$work/restart.err")"
grep -q '"event_type":"sink_recovery"' "$log" || fail "no sink_recovery record"
expect 0 "note: $log:$((lines + 1)): partial line" -- "$log"
expect 0 "intact" -- "$log"

# The recovery is counted, and the counter reaches the run's final stats record.
recovered="$(python3 - "$log" <<'PY'
import json, sys
stats = [json.loads(line) for line in open(sys.argv[1]) if '"event_type":"stats"' in line]
final = [record for record in stats if record.get("final")]
print(final[-1]["counters"].get("sink.partial_line_recovered", "absent") if final else "no final stats")
PY
)"
[[ "$recovered" == 1 ]] || fail "final stats record: sink.partial_line_recovered is $recovered, wanted 1"

# Rotation while stopped: logrotate renames the file, the next run starts a new one that names it.
mv "$log" "$work/alerts.jsonl-1"
"$baawatch" -r "$source_dir/pcaps/linktype_raw.pcap" -o "$log" 2>"$work/rotate1.err" \
  || fail "run after the first rotation failed: $(cat "$work/rotate1.err")"
head -1 "$log" | grep -q '"predecessor":{"file":"alerts.jsonl-1","last_hash":"' \
  || fail "new file does not name alerts.jsonl-1: $(head -1 "$log")"
mv "$log" "$work/alerts.jsonl-2"
"$baawatch" -r "$source_dir/pcaps/linktype_raw.pcap" -o "$log" 2>"$work/rotate2.err" \
  || fail "run after the second rotation failed: $(cat "$work/rotate2.err")"
expect 0 "in 3 files" -- "$work/alerts.jsonl-1" "$work/alerts.jsonl-2" "$log"
# Alone, a file that continues another is intact and says its link was not checked.
expect 0 "continues alerts.jsonl-2" -- "$log"
expect 0 "not checked" -- "$log"
# Files given newest first are checked in chain order: the series is intact.
expect 0 "in 3 files" -- "$log" "$work/alerts.jsonl-2" "$work/alerts.jsonl-1"
expect 0 "checked in chain order" -- "$log" "$work/alerts.jsonl-2" "$work/alerts.jsonl-1"
# A missing middle file is named at the boundary, in whatever order the files are given.
expect 1 "$log:1: does not continue $work/alerts.jsonl-1" -- "$work/alerts.jsonl-1" "$log"
expect 1 "$log:1: does not continue $work/alerts.jsonl-1" -- "$log" "$work/alerts.jsonl-1"
# The last record of the middle file removed: its successor names a hash that is no longer there.
sed '$d' "$work/alerts.jsonl-2" >"$work/cut.jsonl"
expect 1 "$log:1: does not continue $work/cut.jsonl" -- "$work/alerts.jsonl-1" "$work/cut.jsonl" "$log"

if ((failures)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "verify CLI: all checks passed"
