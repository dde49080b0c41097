#!/usr/bin/env bash
# Syslog over TLS (RFC 5425) to a real rsyslog with its OpenSSL driver, with certificates made
# here by the openssl command:
# - a good chain: every record arrives exactly once (by record_id), over TLS only;
# - the receiver's certificate from another CA, for another name, or expired, and a receiver
#   that demands a client certificate we do not have: each refused with its reason in the log
#   and counted, nothing arrives, the records wait in the spool (and a corrected config later
#   delivers the wrong-CA run's spool);
# - mutual TLS: with our certificate the demanding receiver takes the records;
# - the receiver restarted in the middle of a live replay: no record lost.
source "$(dirname "$0")/lib.sh"
require_root
RSYSLOGD=$(command -v rsyslogd || true)
[[ -n "$RSYSLOGD" ]] || skip "rsyslog is not installed (.ci/install-deps installs it)"
compgen -G "/usr/lib/*/rsyslog/lmnsd_ossl.so" >/dev/null ||
  skip "rsyslog's TLS driver is not installed (rsyslog-openssl, .ci/install-deps)"
command -v openssl >/dev/null || skip "the openssl command is not installed"
make_veth t
CAPTURE=whatsapp_chat_call.pcap

# --- certificates --------------------------------------------------------------------------
CERTS="$WORK/certs"
mkdir -p "$CERTS"
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CERTS/$1.key" 2>/dev/null; }
new_ca() {
  new_key "$1"
  openssl req -x509 -new -key "$CERTS/$1.key" -out "$CERTS/$1.pem" -days 2 -subj "/CN=$1" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
}
# new_cert NAME CA SUBJECT-ALT-NAMES [openssl ca dates...]: a leaf signed by CA.
new_cert() {
  local name=$1 ca=$2 san=$3
  shift 3
  new_key "$name"
  openssl req -new -key "$CERTS/$name.key" -out "$CERTS/$name.csr" -subj "/CN=$name" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' \
    "$san" >"$CERTS/$name.ext"
  if (($#)); then
    # openssl x509 cannot back-date; openssl ca takes explicit start and end dates.
    mkdir -p "$CERTS/$ca.db"
    : >"$CERTS/$ca.db/index.txt"
    [[ -f "$CERTS/$ca.db/serial" ]] || echo 1000 >"$CERTS/$ca.db/serial"
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\nnew_certs_dir=%s\nserial=%s\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
      "$CERTS/$ca.db/index.txt" "$CERTS/$ca.db" "$CERTS/$ca.db/serial" >"$CERTS/$ca.db/ca.cnf"
    openssl ca -batch -notext -config "$CERTS/$ca.db/ca.cnf" -cert "$CERTS/$ca.pem" \
      -keyfile "$CERTS/$ca.key" -in "$CERTS/$name.csr" -out "$CERTS/$name.pem" \
      -extfile "$CERTS/$name.ext" "$@" >/dev/null 2>&1 || fail "openssl ca failed for $name"
  else
    openssl x509 -req -in "$CERTS/$name.csr" -CA "$CERTS/$ca.pem" -CAkey "$CERTS/$ca.key" \
      -CAcreateserial -out "$CERTS/$name.pem" -days 2 -extfile "$CERTS/$name.ext" 2>/dev/null ||
      fail "openssl x509 failed for $name"
  fi
}
new_ca ca
new_ca other-ca
new_cert server ca "DNS:syslog.test,IP:127.0.0.1"
new_cert stranger other-ca "DNS:syslog.test,IP:127.0.0.1"
new_cert expired ca "DNS:syslog.test,IP:127.0.0.1" -startdate 20200101000000Z -enddate 20200102000000Z
new_cert sensor ca "DNS:sensor.test"

# --- receivers -------------------------------------------------------------------------------
declare -A RS_PORT RS_PID
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_receiver NAME AUTHMODE SERVER-CERT: rsyslog with the ossl driver on its own port (kept
# across restarts), writing every raw message to $WORK/NAME/received.log.
start_receiver() {
  local name=$1 auth=$2 cert=$3
  mkdir -p "$WORK/$name"
  [[ -n "${RS_PORT[$name]:-}" ]] || RS_PORT[$name]=$(free_port)
  local port=${RS_PORT[$name]}
  cat >"$WORK/$name/rsyslog.conf" <<CONF
global(workDirectory="$WORK/$name" maxMessageSize="64k"
       DefaultNetstreamDriver="ossl"
       DefaultNetstreamDriverCAFile="$CERTS/ca.pem"
       DefaultNetstreamDriverCertFile="$CERTS/$cert.pem"
       DefaultNetstreamDriverKeyFile="$CERTS/$cert.key")
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="$auth")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imtcp" address="127.0.0.1" port="$port")
action(type="omfile" file="$WORK/$name/received.log" template="raw")
CONF
  "$RSYSLOGD" -n -iNONE -f "$WORK/$name/rsyslog.conf" >>"$WORK/$name/rsyslog.out" 2>&1 &
  RS_PID[$name]=$!
  EXTRA_PIDS+=("${RS_PID[$name]}")
  local deadline=$((SECONDS + 15))
  until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null; do
    is_running "${RS_PID[$name]}" || fail "rsyslog $name exited: $(tail -n 5 "$WORK/$name/rsyslog.out")"
    ((SECONDS < deadline)) || fail "rsyslog $name did not listen on $port"
    sleep 0.1
  done
}
stop_receiver() {
  kill -TERM "${RS_PID[$1]}"
  wait "${RS_PID[$1]}" 2>/dev/null || true
}

# write_config NAME RECEIVER TLS-OPTIONS [EXTRA-OUTPUT-LINES]: a config whose only syslog
# destination is RECEIVER over TLS; records, spool and log live in $WORK/NAME.
write_config() {
  local name=$1 receiver=$2 tls=$3 extra=${4:-}
  mkdir -p "$WORK/$name"
  cat >"$WORK/$name/baawatch.yaml" <<YAML
output:
  json: $WORK/$name/records.jsonl
$extra
  syslog:
    - {transport: tls, address: "127.0.0.1:${RS_PORT[$receiver]}", $tls,
       spool: $WORK/$name/tls.spool, event_types: [alert, visibility, encounter, stats]}
state_directory: $WORK/$name
YAML
}
# replay_file NAME: the daemon reads the capture (no live capture needed) and exits 0.
replay_file() {
  local name=$1
  DAEMON_LOG="$WORK/$name/daemon.log"
  "$BAAWATCH" -c "$WORK/$name/baawatch.yaml" -r "$PCAPS/$CAPTURE" 2>"$DAEMON_LOG" ||
    fail "baawatch exited with $? in $name"
}

# check.py MODE RECORDS RECEIVED: "once" every record exactly once; "atleast" every record, duplicates
# allowed (dropped by id); "none" nothing received and everything spooled.
cat >"$WORK/check.py" <<'PY'
import collections, json, os, re, sys
mode, records_path, received_path = sys.argv[1:4]
sent_types = {"alert", "visibility", "encounter", "stats"}
written = [json.loads(line) for line in open(records_path)]
expected = {r["record_id"] for r in written if r.get("event_type") in sent_types}
final = [r for r in written if r.get("event_type") == "stats" and r["final"]][-1]["counters"]
received = collections.Counter()
if os.path.exists(received_path):
    for line in open(received_path, errors="replace"):
        match = re.search(r'\[baawatch@32473 record_id="([^"]+)"', line)
        if not match:
            print("not one of our messages:", line[:200]); sys.exit(1)
        received[match.group(1)] += 1
duplicates = sum(n - 1 for n in received.values())
print(f"{mode}: {len(expected)} records to send, {len(received)} received ({duplicates} duplicates); "
      f"sent {final.get('syslog.0.sent')}, spooled {final.get('syslog.0.spooled')}, "
      f"tls_failed {final.get('syslog.0.tls_failed')}, resent {final.get('syslog.0.resent')}")
if not expected: print("nothing to send: the capture gave no record"); sys.exit(1)
if mode == "none":
    # The counters of the final stats record are read while the writer thread may still be
    # handling the records before it: that they all waited in the spool is shown by delivering
    # the spool later (fixed() in the script).
    ok = not received and final.get("syslog.0.sent") == 0 and final.get("syslog.0.tls_failed", 0) >= 1
    sys.exit(0 if ok else 1)
missing = expected - set(received)
unknown = set(received) - expected
if missing: print("MISSING:", sorted(missing)[:10])
if unknown: print("UNKNOWN:", sorted(unknown)[:10])
if mode == "once" and duplicates: print("duplicates where none may be")
sys.exit(0 if not missing and not unknown and (mode != "once" or not duplicates) else 1)
PY
# wait_received NAME RECORDS: until every record to send is in the receiver's file (bounded).
wait_received() {
  local name=$1 records=$2 deadline=$((SECONDS + 30))
  until python3 "$WORK/check.py" atleast "$records" "$WORK/$name/received.log" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { python3 "$WORK/check.py" atleast "$records" "$WORK/$name/received.log" || true; fail "$name: records did not all arrive"; }
    sleep 0.1
  done
}
GOOD_TLS="ca_file: $CERTS/ca.pem, server_name: syslog.test"

# --- configuration errors: refused with file:line:column and the option -------------------------
# config_error YAML-DESTINATION EXPECTED-MESSAGE-PART
config_error() {
  printf 'output:\n  syslog:\n    - {transport: tls, address: "127.0.0.1:6514"%s}\n' "$1" >"$WORK/bad.yaml"
  local out status=0
  out=$("$BAAWATCH" -c "$WORK/bad.yaml" --check-config 2>&1) || status=$?
  ((status == 2)) || fail "config '$1' gave exit status $status: $out"
  [[ $out =~ bad\.yaml:3:[0-9]+:\ output\.syslog\[0\] && $out == *"$2"* ]] ||
    fail "config '$1': want '$2' with file:line:column, got: $out"
}
echo garbage >"$CERTS/garbage.key"
config_error "" "missing 'ca_file'"
config_error ", ca_file: $CERTS/none.pem" "ca_file: '$CERTS/none.pem' holds no CA certificate"
config_error ", ca_file: $CERTS/ca.pem, cert_file: $CERTS/sensor.pem" "'cert_file' without 'key_file'"
config_error ", ca_file: $CERTS/ca.pem, cert_file: $CERTS/sensor.pem, key_file: $CERTS/garbage.key" \
  "key_file: '$CERTS/garbage.key' holds no private key"
config_error ", ca_file: $CERTS/ca.pem, cert_file: $CERTS/sensor.pem, key_file: $CERTS/server.key" \
  "key values mismatch"

# --- a good chain: exactly once -----------------------------------------------------------------
start_receiver good anon server
write_config good good "$GOOD_TLS"
replay_file good
wait_received good "$WORK/good/records.jsonl"
stop_receiver good
python3 "$WORK/check.py" once "$WORK/good/records.jsonl" "$WORK/good/received.log" || fail "good chain"
grep -q "syslog tls 127.0.0.1:${RS_PORT[good]}: connected" "$WORK/good/daemon.log" || fail "no 'connected' line"

# --- refused receivers: nothing sent, the reason logged, the records spooled --------------------
refused() {
  local name=$1 auth=$2 cert=$3 tls=$4 reason=$5
  start_receiver "$name" "$auth" "$cert"
  write_config "$name" "$name" "$tls"
  replay_file "$name"
  stop_receiver "$name"
  grep -qF -- "$reason" "$WORK/$name/daemon.log" ||
    fail "$name: no '$reason' in the log: $(grep -i tls "$WORK/$name/daemon.log" | tail -n 3)"
  python3 "$WORK/check.py" none "$WORK/$name/records.jsonl" "$WORK/$name/received.log" ||
    fail "$name: records went out or no handshake failure was counted"
  [[ -s "$WORK/$name/tls.spool" ]] || fail "$name: nothing in the spool"
}
# fixed NAME: the receiver and the config put right, a second run delivers its records and every
# record of the refused run, which waited in the spool.
fixed() {
  local name=$1
  start_receiver "$name" anon server
  write_config "$name" "$name" "$GOOD_TLS"
  replay_file "$name"
  wait_received "$name" "$WORK/$name/records.jsonl"
  stop_receiver "$name"
  python3 "$WORK/check.py" atleast "$WORK/$name/records.jsonl" "$WORK/$name/received.log" ||
    fail "$name: the spooled records of the refused run did not arrive after the fix"
}
refused wrong_ca anon stranger "$GOOD_TLS" "certificate was refused: unable to get local issuer certificate"
refused wrong_name anon server "ca_file: $CERTS/ca.pem, server_name: other.test" "certificate was refused: hostname mismatch"
refused expired anon expired "$GOOD_TLS" "certificate was refused: certificate has expired"
refused no_client_cert x509/certvalid server "$GOOD_TLS" "client certificate"

for name in wrong_ca wrong_name expired no_client_cert; do fixed "$name"; done

# --- mutual TLS: the demanding receiver takes our certificate -----------------------------------
start_receiver mutual x509/certvalid server
write_config mutual mutual "$GOOD_TLS, cert_file: $CERTS/sensor.pem, key_file: $CERTS/sensor.key"
replay_file mutual
wait_received mutual "$WORK/mutual/records.jsonl"
stop_receiver mutual
python3 "$WORK/check.py" once "$WORK/mutual/records.jsonl" "$WORK/mutual/received.log" || fail "mutual TLS"

# --- the receiver restarted in the middle of a live replay: nothing lost ------------------------
start_receiver restart anon server
# No server_name: the address itself (127.0.0.1) is checked against the certificate's IP entry.
write_config restart restart "ca_file: $CERTS/ca.pem" "  stats_interval: 1s"
start_daemon "$WORK/restart/baawatch.yaml"
wait_for_log "connected" 15
replay "$CAPTURE" --pps=3000 &
replay_pid=$!
EXTRA_PIDS+=("$replay_pid")
# Stop the receiver once it has taken records of this run, while the replay goes on.
deadline=$((SECONDS + 30))
until [[ -s "$WORK/restart/received.log" ]]; do
  ((SECONDS < deadline)) || fail "nothing reached the receiver before its restart"
  sleep 0.1
done
stop_receiver restart
wait_for_log "connection lost" 20
start_receiver restart anon server
wait_for_log "connected, delivering" 30
wait "$replay_pid" || fail "replay failed"
stop_daemon
wait_received restart "$WORK/restart/records.jsonl"
stop_receiver restart
python3 "$WORK/check.py" atleast "$WORK/restart/records.jsonl" "$WORK/restart/received.log" ||
  fail "records lost across the receiver's restart"
echo "PASS"
