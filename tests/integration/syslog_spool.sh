#!/usr/bin/env bash
# No record lost over TCP syslog: a real rsyslog on loopback receives the daemon's records; it is
# stopped during a replay (the daemon spools to disk) and started again (the spool is delivered).
# Every record the daemon wrote to its JSON output with an event type it sends to syslog must
# arrive, by record_id; duplicates (re-sent after the connection broke) are counted, and after
# dropping them by id each record is there exactly once.
source "$(dirname "$0")/lib.sh"
require_root
RSYSLOGD=$(command -v rsyslogd || true)
[[ -n "$RSYSLOGD" ]] || skip "rsyslog is not installed (.ci/install-deps installs it)"
make_veth b

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/rsyslog"
cat >"$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK/rsyslog" maxMessageSize="64k")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imtcp" address="127.0.0.1" port="$port")
action(type="omfile" file="$WORK/received.log" template="raw")
CONF
RSYSLOG_PID=""
start_rsyslog() {
  "$RSYSLOGD" -n -iNONE -f "$WORK/rsyslog.conf" >>"$WORK/rsyslog.out" 2>&1 &
  RSYSLOG_PID=$!
  EXTRA_PIDS+=("$RSYSLOG_PID")
  poll_until rsyslog_listens || fail "rsyslog did not listen on $port: $(tail -n 5 "$WORK/rsyslog.out")"
}
rsyslog_listens() {
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null
}
stop_rsyslog() {
  kill -TERM "$RSYSLOG_PID"
  wait "$RSYSLOG_PID" 2>/dev/null || true
}
start_rsyslog

# Stats every second keep records flowing while rsyslog is down, so the spool is exercised.
cat >"$WORK/baawatch.yaml" <<YAML
output:
  json: $WORK/alerts.jsonl
  stats_interval: 1s
  syslog:
    - {transport: tcp, address: "127.0.0.1:$port", facility: local4, app_name: baawatch,
       event_types: [alert, visibility, encounter, stats]}
state_directory: $WORK
YAML
start_daemon "$WORK/baawatch.yaml"

alerts="$WORK/alerts.jsonl"
replay whatsapp_chat_call.pcap --pps=3000 &
replay_pid=$!
EXTRA_PIDS+=("$replay_pid")
# rsyslog goes away once it has received something, while the replay may still run.
wait_until "first record at rsyslog" test -s "$WORK/received.log"
stop_rsyslog
wait_for_log "connection lost"
replay_status=0
wait "$replay_pid" || replay_status=$?
((replay_status == 0)) || fail "replay failed"
# Records written while rsyslog is down go to the spool; a stats record says when one has.
spooled='r["event_type"] == "stats" and r["counters"].get("syslog.0.spooled", 0) >= 1'
wait_for_record "$alerts" "$spooled" "stats record counting a spooled record while rsyslog is down"
start_rsyslog
wait_for_log "connected, delivering"
replay facetime_relay_audio.pcap --pps=700
wait_until_read "$alerts"
stop_daemon
# rsyslog writes what it received; a record that never comes is named by the check below.
poll_until received_all "$alerts" "$WORK/received.log" ||
  echo "not every record reached rsyslog within ${WAIT_LIMIT}s"
stop_rsyslog

python3 - "$alerts" "$WORK/received.log" <<'PY' || fail "records lost or mangled"
import collections, json, re, sys
sent_types = {"alert", "visibility", "encounter", "stats"}
written = [json.loads(line) for line in open(sys.argv[1])]
expected = {r["record_id"]: r for r in written if r.get("event_type") in sent_types}
received = collections.Counter()
for line in open(sys.argv[2], errors="replace"):
    match = re.search(r'\[baawatch@32473 record_id="([^"]+)"', line)
    if not match:
        print("line without our structured data:", line[:200]); sys.exit(1)
    body = json.loads(line[line.index("] {") + 2:])
    if body["record_id"] != match.group(1):
        print("SD record_id differs from the JSON's:", line[:200]); sys.exit(1)
    received[match.group(1)] += 1
missing = sorted(set(expected) - set(received), key=lambda i: int(i.rsplit(":", 1)[1]))
unknown = sorted(set(received) - set(expected))
duplicates = sum(count - 1 for count in received.values())
final = [r for r in written if r.get("event_type") == "stats" and r["final"]][-1]["counters"]
alerts = [i for i, r in expected.items() if r["event_type"] == "alert"]
print(f"sent {len(expected)} records ({len(alerts)} alerts), received {len(received)} distinct, "
      f"{duplicates} duplicates dropped by id; spooled {final.get('syslog.0.spooled', 0)}, "
      f"resent {final.get('syslog.0.resent', 0)}, reconnects {final.get('syslog.0.reconnects', 0)}")
ok = True
if missing: print("MISSING:", missing); ok = False
if unknown: print("UNKNOWN ids:", unknown); ok = False
if not alerts: print("no alert was sent at all"); ok = False
if final.get("syslog.0.spooled", 0) < 1: print("the spool was never used: rsyslog's stop was not exercised"); ok = False
# The final stats record itself is written after the counters it holds were read; it must still
# have arrived (checked above with every other record).
sys.exit(0 if ok else 1)
PY
echo "PASS"
