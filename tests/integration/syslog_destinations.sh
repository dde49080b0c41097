#!/usr/bin/env bash
# Several syslog destinations at once, each a real rsyslog input: UDP (imudp on a loopback port),
# the local socket (imuxsock on a socket path of the test's own, `transport: unix`) and TCP
# (imtcp). Each receiver must get every alert, encounter and stats record (and visibility, when
# there is one) the daemon wrote to its JSON file, once, as RFC 5424 with our structured data:
# PRI from the destination's facility and the record's severity, the destination's APP-NAME,
# MSGID the event type, SD params equal to the JSON's fields, and the JSON record itself as MSG.
source "$(dirname "$0")/lib.sh"
require_root
RSYSLOGD=$(command -v rsyslogd || true)
[[ -n "$RSYSLOGD" ]] || skip "rsyslog is not installed (.ci/install-deps installs it)"
make_veth s

free_port() {
  python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.$1); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}
udp_port=$(free_port SOCK_DGRAM)
tcp_port=$(free_port SOCK_STREAM)
socket_path="$WORK/rsyslog.sock"
mkdir -p "$WORK/rsyslog"
# One ruleset per input, so each receiver writes a file of its own. imuxsock: no system socket,
# no rate limit, the standard parsers (not the special /dev/log one) so the message stays as sent.
cat >"$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK/rsyslog" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="udp") { action(type="omfile" file="$WORK/received-udp.log" template="raw") }
ruleset(name="unix") { action(type="omfile" file="$WORK/received-unix.log" template="raw") }
ruleset(name="tcp") { action(type="omfile" file="$WORK/received-tcp.log" template="raw") }
input(type="imudp" address="127.0.0.1" port="$udp_port" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$tcp_port" ruleset="tcp")
input(type="imuxsock" socket="$socket_path" ruleset="unix" ratelimit.interval="0"
      useSpecialParser="off" parseHostname="on")
CONF
"$RSYSLOGD" -n -iNONE -f "$WORK/rsyslog.conf" >>"$WORK/rsyslog.out" 2>&1 &
RSYSLOG_PID=$!
EXTRA_PIDS+=("$RSYSLOG_PID")
rsyslog_listens() {
  [[ -S "$socket_path" ]] &&
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $tcp_port), 0.2).close()" 2>/dev/null
}
poll_until rsyslog_listens || fail "rsyslog did not start: $(tail -n 5 "$WORK/rsyslog.out")"

types="[alert, visibility, encounter, stats]"
cat >"$WORK/baawatch.yaml" <<YAML
output:
  json: $WORK/alerts.jsonl
  stats_interval: 2s
  syslog:
    - {transport: udp, address: "127.0.0.1:$udp_port", facility: local4, app_name: bw-udp,
       event_types: $types}
    - {transport: unix, socket: $socket_path, facility: local5, app_name: bw-unix,
       event_types: $types}
    - {transport: tcp, address: "127.0.0.1:$tcp_port", facility: local6, app_name: bw-tcp,
       event_types: $types}
state_directory: $WORK
YAML
start_daemon "$WORK/baawatch.yaml"
for transport in "udp 127.0.0.1:$udp_port" "unix $socket_path" "tcp 127.0.0.1:$tcp_port"; do
  grep -qF "output: syslog $transport" "$DAEMON_LOG" || fail "destination '$transport' not opened"
done

# WhatsApp chat and call, then a Zoom meeting: alerts and encounters; stats every 2 s and at exit.
replay whatsapp_chat_call.pcap --pps=3000
replay zoom_meeting.pcap --pps=3000
wait_until_read "$WORK/alerts.jsonl"
stop_daemon
# rsyslog writes what it received; a record that never comes is named by the check below.
poll_until received_all "$WORK/alerts.jsonl" "$WORK"/received-{udp,unix,tcp}.log ||
  echo "not every record reached every receiver within ${WAIT_LIMIT}s"
kill -TERM "$RSYSLOG_PID"
wait "$RSYSLOG_PID" 2>/dev/null || true

