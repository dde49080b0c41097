#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time each.
#
#   tests/fuzz/run-fuzzers.sh SECONDS [BUILD_DIR] [TARGET...]
#
# BUILD_DIR is a build configured with -DBAAWATCH_FUZZ=ON and clang (default /tmp/build-fuzz or
# $BAAWATCH_FUZZ_BUILD). Each target starts from its checked-in seeds (corpus/<target>/, read
# only) plus a scratch corpus kept under $BAAWATCH_FUZZ_WORK (default /tmp/baawatch-fuzz-work),
# so repeated runs go on from where the last one stopped. A crash leaves its input in
# $BAAWATCH_FUZZ_WORK/artifacts/; copy it to regressions/<target>/ once fixed (README.md).
# Exit status 1 when any target crashed, leaked, timed out or ran out of memory.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:?usage: run-fuzzers.sh SECONDS [BUILD_DIR] [TARGET...]}"
build="${2:-${BAAWATCH_FUZZ_BUILD:-/tmp/build-fuzz}}"
shift $(( $# >= 2 ? 2 : 1 ))
work="${BAAWATCH_FUZZ_WORK:-/tmp/baawatch-fuzz-work}"
mkdir -p "$work/artifacts"

targets=("$@")
if ((${#targets[@]} == 0)); then
  for binary in "$build"/tests/fuzz/fuzz_*; do
    [[ -x "$binary" ]] && targets+=("$(basename "$binary" | sed 's/^fuzz_//')")
  done
fi
if ((${#targets[@]} == 0)); then
  echo "run-fuzzers: no fuzz_* executables in $build/tests/fuzz (configure with -DBAAWATCH_FUZZ=ON)" >&2
  exit 2
fi

# nDPI is not instrumented; its own start-up allocations that it never frees are suppressed by
# name (.ci/lsan.supp), nothing of ours.
export LSAN_OPTIONS="suppressions=$root/.ci/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0}"
export BAAWATCH_SOURCE_DIR="$root"

failed=()
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target"
  seeds="$here/corpus/$target"
  regressions="$here/regressions/$target"
  inputs=("$work/corpus/$target" "$seeds")
  [[ -d "$regressions" ]] && inputs+=("$regressions")
  log="$work/$target.log"
  started=$SECONDS
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: the pipeline's tables are bounded.
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$target-" "${inputs[@]}" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  edges=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz_$target: ${runs:-?} runs, ${edges:-cov: ?}, $((SECONDS - started)) s, exit $status"
  if ((status != 0)); then
    failed+=("$target")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|Test unit written)' "$log" | head -8
    echo "  full log: $log"
  fi
done
if ((${#failed[@]})); then
  echo "run-fuzzers: crashes in: ${failed[*]}" >&2
  exit 1
fi
