#!/usr/bin/env bash
# SIGHUP keeps the alert suppression state (and the rest a reload does not mean to reset): the
# same captures replayed three times on a veth pair give the same alerts with reloads during and
# between the replays as without any (the repeats are suppressed either way), and the same
# encounters. Before, every reload forgot which alerts had been raised and each replay after one
# raised them all again.
source "$(dirname "$0")/lib.sh"
require_root
make_veth r

cp "$BAAWATCH_SOURCE_DIR/etc/policy.yaml" "$WORK/policy.yaml"

# log_count TEXT N: the daemon log holds TEXT at least N times.
log_count() { (($(grep -cF -- "$1" "$DAEMON_LOG" 2>/dev/null || true) >= $2)); }
# wait_for_reload N: until the daemon logged its Nth applied reload.
wait_for_reload() { wait_until "reload number $1 applied" log_count "reloaded: policy" "$1"; }

# run_captures NAME RELOAD(0|1): one daemon, three rounds of the captures; with RELOAD a SIGHUP
# while a replay is running and one after it, each waited for in the log.
run_captures() {
  local name=$1 reload=$2 reloads=0 round
  cat >"$WORK/$name.yaml" <<YAML
policy: policy.yaml
output:
  json: $WORK/$name.jsonl
state_directory: $WORK/$name-state
YAML
  mkdir -p "$WORK/$name-state"
  : >"$WORK/tcpreplay.log"  # the packets this daemon is sent, for wait_until_read
  start_daemon "$WORK/$name.yaml"
  for round in 1 2 3; do
    replay whatsapp_chat_call.pcap --pps=3000 &
    local replaying=$!
    if ((reload)); then
      kill -HUP "$DAEMON_PID"
      reloads=$((reloads + 1))
      wait_for_reload "$reloads"
    fi
    wait "$replaying" || fail "replay of round $round failed"
    replay zoom_meeting.pcap --pps=3000
    replay imessage_attachment.pcap --pps=1000
    if ((reload)); then
      kill -HUP "$DAEMON_PID"
      reloads=$((reloads + 1))
      wait_for_reload "$reloads"
    fi
  done
  # Every packet read before SIGTERM, so both runs judge the same packets.
  wait_until_read "$WORK/$name.jsonl"
  stop_daemon
  mv "$DAEMON_LOG" "$WORK/$name.log"
}

# One line per alert: service, device, rule; sorted, so two runs compare line by line.
alert_keys() {
  python3 - "$1" <<'PY'
import json, sys
keys = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("event_type") in ("alert", "visibility"):
        keys.append("%s %s %s" % (r["service"]["id"], r["device"]["id"], r["policy"]["rule"]))
print("\n".join(sorted(keys)))
PY
}

run_captures plain 0
run_captures reloaded 1

plain_alerts=$(count_records "$WORK/plain.jsonl" 'r["event_type"] in ("alert", "visibility")')
reloaded_alerts=$(count_records "$WORK/reloaded.jsonl" 'r["event_type"] in ("alert", "visibility")')
plain_suppressed=$(count_records "$WORK/plain.jsonl" 'r["event_type"] == "stats" and r["final"] and r["counters"].get("policy.suppressed", 0) > 0')
applied=$(count_records "$WORK/reloaded.jsonl" 'r["event_type"] == "stats" and r["final"] and r["counters"].get("daemon.reload.applied") == 6')
plain_encounters=$(count_records "$WORK/plain.jsonl" 'r["event_type"] == "encounter"')
reloaded_encounters=$(count_records "$WORK/reloaded.jsonl" 'r["event_type"] == "encounter"')
echo "alerts without reloads: $plain_alerts, with 6 reloads: $reloaded_alerts;" \
     "encounters: $plain_encounters and $reloaded_encounters"
((plain_alerts >= 2)) || fail "the captures raised fewer than 2 alerts without reloads ($plain_alerts)"
((plain_suppressed == 1)) || fail "without reloads the repeated replays suppressed nothing: the test shows nothing"
((applied == 1)) || fail "the final stats of the reloaded run do not count 6 applied reloads"
if ! diff <(alert_keys "$WORK/plain.jsonl") <(alert_keys "$WORK/reloaded.jsonl") >"$WORK/alerts.diff"; then
  cat "$WORK/alerts.diff" >&2
  fail "reloads changed the alerts (< without reloads, > with)"
fi
((plain_encounters == reloaded_encounters)) ||
  fail "reloads changed the encounters: $plain_encounters without, $reloaded_encounters with"
echo "PASS"
