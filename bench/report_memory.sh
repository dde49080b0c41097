#!/bin/sh
# Peak memory of `baawatch verify` and `baawatch report` on chained logs of 100k and 1M records
# (make_report_log.py), and the ratio 1M/100k: both stream the log, so the ratio should stay near
# 1 (what grows is only what the report lists: one entry per encounter).
#
#   bench/report_memory.sh [--binary build/baawatch] [--records "100000 1000000"]
#
# Logs are cached in bench/.cache/ (git-ignored). Peak RSS from GNU time (`apt-get install time`).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
binary=$here/../build/baawatch
sizes="100000 1000000"
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --records) sizes=$2; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--records \"N1 N2\"]" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "skipped: GNU time not installed (apt-get install time)"; exit 0; }
cache=$here/.cache
mkdir -p "$cache"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Runs "$@" under GNU time; prints "<max RSS KiB> <wall seconds>" and fails with the command.
measure() {
  /usr/bin/time -f '%M %e' -o "$scratch/time" "$@" >"$scratch/out" 2>&1 || {
    echo "failed: $*" >&2; cat "$scratch/out" >&2; exit 1; }
  cat "$scratch/time"
}

printf '%-10s %-12s %-8s %14s %10s\n' records bytes command "peak RSS KiB" seconds
first_verify= first_report=
for n in $sizes; do
  log=$cache/report-log-$n.jsonl
  [ -s "$log" ] || python3 "$here/make_report_log.py" --records "$n" --out "$log"
  bytes=$(stat -c %s "$log")
  set -- $(measure "$binary" verify "$log")
  verify_rss=$1
  printf '%-10s %-12s %-8s %14s %10s\n' "$n" "$bytes" verify "$1" "$2"
  grep -q '^intact:' "$scratch/out" || { echo "verify did not find the log intact:" >&2; cat "$scratch/out" >&2; exit 1; }
  set -- $(measure "$binary" report "$log" --out "$scratch/report-$n")
  report_rss=$1
  printf '%-10s %-12s %-8s %14s %10s\n' "$n" "$bytes" report "$1" "$2"
  grep -q '^hash chain: intact' "$scratch/out" || { echo "report did not find the chain intact:" >&2; cat "$scratch/out" >&2; exit 1; }
  grep '^read\|encounters' "$scratch/out" | sed 's/^/    /'
  if [ -z "$first_verify" ]; then
    first_verify=$verify_rss first_report=$report_rss first_n=$n
  else
    echo "ratio ${n}/${first_n} records: verify $(awk "BEGIN{printf \"%.2f\", $verify_rss/$first_verify}")," \
         "report $(awk "BEGIN{printf \"%.2f\", $report_rss/$first_report}")"
  fi
done
