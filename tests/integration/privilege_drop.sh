#!/usr/bin/env bash
# `user:` outside systemd: started as root with extra supplementary groups, the daemon opens the
# capture and its outputs, then becomes `nobody`. Checked on every thread of the process: uid and
# gid (real, effective, saved, filesystem) are nobody's, supplementary groups are nobody's only, no
# capability but CAP_NET_RAW and CAP_NET_ADMIN (on the packet thread, to reopen the interface;
# none at all on the writer thread), none ambient. Then, as nobody: alerts arrive, the metrics file
# is rewritten in the state folder, a logrotate-style rename + SIGHUP makes it create the new JSON
# file as nobody, and an interface that disappears is reopened with the kept capabilities.
# Last, `baawatch verify` over the rotated series: the hash chain continues across the rename +
# SIGHUP, and an edited record or a missing first file is named.
source "$(dirname "$0")/lib.sh"
require_root
getent passwd nobody >/dev/null || skip "no user 'nobody' on this system"
make_veth p

nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
nobody_groups=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')
# Folders the daemon writes after the switch belong to it, as /var/log/baawatch and
# /var/lib/baawatch must (docs/gateway.md); the scratch folder above them must be traversable.
chmod 0711 "$WORK"
mkdir "$WORK/log" "$WORK/state"
chown nobody:"$nobody_gid" "$WORK/log" "$WORK/state"

cat >"$WORK/baawatch.yaml" <<YAML
user: nobody
state_directory: $WORK/state
output:
  json: $WORK/log/alerts.jsonl
  stats_interval: 1s
  metrics_file: $WORK/state/baawatch.prom
YAML
# Root with two more supplementary groups (adm, disk): they must not survive the switch.
DAEMON_PREFIX=(setpriv --groups 4,6 --)
start_daemon "$WORK/baawatch.yaml"

python3 - "$DAEMON_PID" "$nobody_uid" "$nobody_gid" "$nobody_groups" <<'PY' || fail "privileges not dropped as documented"
import os, sys
pid, uid, gid = sys.argv[1], sys.argv[2], sys.argv[3]
want_groups = sorted(int(g) for g in sys.argv[4].split())
capture_caps = (1 << 12) | (1 << 13)  # CAP_NET_ADMIN, CAP_NET_RAW
ok = True
tasks = sorted(os.listdir(f"/proc/{pid}/task"), key=int)
for tid in tasks:
    status = dict(line.rstrip("\n").split(":\t", 1) for line in open(f"/proc/{pid}/task/{tid}/status")
                  if ":\t" in line)
    name = f"task {tid} ({status['Name']})"
    uids, gids = status["Uid"].split(), status["Gid"].split()
    groups = sorted(int(g) for g in status["Groups"].split())
    eff, prm, amb = (int(status[k], 16) for k in ("CapEff", "CapPrm", "CapAmb"))
    print(f"{name}: Uid {uids} Gid {gids} Groups {groups} CapEff {eff:#x} CapPrm {prm:#x} CapAmb {amb:#x}")
    if uids != [uid] * 4: print(f"  {name}: uid is not {uid} everywhere"); ok = False
    if gids != [gid] * 4: print(f"  {name}: gid is not {gid} everywhere"); ok = False
    if groups != want_groups: print(f"  {name}: groups {groups}, want {want_groups}"); ok = False
    if eff & ~capture_caps or prm & ~capture_caps: print(f"  {name}: capabilities beyond capture"); ok = False
    if amb: print(f"  {name}: ambient capabilities"); ok = False
# The packet thread (the main one) keeps exactly the capture capabilities, to reopen the interface.
main = dict(line.rstrip("\n").split(":\t", 1) for line in open(f"/proc/{pid}/status") if ":\t" in line)
if int(main["CapEff"], 16) != capture_caps:
    print(f"main thread CapEff {main['CapEff']}, want {capture_caps:#018x}"); ok = False
if len(tasks) < 2: print("expected the writer thread beside the packet thread"); ok = False
sys.exit(0 if ok else 1)
PY

replay whatsapp_chat_call.pcap --pps=3000
wait_until_read "$WORK/log/alerts.jsonl"
# The metrics file is rewritten at each stats interval, as nobody, until it counts the alert.
prom="$WORK/state/baawatch.prom"
metrics_count_whatsapp() { grep -q '^baawatch_alerts_total{service="whatsapp"} [1-9]' "$prom" 2>/dev/null; }
poll_until metrics_count_whatsapp ||
  fail "metrics file lacks the WhatsApp alert: $(grep alerts "$prom" 2>/dev/null || echo 'no file')"
