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
  wait_for_log "capturing on $HOST_END" 15
}

# Alive and not a zombie (kill -0 succeeds on an exited child that was not reaped yet).
is_running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

# wait_for_log TEXT SECONDS
wait_for_log() {
  local text=$1 seconds=$2
  local deadline=$((SECONDS + seconds))
  until grep -qF -- "$text" "$DAEMON_LOG" 2>/dev/null; do
    is_running "$DAEMON_PID" || fail "daemon exited while waiting for '$text'"
    ((SECONDS < deadline)) || fail "no '$text' in the daemon log within ${seconds}s"
    sleep 0.1
  done
}

# stop_daemon: SIGTERM, wait (bounded) for the drain, require exit status 0.
stop_daemon() {
  kill -TERM "$DAEMON_PID"
  local deadline=$((SECONDS + 30))
  while is_running "$DAEMON_PID"; do
    ((SECONDS < deadline)) || fail "daemon did not exit within 30s of SIGTERM"
    sleep 0.1
  done
  local status=0
  wait "$DAEMON_PID" || status=$?
  DAEMON_PID=""
  [[ $status -eq 0 ]] || fail "daemon exited with status $status after SIGTERM (want 0)"
}

# Records of one event type matching a python condition on `r`, counted.
count_records() {
  local file=$1 condition=$2
  python3 - "$file" "$condition" <<'PY'
import json, sys
path, condition = sys.argv[1], sys.argv[2]
count = 0
for line in open(path):
    r = json.loads(line)
    if eval(condition, {}, {"r": r}):
        count += 1
print(count)
PY
}