python3 - "$WORK" <<'PY' || fail "a syslog receiver did not get every record as RFC 5424"
import collections, json, re, sys
work = sys.argv[1]
sent_types = ("alert", "visibility", "encounter", "stats")
written = [json.loads(line) for line in open(f"{work}/alerts.jsonl")]
expected = {r["record_id"]: r for r in written if r.get("event_type") in sent_types}
by_type = collections.Counter(r["event_type"] for r in expected.values())
print("written:", dict(by_type))
severity = {"critical": 2, "high": 3, "medium": 4, "low": 5}
header = re.compile(r'^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\d+) (\S+) \[baawatch@32473((?: [a-z_]+="(?:[^"\\\]]|\\["\\\]])*")*)\] (\{.*\})$')
param = re.compile(r' ([a-z_]+)="((?:[^"\\\]]|\\["\\\]])*)"')
unescape = lambda v: re.sub(r'\\(["\\\]])', r'\1', v)
sd_source = {"record_id": ("record_id",), "event_type": ("event_type",), "alert_id": ("alert_id",),
             "service": ("service", "id"), "service_name": ("service", "name"),
             "baa_status": ("service", "baa_status"), "kind": ("kind",), "severity": ("severity",),
             "confidence": ("confidence",), "device": ("device", "id"), "ip": ("device", "ip"),
             "host_name": ("device", "host_name"), "policy_rule": ("policy", "rule")}
def field(record, path):
    for key in path:
        if not isinstance(record, dict) or key not in record: return None
        record = record[key]
    return record if isinstance(record, str) else (json.dumps(record) if record is not None else None)
ok = True
for name, facility in (("udp", 20), ("unix", 21), ("tcp", 22)):
    received = collections.Counter()
    problems = []
    for line in open(f"{work}/received-{name}.log", errors="replace"):
        line = line.rstrip("\n")
        m = header.match(line)
        if not m:
            problems.append(f"not RFC 5424 with our SD: {line[:160]}"); continue
        pri, timestamp, host, app, procid, msgid, sd, body = m.groups()
        record = json.loads(body)
        params = {k: unescape(v) for k, v in param.findall(sd)}
        rid = params.get("record_id")
        if rid != record.get("record_id"): problems.append(f"SD record_id {rid} != JSON's"); continue
        if msgid != record["event_type"]: problems.append(f"{rid}: MSGID {msgid} for a {record['event_type']}")
        if params.get("event_type") != record["event_type"]: problems.append(f"{rid}: SD event_type")
        want_pri = facility * 8 + severity.get(record.get("severity"), 6)
        if int(pri) != want_pri: problems.append(f"{rid}: PRI {pri}, want {want_pri}")
        if app != f"bw-{name}": problems.append(f"{rid}: APP-NAME {app}")
        if timestamp != record["timestamp"]: problems.append(f"{rid}: TIMESTAMP {timestamp}")
        if host != record["sensor"]: problems.append(f"{rid}: HOSTNAME {host}")
        for key, path in sd_source.items():
            value = field(record, path)
            if key in ("service", "device", "severity") and record["event_type"] == "alert" and key not in params:
                problems.append(f"{rid}: alert without SD {key}")
            if key in params and params[key] != value:
                problems.append(f"{rid}: SD {key}={params[key]!r}, JSON {value!r}")
        # The file's copy also carries its hash chain link, which syslog never has.
        if rid in expected and record != {k: v for k, v in expected[rid].items() if k != "chain"}:
            problems.append(f"{rid}: MSG differs from the JSON file's record")
        received[rid] += 1
    missing = set(expected) - set(received)
    unknown = set(received) - set(expected)
    dupes = {i: c for i, c in received.items() if c > 1}
    got_types = collections.Counter(expected[i]["event_type"] for i in received if i in expected)
    print(f"{name}: received {len(received)} of {len(expected)}: {dict(got_types)}")
    for p in problems[:10]: print(f"  {name}: {p}")
    if missing: print(f"  {name}: MISSING {sorted(missing)[:10]}")
    if unknown: print(f"  {name}: UNKNOWN {sorted(unknown)[:10]}")
    if dupes: print(f"  {name}: DUPLICATES {dupes}")
    ok = ok and not problems and not missing and not unknown and not dupes
# No bundled capture makes a visibility record under the default policy (tests/regression has
# them with the shared corpus); it is sent like the others when there is one.
for event_type in ("alert", "encounter", "stats"):
    if by_type[event_type] == 0: print(f"no {event_type} record was written: the case is not exercised"); ok = False
final = [r for r in written if r.get("event_type") == "stats" and r["final"]][-1]["counters"]
for index in range(3):
    if final.get(f"syslog.{index}.failed", 0): print(f"syslog.{index}.failed = {final[f'syslog.{index}.failed']}"); ok = False
sys.exit(0 if ok else 1)
PY
echo "PASS"
