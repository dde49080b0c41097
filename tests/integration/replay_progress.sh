#!/usr/bin/env bash
# A replay as an operator watches it: on a terminal (a pty from script(1)) stderr shows a progress
# line (file, percent, packets/s, time left) that is cleared again, and at the end a summary in
# plain words (alerts per service and device, packets, flows, where the records went); with
# stderr on a pipe the same summary comes without any progress line or carriage return.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script (util-linux) is not installed"

capture="$PCAPS/whatsapp_chat_call.pcap"
[[ -f "$capture" ]] || fail "bundled capture $capture is missing"
config="$BAAWATCH_SOURCE_DIR/etc/baawatch.yaml"

# On a terminal. script -e returns the command's status; its output is what the terminal got.
status=0
script -qec "'$BAAWATCH' -c '$config' -r '$capture' -r '$capture' -o '$WORK/tty.jsonl'" /dev/null \
  >"$WORK/tty.txt" </dev/null || status=$?
((status == 0)) || fail "the replay on a terminal exited $status: $(tail -n 5 "$WORK/tty.txt")"
python3 - "$WORK/tty.txt" <<'PY' || fail "no progress line on the terminal: $(cat -v "$WORK/tty.txt" | head -c 2000)"
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()
# Each redraw: carriage return, erase line, then "file (n/N)  NN%  R packets/s  T left".
lines = re.findall(r"\r\x1b\[K(whatsapp_chat_call\.pcap \([12]/2\) +\d+%  (?:[\d,]+|--) packets/s  (?:[\d:]+|--:--) left)", text)
if not lines:
    sys.exit(1)
# Cleared before anything else is written: the last redraw is followed by another erase.
last = text.rfind(lines[-1]) + len(lines[-1])
if not text[last:].startswith("\r\x1b[K"):
    sys.exit(1)
print(f"{len(lines)} progress redraws, last: {lines[-1]}")
PY

# The summary says what the records say.
alerts=$(grep -c '"event_type":"alert"' "$WORK/tty.jsonl" || true)
((alerts > 0)) || fail "the replay gave no alert: the summary check would be vacuous"
summary_alerts="$alerts alerts: WhatsApp $alerts (dr-lee-iphone 192.168.10.23)"
((alerts == 1)) && summary_alerts="1 alert: WhatsApp 1 (dr-lee-iphone 192.168.10.23)"
for want in "read 2 files: 12,314 packets" "$summary_alerts" "records written to $WORK/tty.jsonl"; do
  grep -qF "$want" "$WORK/tty.txt" || fail "the summary on the terminal lacks '$want': $(tail -n 4 "$WORK/tty.txt")"
done

# stderr on a pipe (a log, CI): the summary, and no progress line.
"$BAAWATCH" -c "$config" -r "$capture" -r "$capture" -o "$WORK/pipe.jsonl" 2>&1 >/dev/null |
  cat >"$WORK/pipe.err"
grep -q "packets/s" "$WORK/pipe.err" && fail "a progress line went to a pipe: $(grep "packets/s" "$WORK/pipe.err")"
grep -q $'\r' "$WORK/pipe.err" && fail "a carriage return went to a pipe"
grep -qF "$summary_alerts" "$WORK/pipe.err" || fail "no summary on the pipe: $(tail -n 4 "$WORK/pipe.err")"
grep -qF "records written to $WORK/pipe.jsonl" "$WORK/pipe.err" || fail "the summary does not say where the records went"

echo "replay: progress line on a terminal, cleared; none on a pipe; summary '$summary_alerts'"
