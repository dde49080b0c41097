#!/usr/bin/env bash
# Live rate (issue 7): the highest tcpreplay rate at which baawatch, capturing with -i on one end
# of a veth pair, loses no packet in the kernel (capture.kernel_drops of its stats records).
#
#   bench/live_rate.sh BAAWATCH CAPTURE [--seconds S] [--rates "50 100 200 ..."] [--capture-yaml Y]
#                      [--workers N]
#
# --capture-yaml adds settings under `capture:` (e.g. "immediate: false" or "snaplen: 2048") to
# the daemon's configuration; the default is the daemon's own defaults. --workers sets `workers:`
# (flow-sharded worker threads; default 1).
#
# tcpreplay sends CAPTURE from the peer end, inside a network namespace of its own, at rising
# --mbps steps of S seconds each (default 4; the capture loops if it is shorter). After each step
# the daemon gets SIGUSR1 and writes a stats record: a step passes when capture.kernel_drops did
# not grow and baawatch counted every packet tcpreplay sent (capture.packets). The steps stop
# after the first step with drops. SIGTERM at the end drains; exit status 0 is required.
# Needs root (namespace, capture) plus ip and tcpreplay: exits 77 with a "skipped:" line
# otherwise. Prints one line per step and a last line "live rate: ..." that run-bench.sh quotes.
#
# tcpreplay runs on the same CPUs as the daemon (2 vCPUs here), so the figure is a lower bound
# of what one worker takes from a NIC; the achieved rate (tcpreplay's own "Rated:") is printed
# beside the asked one, since at high steps tcpreplay itself falls short.
set -euo pipefail

baawatch=${1:?usage: live_rate.sh BAAWATCH CAPTURE [--seconds S] [--rates LIST]}
capture=${2:?usage: live_rate.sh BAAWATCH CAPTURE [--seconds S] [--rates LIST]}
shift 2
seconds=4
capture_yaml=""
workers=1
rates="50 100 200 300 400 600 800 1000 1500 2000 3000 4000"
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift ;;
    --rates) rates=$2; shift ;;
    --capture-yaml) capture_yaml=$2; shift ;;
    --workers) workers=$2; shift ;;
    *) echo "live_rate.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

skip() { echo "skipped: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "live rate needs root (network namespace, live capture)"
command -v ip >/dev/null || skip "live rate needs iproute2 (ip)"
command -v tcpreplay >/dev/null || skip "live rate needs tcpreplay"

work=$(mktemp -d /tmp/baawatch-live-rate-XXXXXX)
netns="bw-rate-$$"
host_end="bwr$(($$ % 100000))"
peer_end="${host_end}p"
daemon_pid=""
cleanup() {
  local status=$?
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then kill -KILL "$daemon_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  ip link del "$host_end" 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$netns" || skip "cannot create a network namespace here"
ip link add "$host_end" type veth peer name "$peer_end" netns "$netns" || skip "cannot create a veth pair here"
sysctl -qw "net.ipv6.conf.$host_end.disable_ipv6=1" 2>/dev/null || true
ip netns exec "$netns" sysctl -qw "net.ipv6.conf.$peer_end.disable_ipv6=1" 2>/dev/null || true
ip link set "$host_end" up
ip -n "$netns" link set "$peer_end" up

output=$work/records.jsonl
cat >"$work/baawatch.yaml" <<YAML
output:
  json: $output
state_directory: $work
workers: $workers
YAML
[[ -z $capture_yaml ]] || printf 'capture:\n  %s\n' "$capture_yaml" >>"$work/baawatch.yaml"
"$baawatch" -c "$work/baawatch.yaml" -i "$host_end" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 150); do
  grep -qF "capturing on $host_end" "$work/daemon.log" 2>/dev/null && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log" >&2; echo "live_rate.sh: daemon exited" >&2; exit 1; }
  sleep 0.1
done
grep -qF "capturing on $host_end" "$work/daemon.log" || { echo "live_rate.sh: daemon did not start capturing" >&2; exit 1; }

# stats: asks for a stats record and prints "packets kernel_drops" from it.
stats_seen=0
stats() {
  kill -USR1 "$daemon_pid"
  stats_seen=$((stats_seen + 1))
  for _ in $(seq 100); do
    (( $(grep -c '"event_type":"stats"' "$output" 2>/dev/null || true) >= stats_seen )) && break
    sleep 0.1
  done
  python3 - "$output" "$stats_seen" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1]) if '"event_type":"stats"' in line]
