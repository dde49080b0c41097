#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` writes P's paths into the unit and the default configuration:
# checked for the Debian prefix /usr and for /opt/baawatch, both into a staging DESTDIR; a second
# install over an edited configuration keeps it and puts the new default beside it.
set -euo pipefail
: "${BAAWATCH_BUILD_DIR:?}"
work=$(mktemp -d /tmp/baawatch-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect_line() {  # file, fixed line
  grep -qxF -- "$2" "$1" || { grep -n "" "$1" | head -40; fail "$1 has no line '$2'"; }
}

stage="$work/usr"
DESTDIR="$stage" cmake --install "$BAAWATCH_BUILD_DIR" --prefix /usr >"$work/install.log"
[[ -x "$stage/usr/bin/baawatch" ]] || fail "no /usr/bin/baawatch"
unit="$stage/lib/systemd/system/baawatch.service"
[[ -f "$unit" ]] || fail "no unit in /lib/systemd/system"
expect_line "$unit" 'ExecStart=/usr/bin/baawatch -c /etc/baawatch/baawatch.yaml -i ${BAAWATCH_INTERFACE}'
expect_line "$unit" 'ExecStartPre=/usr/bin/baawatch --check-config -c /etc/baawatch/baawatch.yaml'
expect_line "$unit" 'Documentation=man:baawatch(8) file:///usr/share/doc/baawatch/gateway.md'
if grep -n "/usr/local\|@BAAWATCH_" "$unit"; then fail "the /usr unit still names /usr/local or a placeholder"; fi
config="$stage/etc/baawatch/baawatch.yaml"
expect_line "$config" 'signatures: /usr/share/baawatch/signatures'
grep -q '^  json: /var/log/baawatch/alerts.jsonl' "$config" || fail "config does not write to /var/log/baawatch"
[[ -f "$stage/etc/baawatch/policy.yaml" ]] || fail "no policy.yaml"
[[ -f "$stage/etc/logrotate.d/baawatch" ]] || fail "no logrotate snippet in /etc/logrotate.d"
[[ -f "$stage/usr/share/man/man8/baawatch.8.gz" ]] || fail "no manual page"
[[ -f "$stage/usr/share/doc/baawatch/gateway.md" && -f "$stage/usr/share/doc/baawatch/configuration.md" ]] ||
  fail "docs missing"
[[ -f "$stage/usr/share/baawatch/signatures/services/facetime.yaml" ]] || fail "signatures missing"
# The staged files work together: the staged binary accepts the staged configuration.
"$stage/usr/bin/baawatch" --check-config -c "$config" \
  --signatures "$stage/usr/share/baawatch/signatures" >"$work/check.txt" 2>&1 ||
  { cat "$work/check.txt"; fail "the installed configuration is refused"; }
grep -q "configuration OK" "$work/check.txt" || { cat "$work/check.txt"; fail "no 'configuration OK'"; }

# An edited configuration survives a second install; the new default goes beside it.
echo "# edited by the clinic" >>"$config"
DESTDIR="$stage" cmake --install "$BAAWATCH_BUILD_DIR" --prefix /usr >"$work/install2.log"
grep -q "# edited by the clinic" "$config" || fail "a second install overwrote the edited configuration"
[[ -f "$config.dist" ]] || fail "no baawatch.yaml.dist beside the edited configuration"

stage="$work/opt"
DESTDIR="$stage" cmake --install "$BAAWATCH_BUILD_DIR" --prefix /opt/baawatch >"$work/install3.log"
unit="$stage/opt/baawatch/lib/systemd/system/baawatch.service"
expect_line "$unit" 'ExecStart=/opt/baawatch/bin/baawatch -c /etc/opt/baawatch/baawatch.yaml -i ${BAAWATCH_INTERFACE}'
expect_line "$stage/etc/opt/baawatch/baawatch.yaml" 'signatures: /opt/baawatch/share/baawatch/signatures'
[[ -x "$stage/opt/baawatch/bin/baawatch" ]] || fail "no /opt/baawatch/bin/baawatch"
echo "PASS"
