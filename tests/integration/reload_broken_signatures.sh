#!/usr/bin/env bash
# A signature set that lacks a rule or threshold a detector reads is refused everywhere with its
# file:line:column: by --check-config, at start, and on SIGHUP (the daemon keeps the old snapshot,
# logs the error, and goes on detecting). Two breakages: the FaceTime relay-space rule renamed,
# and a FaceTime threshold misspelt.
source "$(dirname "$0")/lib.sh"
require_root

cp -r "$BAAWATCH_SOURCE_DIR/signatures" "$WORK/good-signatures"
# break_copy NAME SED-EXPRESSION: a copy of the shipped signatures with facetime.yaml edited.
break_copy() {
  cp -r "$WORK/good-signatures" "$WORK/$1"
  sed -i "$2" "$WORK/$1/services/facetime.yaml"
  cmp -s "$WORK/good-signatures/services/facetime.yaml" "$WORK/$1/services/facetime.yaml" &&
    fail "the edit '$2' changed nothing"
  return 0
}
break_copy renamed 's/id: facetime\.relay-space$/id: facetime.relay-range/'
break_copy misspelt 's/^  call_min_seconds:/  call_min_secnds:/'
renamed_where="facetime.yaml:$(grep -n -m1 '^  - id: facetime\.' "$WORK/renamed/services/facetime.yaml" | cut -d: -f1):3: rules: no rule 'facetime.relay-space'"
misspelt_where="facetime.yaml:$(grep -n -m1 'call_min_secnds' "$WORK/misspelt/services/facetime.yaml" | cut -d: -f1):3: behaviour.call_min_secnds: no detector reads"

# --check-config and start: refused with exit status 2 and the location.
for broken in renamed misspelt; do
  where_var="${broken}_where"
  status=0
  "$BAAWATCH" --check-config --signatures "$WORK/$broken" >"$WORK/check.out" 2>"$WORK/check.err" || status=$?
  ((status == 2)) || fail "--check-config on the $broken set exited $status (want 2): $(cat "$WORK/check.out")"
  grep -qF "${!where_var}" "$WORK/check.err" ||
    fail "--check-config does not name '${!where_var}': $(cat "$WORK/check.err")"
  status=0
  timeout 60 "$BAAWATCH" --signatures "$WORK/$broken" -r "$PCAPS/facetime_relay_audio.pcap" \
    -o "$WORK/start.jsonl" 2>"$WORK/start.err" || status=$?
  ((status == 2)) || fail "a start with the $broken set exited $status (want 2)"
  grep -qF "${!where_var}" "$WORK/start.err" ||
    fail "the refused start does not name '${!where_var}': $(cat "$WORK/start.err")"
done
"$BAAWATCH" --check-config --signatures "$WORK/good-signatures" >/dev/null ||
  fail "--check-config refuses the shipped signatures"

# SIGHUP: each broken set is refused and the old snapshot keeps detecting.
make_veth s
rm -rf "$WORK/signatures"
cp -r "$WORK/good-signatures" "$WORK/signatures"
cat >"$WORK/baawatch.yaml" <<YAML
signatures: signatures
output:
  json: $WORK/alerts.jsonl
state_directory: $WORK
YAML
start_daemon "$WORK/baawatch.yaml"
refused_at_least() { (($(grep -c "reload refused: keeping" "$DAEMON_LOG") >= $1)); }
refusals=0
for broken in renamed misspelt; do
  where_var="${broken}_where"
  rm -rf "$WORK/signatures"
  cp -r "$WORK/$broken" "$WORK/signatures"
  kill -HUP "$DAEMON_PID"
  refusals=$((refusals + 1))
  wait_until "refusal $refusals in the daemon log" refused_at_least "$refusals"
  grep -qF "${!where_var}" "$DAEMON_LOG" ||
    fail "the refused reload does not name '${!where_var}': $(grep 'reload refused' "$DAEMON_LOG")"
done

# Detection goes on with the old signatures: the relay call is still found.
replay facetime_relay_audio.pcap --pps=700
stop_daemon
facetime=$(count_records "$WORK/alerts.jsonl" 'r["event_type"] == "alert" and r["service"]["id"] == "facetime"')
failed=$(count_records "$WORK/alerts.jsonl" 'r["event_type"] == "stats" and r["final"] and r["counters"].get("daemon.reload.failed") == 2')
echo "facetime alerts after two refused reloads: $facetime"
((facetime >= 1)) || fail "no FaceTime alert after the refused reloads: detection changed"
((failed == 1)) || fail "final stats do not count two failed reloads"
echo "PASS"
