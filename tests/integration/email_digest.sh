#!/usr/bin/env bash
# E-mail for a clinic without a SIEM, against a real SMTP server on loopback (Debian's aiosmtpd,
# smtp_receiver.py) with STARTTLS and AUTH required and a CA and certificate made here:
# - a capture with WhatsApp (policy: medium) and FaceTime (high): one mail at once for the
#   FaceTime alert, one digest naming every alert and encounter in plain words (device name,
#   address, MAC, service, times, how to read the report), over TLS and authenticated, and no
#   byte of the capture's payload markers in any mail;
# - a server certificate for another name: refused, nothing sent, the mails wait in the spool;
# - the server down: the mails wait in the spool; the server back and the sensor started again:
#   each is delivered exactly once (and a further start sends nothing twice);
# - the sendmail interface with a stand-in that keeps its arguments and standard input.
# No root needed: the daemon reads captures (-r) and exits, which mails the digest it gathered.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v openssl >/dev/null || skip "the openssl command is not installed"
SMTPD_PYTHON=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import aiosmtpd' 2>/dev/null; then
    SMTPD_PYTHON=$candidate
    break
  fi
done
[[ -n $SMTPD_PYTHON ]] || skip "aiosmtpd is not installed (python3-aiosmtpd, .ci/install-deps)"

# --- certificates: a CA of the test's and the mail server's certificate from it -----------------
CERTS="$WORK/certs"
mkdir -p "$CERTS"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CERTS/ca.key" 2>/dev/null
openssl req -x509 -new -key "$CERTS/ca.key" -out "$CERTS/ca.pem" -days 2 -subj "/CN=test mail CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CERTS/smtp.key" 2>/dev/null
openssl req -new -key "$CERTS/smtp.key" -out "$CERTS/smtp.csr" -subj "/CN=smtp.test" 2>/dev/null
printf 'subjectAltName=DNS:smtp.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
  >"$CERTS/smtp.ext"
openssl x509 -req -in "$CERTS/smtp.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" -CAcreateserial \
  -out "$CERTS/smtp.pem" -days 2 -extfile "$CERTS/smtp.ext" 2>/dev/null || fail "openssl x509 failed"
printf 'Secret pass 7\n' >"$WORK/smtp-password"

# --- the mail server ---------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SMTPD_PID=""
listening() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2).close()" 2>/dev/null; }
# start_smtpd FOLDER: STARTTLS and AUTH required; every mail taken goes to FOLDER.
start_smtpd() {
  "$SMTPD_PYTHON" "$HERE/smtp_receiver.py" --port "$PORT" --folder "$1" \
    --cert "$CERTS/smtp.pem" --key "$CERTS/smtp.key" --user clinic-7 --password "Secret pass 7" \
    >>"$WORK/smtpd.log" 2>&1 &
  SMTPD_PID=$!
  EXTRA_PIDS+=("$SMTPD_PID")
  local deadline=$((SECONDS + WAIT_LIMIT))
  until listening; do
    is_running "$SMTPD_PID" || fail "the SMTP server exited: $(tail -n 5 "$WORK/smtpd.log")"
    ((SECONDS < deadline)) || fail "the SMTP server did not listen on $PORT"
    sleep 0.1
  done
}
stop_smtpd() {
  kill -TERM "$SMTPD_PID"
  wait "$SMTPD_PID" 2>/dev/null || true
  ! listening || fail "the SMTP server still listens after SIGTERM"
}

# --- the sensor --------------------------------------------------------------------------------
# The clinic's policy: messaging is medium (mailed in the digest), video high (mailed at once).
printf 'severity:\n  messaging: medium\n  video: high\n' >"$WORK/policy.yaml"
# write_config NAME TRANSPORT-LINES: mail to two addresses; records, spool and log in $WORK/NAME.
write_config() {
  local name=$1 transport=$2
  mkdir -p "$WORK/$name"
  cat >"$WORK/$name/baawatch.yaml" <<YAML
policy: $WORK/policy.yaml
sensor: {name: sensor-mainst, site: Main Street Clinic}
state_directory: $WORK/$name
output:
  json: $WORK/$name/records.jsonl
  email:
    to: [office@clinic.example, it@msp.example]
    from: baawatch@clinic.example
    digest: daily
    immediate_severity: high
    spool_dir: $WORK/$name/spool
    retry_backoff: 1s
$transport
YAML
}
smtp_lines() {
  printf '    smtp: {host: 127.0.0.1, port: %s, starttls: required, ca_file: %s, server_name: %s,\n' \
    "$PORT" "$CERTS/ca.pem" "$1"
  printf '           username: clinic-7, password_file: %s, timeout: 20s}\n' "$WORK/smtp-password"
}
# replay_file NAME CAPTURE...: the daemon reads the captures and exits 0 (the digest is mailed,
# or spooled, on the way out).
replay_file() {
  local name=$1
  shift
  local inputs=()
  for capture in "$@"; do inputs+=(-r "$PCAPS/$capture"); done
  DAEMON_LOG="$WORK/$name/daemon.log"
  "$BAAWATCH" -c "$WORK/$name/baawatch.yaml" "${inputs[@]}" 2>>"$DAEMON_LOG" ||
    fail "baawatch exited with $? in $name"
}
mails_in() { compgen -G "$1/*.eml" | wc -l; }
has_mails() { (($(mails_in "$1") >= $2)); }

