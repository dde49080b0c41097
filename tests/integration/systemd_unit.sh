#!/usr/bin/env bash
# systemd/baawatch.service: `systemd-analyze verify` accepts it and `systemd-analyze security`
# rates it OK or better (exposure <= 4.9). Needs no root and no running systemd (--offline).
set -euo pipefail
: "${BAAWATCH:?}" "${BAAWATCH_SOURCE_DIR:?}"
skip() {
  echo "skipped: $*"
  exit 77
}
command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
work=$(mktemp -d /tmp/baawatch-unit-XXXXXX)
trap 'rm -rf "$work"' EXIT
# The unit names the installed binary; verify checks that ExecStart exists, so point it at the
# one just built (the file keeps its name: verify derives the unit name from it).
sed "s|/usr/local/bin/baawatch|$BAAWATCH|g" "$BAAWATCH_SOURCE_DIR/systemd/baawatch.service" \
  >"$work/baawatch.service"
cd "$work"
if ! verify=$(systemd-analyze verify "$work/baawatch.service" 2>&1); then
  echo "$verify"
  echo "FAIL: systemd-analyze verify rejected the unit"
  exit 1
fi
if [[ -n "$verify" ]]; then
  echo "$verify"
  echo "FAIL: systemd-analyze verify warned about the unit"
  exit 1
fi
security=$(systemd-analyze security --offline=true "$work/baawatch.service" 2>&1) ||
  skip "systemd-analyze security --offline is not supported here: $(tail -n 1 <<<"$security")"
line=$(grep -a "Overall exposure level" <<<"$security") || {
  echo "$security" | tail -n 5
  echo "FAIL: no exposure level in the security report"
  exit 1
}
echo "$line"
exposure=$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$line")
python3 -c "import sys; sys.exit(0 if float('$exposure') <= 4.9 else 1)" ||
  { echo "FAIL: exposure $exposure is above 4.9 (OK)"; exit 1; }
echo "PASS"
