#!/usr/bin/python3
"""A real SMTP server on loopback for tests/integration/email_digest.sh: Debian's aiosmtpd,
with STARTTLS and AUTH (PLAIN, LOGIN) required when given a certificate and a password. Every
mail it accepts goes to FOLDER/NNN.eml (written aside, then renamed, so a file that is there is
whole), with what the session was (envelope, TLS, authenticated) in FOLDER/NNN.json.

    smtp_receiver.py --port PORT --folder FOLDER [--cert PEM --key PEM] [--user U --password P]

Runs until SIGTERM; prints "listening" once it takes connections."""
import argparse
import json
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Keeper:
    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.count = len([n for n in os.listdir(folder) if n.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            base = os.path.join(self.folder, f"{self.count:03}")
        with open(base + ".json", "w") as facts:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "tls": session.ssl is not None,
                       "authenticated": bool(getattr(session, "authenticated", False))}, facts)
        with open(base + ".tmp", "wb") as mail:
            mail.write(envelope.original_content or envelope.content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK: queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    options = {}
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        options.update(tls_context=context, require_starttls=True)
    if args.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and
                  auth_data.login == args.user.encode() and
                  auth_data.password == args.password.encode())
            return AuthResult(success=ok)
        options.update(authenticator=authenticate, auth_required=True,
                       auth_require_tls=bool(args.cert))
    controller = Controller(Keeper(args.folder), hostname="127.0.0.1", port=args.port, **options)
    controller.start()
    print("listening", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
