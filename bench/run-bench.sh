#!/usr/bin/env bash
# The benchmark of issue 7: builds baawatch and bare_read (Release) or reuses the build, builds
# or reuses the captures, then runs baawatch, Debian's ndpiReader (nDPI 4.2) and a bare libpcap
# read on the same files and prints medians, ratios and the issue's targets.
#
#   bench/run-bench.sh [--quick] [--flood-only] [--no-live] [--runs N] [--build-dir DIR] [--report FILE]
#
#   --quick        1 run each, base.pcap (~97k packets) and a 100k-packet long-flow capture
#   --flood-only   only the scan flood: memory per tracked flow, RSS flat at the cap, evictions
#   --no-live      skip the live-rate steps (tcpreplay into a veth pair: the long-flow capture, then
#                  the flow-dense one with 1 and 2 workers; they need root and are skipped with a
#                  line saying so without it)
#   --runs N       runs per tool and capture (default 3; --quick 1)
#   --build-dir    CMake build folder (default: build-bench in the repository, git-ignored);
#                  configured Release when it has no CMakeCache.txt yet
#   --report FILE  also write the printed report to FILE (a markdown code block)
#
# Captures are cached in bench/.cache/ (git-ignored; never commit them): bench-x10.pcap from
# ../shared/bench/make-bench-x10.sh (or $BAAWATCH_SHARED_BENCH), long-flows*.pcap from
# bench/make_long_flows.py, flood-1m.pcap and flood-250k.pcap (one new flow per packet, a scan)
# from bench/make_flood.py. Delete a file there to rebuild it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
shared=${BAAWATCH_SHARED_BENCH:-$repo/../shared/bench}
cache=$here/.cache
build=$repo/build-bench
quick=0
flood_only=0
live=1
runs=
report=
command="bench/run-bench.sh $*"

while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --flood-only) flood_only=1 ;;
    --no-live) live=0 ;;
    --runs) runs=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --report) report=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $runs ]] || runs=$(( quick ? 1 : 3 ))

command -v ndpiReader >/dev/null || { echo "run-bench.sh: ndpiReader not found (apt-get install libndpi-bin)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "run-bench.sh: GNU time not found (apt-get install time)" >&2; exit 1; }

# 1. Binaries.
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
[[ $build_type == Release ]] || echo "run-bench.sh: warning: $build is a '$build_type' build, not Release" >&2
cmake --build "$build" --target baawatch bare_read -j"$(nproc)" >/dev/null

# 2. Captures.
mkdir -p "$cache"
flood=$cache/flood-1m.pcap
flood_quarter=$cache/flood-250k.pcap
[[ -f $flood ]] || { echo "run-bench.sh: writing $flood (once)" >&2; python3 "$here/make_flood.py" "$flood" --flows 1000000; }
[[ -f $flood_quarter ]] || python3 "$here/make_flood.py" "$flood_quarter" --flows 250000
if (( flood_only )); then
  :
elif (( quick )); then
  flow_dense=$shared/base.pcap
  long_flow=$cache/long-flows-100k.pcap
  long_packets=100000
else
  flow_dense=$cache/bench-x10.pcap
  long_flow=$cache/long-flows.pcap
  long_packets=1000000
  if [[ ! -f $flow_dense ]]; then
    echo "run-bench.sh: writing $flow_dense (once)" >&2
    "$shared/make-bench-x10.sh" "$cache"
  fi
fi
(( flood_only )) || [[ -f $flow_dense ]] || { echo "run-bench.sh: $flow_dense missing (is ../shared/bench there?)" >&2; exit 1; }
if (( ! flood_only )) && [[ ! -f $long_flow ]]; then
  echo "run-bench.sh: writing $long_flow (once)" >&2
  python3 "$here/make_long_flows.py" "$long_flow" --packets "$long_packets"
fi
tiny=$cache/one-packet.pcap
if [[ ! -f $tiny ]]; then
  python3 "$here/make_long_flows.py" "$tiny" --packets 1
fi

# 3. Measure.
args=(--baawatch "$build/baawatch" --bare-read "$build/bench/bare_read" --tiny "$tiny"
      --flood "$flood" --flood-quarter "$flood_quarter" --runs "$runs" --command "$command")
if (( flood_only )); then
  args+=(--flood-only)
else
  args+=(--flow-dense "$flow_dense" --long-flow "$long_flow")
  # Live rate: the long-flow capture (realistic calls and downloads) at rising --mbps steps.
  (( ! live )) || args+=(--live "$long_flow" --live-dense "$flow_dense")
fi
[[ -z $report ]] || args+=(--report "$report")
exec python3 "$here/measure.py" "${args[@]}"