if len(records) < int(sys.argv[2]):
    sys.exit("live_rate.sh: no stats record after SIGUSR1")
counters = records[-1]["counters"]
print(counters.get("capture.packets", 0), counters.get("capture.kernel_drops", 0))
PY
}

# cpu: the daemon's user + system time so far, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$daemon_pid/stat"; }
ticks=$(getconf CLK_TCK)

read -r packets_before drops_before < <(stats)
best=""
best_achieved=""
saturated=0
echo "  asked Mbit/s  achieved Mbit/s  achieved pps     sent  counted  kernel drops  daemon CPU"
for rate in $rates; do
  log=$work/tcpreplay-$rate.log
  cpu_before=$(cpu)
  step_start=$(date +%s.%N)
  ip netns exec "$netns" tcpreplay -i "$peer_end" --mbps="$rate" --duration="$seconds" --loop=1000 \
    "$capture" >"$log" 2>&1 || true
  sleep 1  # the daemon empties the capture buffer
  read -r packets_after drops_after < <(stats)
  # Share of one CPU the daemon used over the step (sending, the pause and the stats record).
  load=$(awk -v a="$cpu_before" -v b="$(cpu)" -v t="$ticks" -v s="$step_start" -v e="$(date +%s.%N)" \
    'BEGIN { printf "%.0f%%", (b - a) / t / (e - s) * 100 }')
  sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$log" | tail -n 1)
  achieved=$(sed -n 's/^Rated: .*, \([0-9.]*\) Mbps, \([0-9.]*\) pps.*/\1 \2/p' "$log" | tail -n 1)
  [[ -n $sent && -n $achieved ]] || { echo "live_rate.sh: tcpreplay at $rate Mbit/s failed:" >&2; tail -n 5 "$log" >&2; exit 1; }
  read -r achieved_mbps achieved_pps <<<"$achieved"
  counted=$((packets_after - packets_before))
  drops=$((drops_after - drops_before))
  printf "  %12s  %15s  %12s  %7s  %7s  %12s  %10s\n" "$rate" "$achieved_mbps" "$achieved_pps" "$sent" "$counted" "$drops" "$load"
  packets_before=$packets_after
  drops_before=$drops_after
  # A few packets more than sent is other traffic on the link; fewer means loss somewhere.
  if (( drops == 0 && counted >= sent )); then
    best=$rate
    best_achieved="$achieved_mbps Mbit/s, $achieved_pps pps achieved"
  else
    break
  fi
  # tcpreplay itself at its limit (under 90% of the asked rate): higher steps measure nothing new.
  if awk -v a="$achieved_mbps" -v r="$rate" 'BEGIN { exit !(a < 0.9 * r) }'; then
    saturated=1
    break
  fi
done

kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
(( status == 0 )) || { tail -n 20 "$work/daemon.log" >&2; echo "live_rate.sh: daemon exited with $status after SIGTERM" >&2; exit 1; }
settings="capture defaults"
[[ -z $capture_yaml ]] || settings="capture: {$capture_yaml}"
(( workers == 1 )) || settings="$settings, $workers workers"
if (( saturated )); then
  echo "live rate ($settings): no kernel drop up to tcpreplay's own limit: --mbps=$best ($best_achieved; $(basename "$capture"), ${seconds} s steps)"
elif [[ -n $best ]]; then
  echo "live rate ($settings): highest step with zero kernel drops: --mbps=$best ($best_achieved; $(basename "$capture"), ${seconds} s steps)"
else
  echo "live rate ($settings): drops already at the lowest step ($(basename "$capture"))"
fi
