#!/usr/bin/env bash
# `baawatch status` against a real daemon capturing on a veth pair: running (exit 0) with its
# interface and uptime while it runs, the WhatsApp alerts of the replayed call counted as today's
# once they are written, and "not running" (exit 1) after SIGTERM. Without a status file it says
# so and exits 1; a bad config is a usage error (2).
source "$(dirname "$0")/lib.sh"
require_root
make_veth s
alerts="$WORK/alerts.jsonl"
cat >"$WORK/baawatch.yaml" <<YAML
output:
  json: $alerts
  stats_interval: 1s
state_directory: $WORK
YAML

status=0
"$BAAWATCH" status --state-dir "$WORK/none" >"$WORK/none.out" 2>&1 || status=$?
((status == 1)) || fail "status without a status file exited $status, not 1"
grep -q "no status in $WORK/none" "$WORK/none.out" || fail "status without a file says: $(cat "$WORK/none.out")"
printf 'state_directory: [1\n' >"$WORK/bad.yaml"
status=0
"$BAAWATCH" status -c "$WORK/bad.yaml" >/dev/null 2>&1 || status=$?
((status == 2)) || fail "status with a broken config exited $status, not 2"

start_daemon "$WORK/baawatch.yaml"
running() { "$BAAWATCH" status -c "$WORK/baawatch.yaml" >"$WORK/status.out" 2>&1; }
wait_until "status saying the daemon runs" running
grep -q "running, pid $DAEMON_PID" "$WORK/status.out" || fail "status: $(cat "$WORK/status.out")"
grep -q "($HOST_END)" "$WORK/status.out" || fail "status names no interface: $(cat "$WORK/status.out")"

replay whatsapp_chat_call.pcap --topspeed
wait_for_record "$alerts" 'r["event_type"] == "alert" and r["service"]["id"] == "whatsapp"' "WhatsApp alert"
counted() {
  running && grep -Eq "alerts today \([0-9-]+ UTC\): [0-9]+ \(whatsapp [0-9]+\)" "$WORK/status.out"
}
wait_until "status counting today's WhatsApp alerts" counted
grep -Eq "^packets: [1-9][0-9]*;" "$WORK/status.out" || fail "status shows no packets: $(cat "$WORK/status.out")"
"$BAAWATCH" status --state-dir "$WORK" --json >"$WORK/status.json.out" || fail "status --json exited non-zero"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["running"] and s["alerts_today"]["by_service"].get("whatsapp",0)>=1 else 1)' \
  "$WORK/status.json.out" || fail "status --json: $(cat "$WORK/status.json.out")"

stop_daemon
status=0
"$BAAWATCH" status --state-dir "$WORK" >"$WORK/stopped.out" 2>&1 || status=$?
((status == 1)) || fail "status after SIGTERM exited $status, not 1"
grep -q "not running" "$WORK/stopped.out" || fail "status after SIGTERM: $(cat "$WORK/stopped.out")"
cat "$WORK/status.out"
echo "PASS"
