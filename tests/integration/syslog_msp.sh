#!/usr/bin/env bash
# Many clinics, one SIEM (docs/gateway.md), tried as a managed-service provider would: three
# sensors, each in a network namespace of its own with its own client certificate, tenant and
# site, send over mutual TLS to one central rsyslog that files messages per tenant from the
# structured data. Every record of every sensor must arrive exactly once (by record_id), in its
# tenant's file only, carrying its sensor's tenant and site.
source "$(dirname "$0")/lib.sh"
require_root
RSYSLOGD=$(command -v rsyslogd || true)
[[ -n "$RSYSLOGD" ]] || skip "rsyslog is not installed (.ci/install-deps installs it)"
compgen -G "/usr/lib/*/rsyslog/lmnsd_ossl.so" >/dev/null ||
  skip "rsyslog's TLS driver is not installed (rsyslog-openssl, .ci/install-deps)"
compgen -G "/usr/lib/*/rsyslog/mmpstrucdata.so" >/dev/null || skip "rsyslog has no mmpstrucdata"
command -v openssl >/dev/null || skip "the openssl command is not installed"
remove_stale

# --- one CA of the MSP, the collector's certificate, one per sensor -----------------------------
CERTS="$WORK/certs"
mkdir -p "$CERTS"
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CERTS/$1.key" 2>/dev/null; }
new_key ca
openssl req -x509 -new -key "$CERTS/ca.key" -out "$CERTS/ca.pem" -days 2 -subj "/CN=MSP test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
new_cert() {
  local name=$1 san=$2
  new_key "$name"
  openssl req -new -key "$CERTS/$name.key" -out "$CERTS/$name.csr" -subj "/CN=$name" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" >"$CERTS/$name.ext"
  openssl x509 -req -in "$CERTS/$name.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" \
    -CAcreateserial -out "$CERTS/$name.pem" -days 2 -extfile "$CERTS/$name.ext" 2>/dev/null ||
    fail "openssl x509 failed for $name"
}
new_cert collector.msp.test "DNS:collector.msp.test"

# --- three sensors: namespace, veth to the collector's side, certificate, config -----------------
SENSORS=(a b c)
declare -A TENANT=([a]=acme-health [b]=acme-health [c]=bayside-dental)
declare -A SITE=([a]="Main Street Clinic" [b]="Harbor Clinic" [c]="Bayside Dental")
declare -A CAPTURE=([a]=whatsapp_chat_call.pcap [b]=facetime_relay_audio.pcap [c]=whatsapp_idle_chat.pcap)
NAMESPACES=()
LINKS=()
cleanup_msp() {
  local link ns
  for link in "${LINKS[@]}"; do ip link del "$link" 2>/dev/null || true; done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap 'status=$?; cleanup_msp; cleanup' EXIT
trap 'exit 130' INT TERM
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])')
index=0
for s in "${SENSORS[@]}"; do
  index=$((index + 1))
  [[ -f "$PCAPS/${CAPTURE[$s]}" ]] || CAPTURE[$s]=whatsapp_chat_call.pcap
  ns="bw-msp$s-$$"
  link="bwm$s$(($$ % 100000))"
  ip netns add "$ns" || skip "cannot create a network namespace here"
  NAMESPACES+=("$ns")
  ip link add "$link" type veth peer name "${link}p" netns "$ns" || skip "cannot create a veth pair"
  LINKS+=("$link")
  ip addr add "10.201.$index.1/24" dev "$link"
  ip link set "$link" up
  ip -n "$ns" addr add "10.201.$index.2/24" dev "${link}p"
  ip -n "$ns" link set "${link}p" up
  ip -n "$ns" link set lo up
  new_cert "sensor-$s.msp.test" "DNS:sensor-$s.msp.test"
  mkdir -p "$WORK/$s"
  cat >"$WORK/$s/baawatch.yaml" <<YAML
sensor: {name: sensor-$s, site: "${SITE[$s]}", tenant: ${TENANT[$s]}}
output:
  json: $WORK/$s/records.jsonl
  syslog:
    - {transport: tls, address: "10.201.$index.1:$port", server_name: collector.msp.test,
       ca_file: $CERTS/ca.pem, cert_file: $CERTS/sensor-$s.msp.test.pem,
       key_file: $CERTS/sensor-$s.msp.test.key, event_types: [alert, visibility, encounter, stats]}
state_directory: $WORK/$s
YAML
done

# --- the collector: mutual TLS, only the MSP's sensors, one file per tenant ----------------------
mkdir -p "$WORK/collector/tenants"
cat >"$WORK/collector/rsyslog.conf" <<CONF
global(workDirectory="$WORK/collector" maxMessageSize="64k"
       DefaultNetstreamDriver="ossl"
       DefaultNetstreamDriverCAFile="$CERTS/ca.pem"
       DefaultNetstreamDriverCertFile="$CERTS/collector.msp.test.pem"
       DefaultNetstreamDriverKeyFile="$CERTS/collector.msp.test.key")
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1"
       StreamDriver.AuthMode="x509/name" PermittedPeer=["*.msp.test"])
