#!/usr/bin/env python3
"""Generate baawatch's self-made test captures (Python 3 standard library only).

    python3 pcaps/generator/make_pcaps.py                # write into pcaps/ (beside this folder)
    python3 pcaps/generator/make_pcaps.py --out DIR      # write elsewhere
    python3 pcaps/generator/make_pcaps.py --check        # regenerate into a temp dir and compare
                                                         # with the files in pcaps/ (exit 1 on
                                                         # any difference or missing file)
    python3 pcaps/generator/make_pcaps.py --list         # one line per capture: packets, bytes
    python3 pcaps/generator/make_pcaps.py --only NAME    # only the named capture(s)

Output is deterministic: fixed seeds and fixed base times, so regenerating gives
byte-identical files. Scenarios live in scenarios.py, apple_scenarios.py, facetime_scenarios.py,
malformed_scenarios.py and hello_scenarios.py (one function per capture).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import apple_scenarios  # noqa: E402
import call_scenarios  # noqa: E402
import facetime_scenarios  # noqa: E402
import hello_scenarios  # noqa: E402
import malformed_scenarios  # noqa: E402
import quic_initial  # noqa: E402
import scenarios  # noqa: E402

ALL_SCENARIOS = (scenarios.SCENARIOS + apple_scenarios.SCENARIOS + facetime_scenarios.SCENARIOS
                 + malformed_scenarios.SCENARIOS + hello_scenarios.SCENARIOS
                 + call_scenarios.SCENARIOS)

DEFAULT_OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))


def selected(only: list[str] | None):
    chosen = [(name, build) for name, build in ALL_SCENARIOS
              if not only or name in only or os.path.splitext(name)[0] in only]
    if only and not chosen:
        raise SystemExit(f"no capture named {only}; known: {[n for n, _ in ALL_SCENARIOS]}")
    return chosen


def generate(out_dir: str, only: list[str] | None = None, verbose: bool = True) -> list[str]:
    quic_initial.self_check()  # the sealed Initials must be what a QUIC stack would accept
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, build in selected(only):
        trace = build()
        path = os.path.join(out_dir, name)
        trace.write(path)
        written.append(name)
        if verbose:
            print(f"{name:26} {len(trace.records):6} packets {os.path.getsize(path):9} bytes")
    return written


def check(out_dir: str, only: list[str] | None) -> int:
    with tempfile.TemporaryDirectory(prefix="baawatch-pcaps-") as scratch:
        names = generate(scratch, only, verbose=False)
        failures = 0
        for name in names:
            committed = os.path.join(out_dir, name)
            if not os.path.exists(committed):
                print(f"MISSING  {name}")
                failures += 1
            elif not filecmp.cmp(committed, os.path.join(scratch, name), shallow=False):
                print(f"DIFFERS  {name}")
                failures += 1
            else:
                print(f"ok       {name}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary directory and compare with --out")
    parser.add_argument("--list", action="store_true", help="print the captures and their doc lines")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these captures")
    args = parser.parse_args()
    if args.list:
        for name, build in selected(args.only):
            print(f"{name:26} {build.__doc__.strip().splitlines()[0]}")
        return 0
    if args.check:
        return check(args.out, args.only)
    generate(args.out, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
