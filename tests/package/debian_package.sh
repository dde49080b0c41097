#!/usr/bin/env bash
# The Debian package as a gateway gets it: `cpack -G DEB` from this build folder, lintian reports
# no error, `dpkg -i` installs it, the installed binary runs --version and --check-config against
# the installed files, the configuration files are conffiles that an upgrade keeps when edited,
# and `dpkg --purge` removes every file it installed. Needs root; installs on this machine only
# when no baawatch package is installed already, and always purges what it installed.
set -euo pipefail
: "${BAAWATCH_BUILD_DIR:?}" "${BAAWATCH_VERSION:?}"
skip() { echo "skipped: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || skip "needs root for dpkg -i"
for tool in cpack dpkg dpkg-shlibdeps lintian; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (.ci/install-deps installs it)"
done
if dpkg-query -W -f='${Status}' baawatch 2>/dev/null | grep -q "installed"; then
  skip "a baawatch package is installed on this machine already; this test leaves it alone"
fi
work=$(mktemp -d /tmp/baawatch-deb-XXXXXX)
installed=0
cleanup() {
  if ((installed)); then dpkg --purge baawatch >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cpack -G DEB -B "$work" --config "$BAAWATCH_BUILD_DIR/CPackConfig.cmake" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack could not build the package"; }
deb=$(ls "$work"/baawatch_*.deb)
echo "package: $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Depends
dpkg-deb --field "$deb" Depends | grep -q "libndpi" || fail "the package does not depend on Debian's libndpi"

# lintian: errors fail the test; warnings are printed for the reader.
lintian --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1 || true
cat "$work/lintian.txt"
if grep -q "^E: " "$work/lintian.txt"; then fail "lintian reports errors"; fi

dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
installed=1
/usr/bin/baawatch --version | grep -qxF "baawatch $BAAWATCH_VERSION" ||
  fail "the installed binary does not print 'baawatch $BAAWATCH_VERSION'"
/usr/bin/baawatch --check-config -c /etc/baawatch/baawatch.yaml >"$work/check.txt" 2>&1 ||
  { cat "$work/check.txt"; fail "the installed configuration is refused"; }
grep -q "configuration OK" "$work/check.txt" || fail "no 'configuration OK' from --check-config"
grep -qxF 'ExecStart=/usr/bin/baawatch -c /etc/baawatch/baawatch.yaml -i ${BAAWATCH_INTERFACE}' \
  /lib/systemd/system/baawatch.service || fail "the unit does not run /usr/bin/baawatch"
[[ -f /usr/share/man/man8/baawatch.8.gz ]] || fail "no manual page baawatch(8)"
[[ -f /etc/logrotate.d/baawatch ]] || fail "no logrotate snippet"
conffiles=$(dpkg-query -W -f='${Conffiles}\n' baawatch)
for file in /etc/baawatch/baawatch.yaml /etc/baawatch/policy.yaml /etc/logrotate.d/baawatch; do
  grep -q " $file " <<<"$conffiles " || fail "$file is not a conffile"
done

# An upgrade (here: the same package again) keeps an edited configuration.
echo "# the clinic's own networks" >>/etc/baawatch/policy.yaml
dpkg -i --force-confdef --force-confold "$deb" >"$work/dpkg2.log" 2>&1 ||
  { cat "$work/dpkg2.log"; fail "reinstalling failed"; }
grep -q "# the clinic's own networks" /etc/baawatch/policy.yaml || fail "an upgrade overwrote the edited policy"

files=$(dpkg-query -L baawatch)
dpkg --purge baawatch >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge failed"; }
installed=0
left=()
while read -r path; do
  [[ -f "$path" ]] && left+=("$path")
done <<<"$files"
[[ -e /etc/baawatch/baawatch.yaml ]] && left+=(/etc/baawatch/baawatch.yaml)
((${#left[@]} == 0)) || fail "purge left files behind: ${left[*]}"
echo "PASS"