module(load="mmpstrucdata")
template(name="raw" type="string" string="%rawmsg%\n")
template(name="tenantFile" type="string"
         string="$WORK/collector/tenants/%\$!rfc5424-sd!baawatch@32473!tenant%.log")
input(type="imtcp" port="$port")
action(type="mmpstrucdata")
if \$!rfc5424-sd!baawatch@32473!tenant != "" then {
  action(type="omfile" dynaFile="tenantFile" template="raw")
} else {
  action(type="omfile" file="$WORK/collector/no-tenant.log" template="raw")
}
CONF
"$RSYSLOGD" -n -iNONE -f "$WORK/collector/rsyslog.conf" >>"$WORK/collector/rsyslog.out" 2>&1 &
RS_PID=$!
EXTRA_PIDS+=("$RS_PID")
deadline=$((SECONDS + 15))
until python3 -c "import socket; socket.create_connection(('10.201.1.1', $port), 0.2).close()" 2>/dev/null; do
  is_running "$RS_PID" || fail "rsyslog exited: $(tail -n 5 "$WORK/collector/rsyslog.out")"
  ((SECONDS < deadline)) || fail "rsyslog did not listen on $port"
  sleep 0.1
done

# --- the three sensors at once, each from its namespace -----------------------------------------
pids=()
index=0
for s in "${SENSORS[@]}"; do
  index=$((index + 1))
  ip netns exec "bw-msp$s-$$" "$BAAWATCH" -c "$WORK/$s/baawatch.yaml" -r "$PCAPS/${CAPTURE[$s]}" \
    2>"$WORK/$s/daemon.log" &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || fail "sensor ${SENSORS[$i]} exited with $?: $(tail -n 5 "$WORK/${SENSORS[$i]}/daemon.log")"
done

cat >"$WORK/check.py" <<'PY'
import collections, json, re, sys
work = sys.argv[1]
sensors = {s: (t, site) for s, t, site in (a.split("=", 2) for a in sys.argv[2:])}
sent_types = {"alert", "visibility", "encounter", "stats"}
expected = {}  # record_id -> (sensor, tenant, site)
for s, (tenant, site) in sensors.items():
    for line in open(f"{work}/{s}/records.jsonl"):
        r = json.loads(line)
        if r.get("event_type") not in sent_types: continue
        if r.get("tenant") != tenant or r.get("site") != site or r.get("sensor") != f"sensor-{s}":
            print("record without its sensor's tenant/site:", s, r.get("sensor"), r.get("tenant"), r.get("site")); sys.exit(1)
        expected[r["record_id"]] = (s, tenant, site)
seen = collections.Counter()
problems = []
for tenant in sorted({t for t, _ in sensors.values()}):
    try: lines = open(f"{work}/collector/tenants/{tenant}.log", errors="replace").read().splitlines()
    except FileNotFoundError: lines = []
    for line in lines:
        sd = dict(re.findall(r' ([a-z_]+)="((?:[^"\\]|\\.)*)"', line[:line.find("] {") + 1]))
        rid = sd.get("record_id")
        seen[rid] += 1
        if rid not in expected: problems.append(f"unknown record {rid}"); continue
        s, want_tenant, want_site = expected[rid]
        if tenant != want_tenant or sd.get("tenant") != want_tenant or sd.get("site") != want_site:
            problems.append(f"{rid} in {tenant}.log with tenant={sd.get('tenant')} site={sd.get('site')}")
missing = set(expected) - set(seen)
duplicates = {r: n for r, n in seen.items() if n > 1}
per_sensor = collections.Counter(expected[r][0] for r in seen if r in expected)
print(f"{len(expected)} records from {len(sensors)} sensors, {len(seen)} arrived "
      f"({dict(sorted(per_sensor.items()))}), {len(missing)} missing, {len(duplicates)} duplicated")
for p in problems[:10]: print(p)
if missing: print("MISSING:", sorted(missing)[:10])
if duplicates: print("DUPLICATES:", list(duplicates.items())[:10])
if len(per_sensor) != len(sensors): print("a sensor got nothing through")
sys.exit(0 if not problems and not missing and not duplicates and len(per_sensor) == len(sensors) else 1)
PY
check_args=()
for s in "${SENSORS[@]}"; do check_args+=("$s=${TENANT[$s]}=${SITE[$s]}"); done
deadline=$((SECONDS + 30))
until python3 "$WORK/check.py" "$WORK" "${check_args[@]}" >/dev/null 2>&1; do
  ((SECONDS < deadline)) || break
  sleep 0.2
done
kill -TERM "$RS_PID"
wait "$RS_PID" 2>/dev/null || true
python3 "$WORK/check.py" "$WORK" "${check_args[@]}" || fail "records lost, duplicated or misfiled"
[[ ! -s "$WORK/collector/no-tenant.log" ]] || fail "messages without a tenant reached the collector"
echo "PASS"
