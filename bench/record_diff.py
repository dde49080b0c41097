#!/usr/bin/env python3
"""Runs baawatch over every capture and compares the records of two runs, times and ids aside.

  record_diff.py run --binary build/baawatch --out DIR [--threads N] [--repo .] [--corpus ../shared/pcaps] [--bench FILE]
  record_diff.py compare DIR_A DIR_B

`run` writes one normalised file per capture (every record with --flows, sorted); `compare`
prints the captures whose records differ and exits 1 if any do. Normalising drops what differs
between two runs of the same code: record ids, the sensor name, hash chains, wall-clock stats,
and the run-unique part of flow ids.
"""
import argparse, concurrent.futures, difflib, json, os, re, subprocess, sys
from pathlib import Path

VOLATILE = {"record_id", "sensor", "chain", "run_id"}
STATS_VOLATILE = {"wall_seconds", "cpu_seconds", "uptime_seconds", "rss_bytes", "peak_rss_bytes", "started"}

IGNORED = set()

# A flow id unique across restarts is "<run id>:<number>" (16 random hex digits per process
# start); the number is what stays the same between two runs over one capture. Older records
# have the bare number, so both sides compare as that number.
RUN_UNIQUE_FLOW_ID = re.compile(r"^[0-9a-f]{16}:([0-9]+)$")

def stable_flow_id(value):
    if isinstance(value, str):
        match = RUN_UNIQUE_FLOW_ID.match(value)
        if match: return int(match.group(1))
    return value

def normalise(record):
    if isinstance(record, dict):
        out = {}
        for key, value in record.items():
            if key in VOLATILE or key in IGNORED: continue
            if record.get("event_type") == "stats" and key in STATS_VOLATILE: continue
            if key == "counters" and isinstance(value, dict):
                # How far the writer thread lagged depends on thread timing, not on the code.
                value = {k: v for k, v in value.items() if not k.startswith(("sink.queue.backlog", "sink.queue.high_water", "sink.queue.records"))}
            out[key] = stable_flow_id(value) if key == "flow_id" else normalise(value)
        return out
    if isinstance(record, list):
        return [normalise(v) for v in record]
    return record

def captures(repo, corpus, bench):
    found = sorted((Path(repo) / "pcaps").glob("*.pcap*"))
    if corpus and Path(corpus).is_dir():
        found += sorted(p for p in Path(corpus).rglob("*") if p.is_file() and p.suffix in (".pcap", ".pcapng") and "expected" not in p.parts)
    if bench: found.append(Path(bench))
    return found

def run_one(args, capture, out_dir, root):
    name = str(capture.relative_to(root) if capture.is_relative_to(root) else capture.name).replace("/", "__")
    cmd = [args.binary, "-c", str(Path(args.repo) / "etc/baawatch.yaml"), "--flows", "--threads", str(args.threads), "-r", str(capture)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = []
    for line in proc.stdout.splitlines():
        if not line.strip(): continue
        try: lines.append(json.dumps(normalise(json.loads(line)), sort_keys=True))
        except json.JSONDecodeError: lines.append("UNPARSEABLE " + line)
    lines.sort()
    (out_dir / (name + ".jsonl")).write_text(f"exit {proc.returncode}\n" + "\n".join(lines) + "\n")
    return name

def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--binary", required=True); run.add_argument("--out", required=True)
    run.add_argument("--threads", type=int, default=1); run.add_argument("--repo", default=".")
    run.add_argument("--corpus", default=os.environ.get("BAAWATCH_SHARED_CORPUS", "../shared/pcaps"))
    run.add_argument("--bench", default=None); run.add_argument("--jobs", type=int, default=2)
    cmp = sub.add_parser("compare"); cmp.add_argument("a"); cmp.add_argument("b")
    cmp.add_argument("--ignore-keys", default="", help="comma-separated keys left out on both sides (fields a later change added)")
    args = parser.parse_args()
    if args.command == "run":
        out_dir = Path(args.out); out_dir.mkdir(parents=True, exist_ok=True)
        root = Path(args.corpus).resolve().parent if args.corpus else Path("/")
        caps = [c.resolve() for c in captures(args.repo, args.corpus, args.bench)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for name in pool.map(lambda c: run_one(args, c, out_dir, root), caps): pass
        print(f"record_diff: {len(caps)} captures -> {out_dir}")
        return 0
    a, b = Path(args.a), Path(args.b)
    ignored = {k for k in args.ignore_keys.split(",") if k}
    def load(path):
        if not path.exists(): return ["MISSING"]
        lines = path.read_text().splitlines()
        IGNORED.update(ignored)  # files are normalised again, so a newer normaliser applies to old runs
        out = [lines[0]] + sorted(json.dumps(normalise(json.loads(l)), sort_keys=True) if not l.startswith("UNPARSEABLE") else l for l in lines[1:] if l)
        return out
    names = sorted({p.name for p in a.glob("*.jsonl")} | {p.name for p in b.glob("*.jsonl")})
    differing = 0
    for name in names:
        la, lb = load(a / name), load(b / name)
        if la != lb:
            differing += 1
            diff = list(difflib.unified_diff(la, lb, "a/" + name, "b/" + name, n=0, lineterm=""))
            print(f"== {name}: {len(diff)} diff lines"); print("\n".join(diff[:12]))
    print(f"record_diff: {differing} of {len(names)} captures differ")
    return 1 if differing else 0

if __name__ == "__main__":
    sys.exit(main())
