#!/usr/bin/env bash
# systemd/baawatch.service.in (as installed): `systemd-analyze verify` accepts it and `systemd-analyze security`
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
# The install fills in the unit's paths (cmake/install_system_files.cmake); verify checks that
# ExecStart exists, so the binary is the one just built (the file keeps its name: verify derives
# the unit name from it).
sed -e "s|@BAAWATCH_BINARY@|$BAAWATCH|g" -e "s|@BAAWATCH_CONFIG_DIR@|/etc/baawatch|g" \
  -e "s|@BAAWATCH_DOCDIR@|/usr/share/doc/baawatch|g" \
  -e "s|@BAAWATCH_DEFAULT_FILE@|/etc/default/baawatch|g" \
  "$BAAWATCH_SOURCE_DIR/systemd/baawatch.service.in" >"$work/baawatch.service"
if grep -n "@BAAWATCH_" "$work/baawatch.service"; then
  echo "FAIL: a placeholder of the unit template is not filled in by this test"
  exit 1
fi
# verify also opens the unit's Documentation= manual page: the one this tree installs.
mkdir -p "$work/man/man8"
gzip -9n -c "$BAAWATCH_SOURCE_DIR/docs/baawatch.8" >"$work/man/man8/baawatch.8.gz"
export MANPATH="$work/man"
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