# check.py MODE FOLDER [RECORDS]: the mails in FOLDER.
cat >"$WORK/check.py" <<'PY'
import email, email.policy, glob, json, os, re, sys
mode, folder = sys.argv[1], sys.argv[2]
records = [json.loads(l) for l in open(sys.argv[3])] if len(sys.argv) > 3 else []
problems = []
def need(ok, what):
    if not ok: problems.append(what)
mails = []
for path in sorted(glob.glob(os.path.join(folder, "*.eml"))):
    raw = open(path, "rb").read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    facts_path = path[:-4] + ".json"
    facts = json.load(open(facts_path)) if os.path.exists(facts_path) else {}
    body = message.get_content()
    mails.append({"raw": raw, "message": message, "facts": facts, "body": body,
                  "kind": message["X-Baawatch-Kind"], "subject": str(message["Subject"]),
                  "id": message["Message-ID"], "path": path})
kinds = sorted(m["kind"] for m in mails)
print(f"{mode}: {len(mails)} mails in {os.path.basename(folder)}: " +
      "; ".join(f"{m['kind']}: {m['subject']}" for m in mails))
need(kinds == ["alert", "digest"], f"one alert mail and one digest, got {kinds}")
need(len({m["id"] for m in mails}) == len(mails), "a Message-ID twice: a mail delivered twice")
for m in mails:
    # Never a byte of the capture's payload (pcaps/README.md, privacy_markers.pcap).
    for marker in (b"PHIMARK", b"patient=", b"Jane Roe", b"dob=1961"):
        need(marker not in m["raw"] and marker.decode() not in m["body"], f"payload {marker} in {m['path']}")
    need(m["message"]["From"] == "baawatch@clinic.example", "From")
    need(m["message"]["Auto-Submitted"] == "auto-generated", "Auto-Submitted")
    need("Main Street Clinic" in m["subject"], "the site in the subject")
    need("How to read this" in m["body"] and "baawatch report " in m["body"], "how to read it")
alert = next((m for m in mails if m["kind"] == "alert"), None)
digest = next((m for m in mails if m["kind"] == "digest"), None)
if alert:
    need(alert["subject"] == "[baawatch] High alert at Main Street Clinic: dr-patel-iphone used Apple FaceTime",
         f"alert subject: {alert['subject']}")
    need("Device: dr-patel-iphone, address 192.168.10.45, MAC a6:5b:0e:73:c1:48" in alert["body"],
         "the FaceTime device by name, address and MAC")
    need("Why it matters: Apple offers no BAA for Apple FaceTime (severity high)" in alert["body"],
         "why the alert matters")
if mode in ("tls", "sendmail") and digest:
    alerts = [r for r in records if r["event_type"] in ("alert", "visibility")]
    encounters = [r for r in records if r["event_type"] == "encounter"
                  and r["policy"]["action"] in ("alert", "visibility")]
    need(len(alerts) >= 4 and len(encounters) >= 2, "the captures gave alerts and encounters")
    high = [r for r in alerts if r["severity"] in ("high", "critical")]
    need(len(high) == 1 and high[0]["service"]["id"] == "facetime", "one high alert: FaceTime")
    want = f"[baawatch] Main Street Clinic: {len(alerts)} alerts, {len(encounters)} encounters (daily digest to "
    need(digest["subject"].startswith(want), f"digest subject: {digest['subject']} (want {want}...)")
    for r in alerts:
        need(r["alert_id"] in digest["body"], f"alert {r['alert_id']} not in the digest")
    for r in encounters:
        need(f"Encounter id: {r['encounter_id']}" in digest["body"], f"encounter {r['encounter_id']} not in the digest")
    for words in ("WhatsApp (Meta Platforms): No BAA offered by the vendor",
                  "Device: 5a:3c:9e:41:07:2d, address 192.168.10.23, no device name seen",
                  "dr-patel-iphone: Apple FaceTime video call via Apple relay 17.188.167.41",
                  "Seen: Encrypted connection to g.whatsapp.net (the server name the device sent)",
                  "(mailed at once when it happened)", "(severity medium)"):
        need(words in digest["body"], f"digest lacks: {words}")
    days = sorted([r["timestamp"][:10] for r in alerts] + [r["start"][:10] for r in encounters] +
                  [r["end"][:10] for r in encounters])
    command = f"baawatch report {os.path.dirname(sys.argv[3])}/records.jsonl --from {days[0]} --to {days[-1]}"
    need(command in digest["body"], f"digest lacks the report command: {command}")
