#!/usr/bin/env bash
# SIGHUP with a broken policy: the reload is refused with the policy's file:line in the log and
# detection goes on with the old policy. SIGUSR1 writes a stats record; a fixed policy is then
# taken on the next SIGHUP.
source "$(dirname "$0")/lib.sh"
require_root
make_veth c

cp "$BAAWATCH_SOURCE_DIR/etc/policy.yaml" "$WORK/policy.yaml"
cat >"$WORK/baawatch.yaml" <<YAML
policy: policy.yaml
output:
  json: $WORK/alerts.jsonl
state_directory: $WORK
YAML
start_daemon "$WORK/baawatch.yaml"
replay whatsapp_chat_call.pcap --pps=3000

# Break the policy: an unknown top-level key on the last line, which the loader must name.
cp "$WORK/policy.yaml" "$WORK/policy.good"
echo "clinicall_networks: [10.0.0.0/8]" >>"$WORK/policy.yaml"
broken_line=$(wc -l <"$WORK/policy.yaml")
kill -HUP "$DAEMON_PID"
wait_for_log "reload refused"
grep -q "policy.yaml:$broken_line:" "$DAEMON_LOG" ||
  fail "the refusal does not name policy.yaml:$broken_line: $(grep 'reload refused' "$DAEMON_LOG" | head -n 2)"

# Detection goes on with the old policy: every packet of the call is read under it (the wait
# asks for SIGUSR1 stats records until one counts them all).
replay facetime_relay_audio.pcap --pps=700
wait_until_read "$WORK/alerts.jsonl"

cp "$WORK/policy.good" "$WORK/policy.yaml"
kill -HUP "$DAEMON_PID"
wait_for_log "reloaded: policy"
stop_daemon

alerts="$WORK/alerts.jsonl"
facetime=$(count_records "$alerts" 'r["event_type"] == "alert" and r["service"]["id"] == "facetime"')
interim=$(count_records "$alerts" 'r["event_type"] == "stats" and not r["final"]')
refused=$(count_records "$alerts" 'r["event_type"] == "stats" and r["final"] and r["counters"].get("daemon.reload.failed") == 1 and r["counters"].get("daemon.reload.applied") == 1')
echo "facetime alerts after the refused reload: $facetime, SIGUSR1 stats records: $interim"
((facetime >= 1)) || fail "no FaceTime alert after the refused reload: detection stopped"
((interim >= 1)) || fail "SIGUSR1 wrote no stats record"
((refused == 1)) || fail "final stats do not count one failed and one applied reload"
grep -q "reload refused" "$DAEMON_LOG"
echo "PASS"
