# Shared by the integration tests: root check, a scratch folder, a veth pair with one end in a
# namespace of its own, the daemon under test, and one cleanup trap for all of it.
set -euo pipefail

: "${BAAWATCH:?BAAWATCH must name the baawatch binary}"
: "${BAAWATCH_SOURCE_DIR:?BAAWATCH_SOURCE_DIR must name the source tree}"
PCAPS="$BAAWATCH_SOURCE_DIR/pcaps"

skip() {
  echo "skipped: $*"
  exit 77
}

fail() {
  echo "FAIL: $*" >&2
  if [[ -n "${DAEMON_LOG:-}" && -f "$DAEMON_LOG" ]]; then
    echo "--- daemon log (last 40 lines) ---" >&2
    tail -n 40 "$DAEMON_LOG" >&2
  fi
  exit 1
}

require_root() {
  [[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, live capture); run ctest as root"
  command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
  command -v tcpreplay >/dev/null || skip "tcpreplay is not installed (.ci/install-deps)"
}

WORK=$(mktemp -d /tmp/baawatch-it-XXXXXX)
NETNS=""
HOST_END=""
DAEMON_PID=""
EXTRA_PIDS=()

cleanup() {
  local status=$?
  if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
  fi
  for pid in "${EXTRA_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [[ -n "$HOST_END" ]] && ip link del "$HOST_END" 2>/dev/null || true
  [[ -n "$NETNS" ]] && ip netns del "$NETNS" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespaces and links left by a run that was killed outright (ctest's timeout sends SIGKILL,
# which no trap sees): their owner's pid is in the name and no longer alive.
remove_stale() {
  local name pid
  for name in $(ip netns list 2>/dev/null | awk '/^bw-[a-z]+-[0-9]+/ {print $1}'); do
    pid=${name##*-}
    kill -0 "$pid" 2>/dev/null || ip netns del "$name" 2>/dev/null || true
  done
}

# make_veth TAG: HOST_END stays here (the daemon captures on it), its peer goes into a new
# namespace where tcpreplay sends. Names are short (IFNAMSIZ) and unique per process.
make_veth() {
  local tag=$1
  remove_stale
  NETNS="bw-$tag-$$"
  HOST_END="bw${tag}$(($$ % 100000))"
  PEER_END="${HOST_END}p"
  ip netns add "$NETNS" || skip "cannot create a network namespace here"
  add_veth || skip "cannot create a veth pair here"
}

# The pair itself; also used to bring it back after it was deleted.
add_veth() {
  ip link add "$HOST_END" type veth peer name "$PEER_END" netns "$NETNS" || return 1
  # No IPv6 autoconfiguration chatter (router solicitations, MLD) in what the daemon sees.
  sysctl -qw "net.ipv6.conf.$HOST_END.disable_ipv6=1" 2>/dev/null || true
  ip netns exec "$NETNS" sysctl -qw "net.ipv6.conf.$PEER_END.disable_ipv6=1" 2>/dev/null || true
  ip link set "$HOST_END" up
  ip -n "$NETNS" link set "$PEER_END" up
}

# replay PCAP TCPREPLAY-RATE-OPTION...: sends a capture from the namespace end.
replay() {
  local pcap=$1
  shift
  ip netns exec "$NETNS" tcpreplay -q -i "$PEER_END" "$@" "$PCAPS/$pcap" >>"$WORK/tcpreplay.log" 2>&1 ||
    fail "tcpreplay $pcap failed: $(tail -n 3 "$WORK/tcpreplay.log")"
}

# start_daemon CONFIG: runs baawatch -i on HOST_END and waits until it captures. A test may set
# DAEMON_PREFIX to a command that execs the daemon (e.g. setpriv with extra groups): the pid stays.
DAEMON_PREFIX=()
start_daemon() {
  local config=$1
  DAEMON_LOG="$WORK/daemon.log"
  "${DAEMON_PREFIX[@]}" "$BAAWATCH" -c "$config" -i "$HOST_END" 2>"$DAEMON_LOG" &
  DAEMON_PID=$!
  wait_for_log "capturing on $HOST_END"
}

# Alive and not a zombie (kill -0 succeeds on an exited child that was not reaped yet).
is_running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

# Every wait is for the event itself (a log line, a record, a file, a received message), polled
# briefly. The bound only ends a test whose event never comes, so it is generous: a slow or busy
# machine (sanitizers, parallel builds) makes an event late, which must not fail the test.
WAIT_LIMIT=${BAAWATCH_WAIT_LIMIT:-180}

# poll_until COMMAND...: runs COMMAND until it succeeds (0) or WAIT_LIMIT seconds passed (1).
# Fails at once if the daemon under test exits meanwhile.
poll_until() {
  local deadline=$((SECONDS + WAIT_LIMIT))
  until "$@"; do
    if [[ -n "$DAEMON_PID" ]] && ! is_running "$DAEMON_PID"; then
      fail "daemon exited while waiting for: $*"
    fi
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# wait_until WHAT COMMAND...: poll_until, failing with "no WHAT" when the bound passes.
wait_until() {
  local what=$1
  shift
  poll_until "$@" || fail "no $what within ${WAIT_LIMIT}s"
}

log_has() { grep -qF -- "$1" "$DAEMON_LOG" 2>/dev/null; }

# wait_for_log TEXT
wait_for_log() { wait_until "'$1' in the daemon log" log_has "$1"; }

# stop_daemon: SIGTERM, wait for the drain, require exit status 0.
stop_daemon() {
  kill -TERM "$DAEMON_PID"
  local deadline=$((SECONDS + WAIT_LIMIT))
  while is_running "$DAEMON_PID"; do
    ((SECONDS < deadline)) || fail "daemon did not exit within ${WAIT_LIMIT}s of SIGTERM"
    sleep 0.1
  done
  local status=0
  wait "$DAEMON_PID" || status=$?
  DAEMON_PID=""
  [[ $status -eq 0 ]] || fail "daemon exited with status $status after SIGTERM (want 0)"
}

# Records matching a python condition on `r` (which may use `datetime`), counted. A missing file counts none, and a last
# line the daemon is still writing (no newline yet) is left for the next look.
count_records() {
  local file=$1 condition=$2
  python3 - "$file" "$condition" <<'PY'
import datetime, json, sys
path, condition = sys.argv[1], sys.argv[2]
count = 0
try:
    lines = open(path).readlines()
except FileNotFoundError:
    lines = []
for line in lines:
    if not line.endswith("\n"):
        break
    r = json.loads(line)
    if eval(condition, {"datetime": datetime}, {"r": r}):
        count += 1
print(count)
PY
}

has_record() { (($(count_records "$1" "$2") >= 1)); }

# wait_for_record FILE CONDITION WHAT: until a record matching CONDITION is in FILE.
wait_for_record() { wait_until "$3" has_record "$1" "$2"; }

# request_stats FILE: SIGUSR1, then wait until the stats record it asks for is in FILE.
request_stats() {
  local file=$1 stats='r["event_type"] == "stats"'
  local before
  before=$(count_records "$file" "$stats")
  kill -USR1 "$DAEMON_PID"
  wait_until "stats record after SIGUSR1" more_records "$file" "$stats" "$before"
}
more_records() { (($(count_records "$1" "$2") > $3)); }

# Packets tcpreplay sent in all replays so far (each run appends its summary to the log).
replayed_packets() {
  sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$WORK/tcpreplay.log" 2>/dev/null |
    awk '{ sum += $1 } END { print sum + 0 }'
}

# wait_until_read FILE [lossless]: asks for stats (SIGUSR1) until the daemon has read every packet
# replayed so far, so that what comes next (SIGTERM, the interface removed, a reload) finds none
# still in the socket. A packet the kernel dropped counts as accounted for, unless `lossless`:
# then only packets read count, and a lost one ends the test at the bound.
wait_until_read() {
  local file=$1 mode=${2:-}
  local sent seen
  sent=$(replayed_packets)
  ((sent > 0)) || fail "tcpreplay reported no packets sent"
  seen='r["counters"].get("capture.packets", 0)'
  [[ $mode == lossless ]] ||
    seen+=' + r["counters"].get("capture.kernel_drops", 0) + r["counters"].get("capture.interface_drops", 0)'
  local read_all="r[\"event_type\"] == \"stats\" and $seen >= $sent"
  local deadline=$((SECONDS + WAIT_LIMIT))
  until has_record "$file" "$read_all"; do
    ((SECONDS < deadline)) || fail "no stats record within ${WAIT_LIMIT}s counts the $sent packets sent"
    request_stats "$file"
    sleep 0.2
  done
}

# received_all JSON RECEIVED...: each RECEIVED file (rsyslog's raw messages) holds, by record_id,
# every record of the event types the tests send to syslog that the daemon wrote to JSON.
received_all() {
  python3 - "$@" <<'PY'
import json, re, sys
sent_types = {"alert", "visibility", "encounter", "stats"}
want = set()
for line in open(sys.argv[1]):
    if line.endswith("\n"):
        r = json.loads(line)
        if r.get("event_type") in sent_types:
            want.add(r["record_id"])
for path in sys.argv[2:]:
    try:
        got = set(re.findall(r'record_id="([^"]+)"', open(path, errors="replace").read()))
    except FileNotFoundError:
        sys.exit(1)
    if not want <= got:
        sys.exit(1)
PY
}