[[ $(stat -c %U "$prom") == nobody ]] || fail "metrics file owned by $(stat -c %U "$prom"), not nobody"

# logrotate (nocreate): the file is renamed, SIGHUP makes the daemon create the new one as itself.
mv "$WORK/log/alerts.jsonl" "$WORK/log/alerts.jsonl.1"
kill -HUP "$DAEMON_PID"
wait_for_log "reloaded"
wait_until "new JSON file after the rename and SIGHUP" test -f "$WORK/log/alerts.jsonl"
[[ $(stat -c %U "$WORK/log/alerts.jsonl") == nobody ]] || fail "new JSON file not owned by nobody"

# The interface goes away and comes back: reopening it needs the kept CAP_NET_RAW.
ip link del "$HOST_END"
wait_for_log "capture lost"
add_veth
wait_for_log "capture reopened on $HOST_END"
replay facetime_relay_audio.pcap --pps=700
wait_until_read "$WORK/log/alerts.jsonl"
stop_daemon

grep -q "cannot reopen" "$DAEMON_LOG" && fail "an output could not be reopened as nobody"
whatsapp=$(count_records "$WORK/log/alerts.jsonl.1" 'r["event_type"] == "alert" and r["service"]["id"] == "whatsapp"')
facetime=$(count_records "$WORK/log/alerts.jsonl" 'r["event_type"] == "alert" and r["service"]["id"] == "facetime"')
final=$(count_records "$WORK/log/alerts.jsonl" 'r["event_type"] == "stats" and r["final"]')
echo "whatsapp alerts (before rotation): $whatsapp, facetime alerts (after): $facetime"
((whatsapp >= 1)) || fail "no WhatsApp alert as nobody"
((facetime >= 1)) || fail "no FaceTime alert after the rotation and the interface reopen"
((final == 1)) || fail "no final stats record in the new file"
# At exit the metrics file holds the final figures: both services, counted across the rotation.
grep -q '^baawatch_alerts_total{service="facetime"} [1-9]' "$prom" || fail "final metrics lack FaceTime"
grep -q '^baawatch_alerts_total{service="whatsapp"} [1-9]' "$prom" || fail "final metrics lack WhatsApp"
grep -q '^baawatch_capture_reopens_total 1$' "$prom" || fail "final metrics do not count the reopen"
[[ -e "$prom.tmp" ]] && fail "temporary metrics file left behind"

# The rotated series verifies end to end, oldest first.
series=("$WORK/log/alerts.jsonl.1" "$WORK/log/alerts.jsonl")
verdict=$("$BAAWATCH" verify "${series[@]}") || fail "verify rejected the untouched rotated series: $verdict"
echo "verify: $verdict"
# The new file on its own still checks, but says its link to the predecessor was not checked.
alone=$("$BAAWATCH" verify "$WORK/log/alerts.jsonl") || fail "verify rejected the new file alone: $alone"
grep -qi "not checked" <<<"$alone" || fail "verify did not say the first link was unchecked: $alone"
# An auditor's copy with one alert edited in the rotated file: verify fails and names that file.
mkdir "$WORK/audit"
cp "${series[@]}" "$WORK/audit/"
python3 - "$WORK/audit/alerts.jsonl.1" <<'PY'
import json, sys
path = sys.argv[1]
lines = open(path).read().splitlines()
for index, line in enumerate(lines):
    record = json.loads(line)
    if record.get("event_type") == "alert":
        record["device"]["ip"] = "192.0.2.99"  # an edit that keeps the line valid JSON
        lines[index] = json.dumps(record, separators=(",", ":"))
        break
open(path, "w").write("\n".join(lines) + "\n")
PY
if tampered=$("$BAAWATCH" verify "$WORK/audit/alerts.jsonl.1" "$WORK/audit/alerts.jsonl"); then
  fail "verify accepted a series with an edited alert: $tampered"
fi
grep -q "alerts.jsonl.1" <<<"$tampered" || fail "verify did not name the edited file: $tampered"
echo "verify (edited copy): $tampered"
echo "PASS"