if mode == "tls":
    for m in mails:
        need(m["facts"].get("tls") and m["facts"].get("authenticated"), "sent over STARTTLS with AUTH")
        need(m["facts"].get("rcpt_tos") == ["office@clinic.example", "it@msp.example"], "both recipients")
        need(m["facts"].get("mail_from") == "baawatch@clinic.example", "envelope sender")
if mode == "sendmail":
    for m in mails:
        need(b"\r" not in m["raw"], "sendmail's input has local (LF) line ends")
        args = open(m["path"][:-4] + ".args").read().split()
        need(args == ["-t", "-oi"], f"sendmail arguments {args}")
        need(m["message"]["To"] == "office@clinic.example, it@msp.example", "To: names both (for -t)")
for problem in problems:
    print("  problem:", problem)
sys.exit(1 if problems else 0)
PY
CHECK=("$SMTPD_PYTHON" "$WORK/check.py")

# --- 1. STARTTLS + AUTH: the alert at once, the digest at the end -----------------------------
start_smtpd "$WORK/received-tls"
write_config tls "$(smtp_lines smtp.test)"
replay_file tls privacy_markers.pcap facetime_relay_video.pcap
wait_until "2 mails over STARTTLS" has_mails "$WORK/received-tls" 2
"${CHECK[@]}" tls "$WORK/received-tls" "$WORK/tls/records.jsonl" || fail "the mails over STARTTLS"
log_has "output: mail smtp 127.0.0.1:$PORT to office@clinic.example, it@msp.example (daily digest" ||
  fail "the daemon did not name its mail destination"

# --- 2. a certificate for another name: refused, nothing sent, spooled -------------------------
write_config wrong-name "$(smtp_lines other.test)"
replay_file wrong-name facetime_relay_video.pcap
log_has "the receiver's certificate was refused: hostname mismatch" ||
  fail "no log line says the certificate was refused for its name"
log_has "2 mails wait in the spool $WORK/wrong-name/spool/mail.spool for the next start" ||
  fail "the refused mails are not said to wait in the spool"
(($(mails_in "$WORK/received-tls") == 2)) || fail "a mail went to a server whose certificate failed"

# --- 3. the server down: spooled; back: delivered exactly once ----------------------------------
stop_smtpd
write_config down "$(smtp_lines smtp.test)"
replay_file down facetime_relay_video.pcap
log_has "cannot connect: Connection refused" || fail "no log line says the server is down"
log_has "2 mails wait in the spool $WORK/down/spool/mail.spool for the next start" ||
  fail "the mails are not said to wait in the spool"
start_smtpd "$WORK/received-after"
replay_file down web_browsing.pcap  # no alert of its own: only the spooled mails go
log_has "2 mails are left in the spool by an earlier run sent first" || fail "the spool was not picked up"
wait_until "the 2 spooled mails" has_mails "$WORK/received-after" 2
replay_file down web_browsing.pcap  # a further start: nothing left to send
"${CHECK[@]}" once "$WORK/received-after" || fail "the spooled mails were not delivered exactly once"
stop_smtpd

# --- 4. the sendmail interface -------------------------------------------------------------------
mkdir -p "$WORK/sendmail/sent"
cat >"$WORK/sendmail/fake-sendmail" <<'SH'
#!/bin/sh
# Stands in for sendmail: keeps its arguments and the message it reads on standard input.
out="$(dirname "$0")/sent"
name="$(date +%s%N)-$$"
printf '%s\n' "$*" >"$out/$name.args"
cat >"$out/$name.tmp" && mv "$out/$name.tmp" "$out/$name.eml"
SH
chmod +x "$WORK/sendmail/fake-sendmail"
write_config sendmail "    transport: sendmail
    sendmail_path: $WORK/sendmail/fake-sendmail"
replay_file sendmail privacy_markers.pcap facetime_relay_video.pcap
wait_until "2 mails through sendmail" has_mails "$WORK/sendmail/sent" 2
"${CHECK[@]}" sendmail "$WORK/sendmail/sent" "$WORK/sendmail/records.jsonl" ||
  fail "the mails through sendmail"
echo "email: digest and immediate mail over STARTTLS+AUTH and sendmail, refused certificate and server outage spooled, each mail delivered once"
