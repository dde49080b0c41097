#!/usr/bin/env bash
# Live capture with two flow-sharded workers (`workers: 2`) on a veth pair: the decision thread
# writes alerts while the daemon runs, not only at shutdown (on a quiet wire the capture loop's
# tick hands the workers' events over); SIGUSR1 stats records count every packet sent (none lost);
# SIGTERM drains every worker (encounters written, exit 0).
source "$(dirname "$0")/lib.sh"
require_root
make_veth w

cat >"$WORK/baawatch.yaml" <<YAML
output:
  json: $WORK/alerts.jsonl
state_directory: $WORK
workers: 2
YAML
start_daemon "$WORK/baawatch.yaml"
alerts="$WORK/alerts.jsonl"

replay whatsapp_chat_call.pcap --pps=3000
replay facetime_relay_audio.pcap --pps=700
# Last, 312 packets (fewer than the 1024 between two sync markers): Signal over QUIC, named by
# the DNS lookup before it, from a device (192.168.10.57) not seen before.
replay quic_via_dns.pcap --pps=500
sent=$(replayed_packets)

# The wire is quiet now and the daemon still runs: that last alert must reach the file without a
# signal or a shutdown, handed over by the capture loop's tick alone.
late='r["event_type"] == "alert" and r["service"]["id"] == "signal" and r["device"]["ip"] == "192.168.10.57"'
wait_for_record "$alerts" "$late" "Signal alert of the last 312 packets on a quiet wire with 2 workers"

# SIGUSR1 writes a stats record of what the capture thread has read so far; the last packets of
# the replay may still be in the socket when the signal is handled, so ask again until the
# count reaches what tcpreplay sent (a packet lost on the way never gets there).
wait_until_read "$alerts" lossless
stop_daemon

whatsapp=$(count_records "$alerts" 'r["event_type"] == "alert" and r["service"]["id"] == "whatsapp"')
facetime=$(count_records "$alerts" 'r["event_type"] == "alert" and r["service"]["id"] == "facetime"')
encounters=$(count_records "$alerts" 'r["event_type"] == "encounter"')
final=$(count_records "$alerts" 'r["event_type"] == "stats" and r["final"] and r["counters"].get("flow.created", 0) >= 2')
echo "sent $sent packets; whatsapp alerts: $whatsapp, facetime alerts: $facetime, encounters: $encounters"
((whatsapp >= 1)) || fail "no WhatsApp alert"
((facetime >= 1)) || fail "no FaceTime alert from the relay call with 2 workers"
((encounters >= 2)) || fail "SIGTERM did not write the open encounters of both workers (got $encounters)"
((final == 1)) || fail "no final stats record with the workers' flow counts"
echo "PASS"
