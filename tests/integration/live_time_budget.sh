#!/usr/bin/env bash
# Live capture of a WhatsApp chat connection that goes quiet after 12 packets, before nDPI has
# decided (pcaps/whatsapp_idle_chat.pcap). With `flows.ndpi_time_budget` the alert is written
# while the connection is still open, once the budget has passed since its first packet, driven
# by the capture loop's tick on a quiet wire. Without it (0) the same connection raises nothing
# until it ends (here: SIGTERM), which is what the budget is for: an idle TCP connection would
# otherwise be judged only when it times out, an hour later.
source "$(dirname "$0")/lib.sh"
require_root
make_veth t
alerts="$WORK/alerts.jsonl"
whatsapp='r["event_type"] == "alert" and r["service"]["id"] == "whatsapp"'

start_with_budget() {
  cat >"$WORK/baawatch.yaml" <<YAML
output:
  json: $alerts
  stats_interval: 1s
state_directory: $WORK
flows:
  ndpi_time_budget: $1
YAML
  rm -f "$alerts"
  start_daemon "$WORK/baawatch.yaml"
}

# Seconds between the alert's time and its flow's first packet.
alert_delay() {
  python3 - "$alerts" <<'PY'
import datetime, json, sys
def at(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event_type"] == "alert" and r["service"]["id"] == "whatsapp":
        print(f'{(at(r["timestamp"]) - at(r["flow"]["first_seen"])).total_seconds():.3f}')
        break
PY
}

# Without a time budget: nothing while the connection idles, the alert only at its end. "While it
# idles" is read on the daemon's own clock: its periodic stats records are written by the same
# housekeeping pass that applies the budget, after it, so a stats record dated 6 s past the end of
# the replay (twice the budget below) shows the walk that would have judged the flow has run.
start_with_budget 0
replay whatsapp_idle_chat.pcap --pps=100
replayed_at=$(date +%s.%N)
wait_until_read "$alerts"
idled="r['event_type'] == 'stats' and datetime.datetime.fromisoformat(r['timestamp'].replace('Z', '+00:00')).timestamp() >= $replayed_at + 6"
wait_for_record "$alerts" "$idled" "stats record 6 s after the replay (the daemon's clock stands still)"
(($(count_records "$alerts" "$whatsapp") == 0)) ||
  fail "with ndpi_time_budget 0 the idle connection was judged before it ended"
stop_daemon
(($(count_records "$alerts" "$whatsapp") == 1)) ||
  fail "with ndpi_time_budget 0 the connection's end (SIGTERM) raised no WhatsApp alert"

# With a 3 s budget: the alert comes while the daemon runs and the wire is quiet.
start_with_budget 3s
replay whatsapp_idle_chat.pcap --pps=100
wait_for_record "$alerts" "$whatsapp" "WhatsApp alert from an idle connection with a 3 s nDPI time budget"
delay=$(alert_delay)
echo "alert ${delay} s after the connection's first packet (budget 3 s)"
python3 -c "import sys; sys.exit(0 if 3.0 <= float(sys.argv[1]) < 8.0 else 1)" "$delay" ||
  fail "the alert came ${delay} s after the first packet: want the 3 s budget (walked each second)"
stop_daemon
final_spent='(r["event_type"] == "stats" and r["final"]
  and r["counters"].get("classify.ndpi_time_budget_spent", 0) >= 1)'
spent=$(count_records "$alerts" "$final_spent")
((spent == 1)) || fail "the final stats record does not count classify.ndpi_time_budget_spent"
(($(count_records "$alerts" "$whatsapp") == 1)) || fail "the connection's end raised a second alert"
echo "PASS"
