#!/usr/bin/env bash
# Live capture on a veth pair: WhatsApp and FaceTime captures replayed from a namespace are
# detected; the interface disappearing and coming back in between is survived (reopened, counted;
# a plain down/up is survived by libpcap itself and needs no reopen); SIGTERM
# drains (encounters written, exit 0).
source "$(dirname "$0")/lib.sh"
require_root
make_veth a

cat >"$WORK/baawatch.yaml" <<YAML
output:
  json: $WORK/alerts.jsonl
state_directory: $WORK
YAML
start_daemon "$WORK/baawatch.yaml"

# Time is compressed: WhatsApp is named by its hosts, so any rate works; the FaceTime relay call is
# judged by its duration and packet rate (a call lasts >= 5 s): 6180 packets at 700/s take 9 s
# (tcpreplay --multiplier stalls on this capture).
replay whatsapp_chat_call.pcap --pps=3000
# Every packet read before the interface goes (it would take the unread ones with it).
wait_until_read "$WORK/alerts.jsonl"

ip link set "$HOST_END" down
ip link set "$HOST_END" up
ip link del "$HOST_END"  # deletes both ends
wait_for_log "capture lost"
add_veth
wait_for_log "capture reopened on $HOST_END"

replay facetime_relay_audio.pcap --pps=700
wait_until_read "$WORK/alerts.jsonl"
stop_daemon

alerts="$WORK/alerts.jsonl"
[[ -s "$alerts" ]] || fail "no output written"
whatsapp=$(count_records "$alerts" 'r["event_type"] == "alert" and r["service"]["id"] == "whatsapp"')
facetime=$(count_records "$alerts" 'r["event_type"] == "alert" and r["service"]["id"] == "facetime"')
encounters=$(count_records "$alerts" 'r["event_type"] == "encounter"')
reopens=$(count_records "$alerts" 'r["event_type"] == "stats" and r["final"] and r["counters"].get("capture.reopens", 0) >= 1')
ids=$(count_records "$alerts" '"record_id" in r')
# The JSON file's own chain_start record (hash-chained log) is written by the file, not the pipeline.
total=$(count_records "$alerts" 'r["event_type"] != "chain_start"')
echo "whatsapp alerts: $whatsapp, facetime alerts: $facetime, encounters: $encounters, records: $total"
((whatsapp >= 1)) || fail "no WhatsApp alert from the live replay"
((facetime >= 1)) || fail "no FaceTime alert from the replay after the interface came back"
((encounters >= 2)) || fail "SIGTERM did not write the open encounters (got $encounters)"
((reopens == 1)) || fail "final stats record does not count capture.reopens >= 1"
((ids == total)) || {
  grep -v '"record_id"' "$alerts" | head -c 600
  fail "records without record_id: $((total - ids)) of $total"
}
echo "PASS"
