#!/usr/bin/env python3
"""Runs baawatch, ndpiReader and bare_read on the same captures and prints medians, ratios and
the issue-7 targets. Called by bench/run-bench.sh, which builds the binaries and the captures;
run that, not this. Python 3 standard library only.

Every run is one child process under GNU /usr/bin/time: wall time is measured around it, CPU
time (user + sys) and peak RSS are the child's own rusage as time reports it. Packets and bytes come
from bare_read's count of the file, so every tool is divided by the same numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

TIME = "/usr/bin/time"  # GNU time (Debian package `time`)


def run_once(argv: list[str]) -> dict:
    """Runs argv with stdout/stderr discarded; returns wall, cpu (s) and peak RSS (KiB).

    CPU time and peak RSS come from GNU time (wait4 of its own small child): a child forked from
    this Python process would report Python's resident memory as its own peak."""
    with tempfile.NamedTemporaryFile(mode="r", prefix="baawatch-time-") as usage:
        start = time.perf_counter()
        code = subprocess.call([TIME, "-f", "%U %S %M", "-o", usage.name] + argv,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"measure: {' '.join(argv)} exited with {code}")
        user, system, rss = usage.read().split()[-3:]
    return {"wall": wall, "cpu": float(user) + float(system), "user": float(user),
            "sys": float(system), "rss_kib": int(rss)}


def count_file(bare_read: str, capture: str) -> dict:
    out = subprocess.run([bare_read, capture], check=True, capture_output=True, text=True).stdout
    fields = out.split()
    values = dict(zip(fields[0::2], (int(v) for v in fields[1::2])))
    return {"packets": values["packets"], "bytes": values["bytes"], "wire_bytes": values["wire_bytes"]}


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def peak_tracked_flows(baawatch: str, capture: str, scratch: str) -> tuple[int, int]:
    """One extra baawatch run with a stats record every packet-second: the largest flow.active
    seen, and flow.created at the end."""
    config = os.path.join(scratch, "census.yaml")
    output = os.path.join(scratch, "census.jsonl")
    with open(config, "w", encoding="utf-8") as stream:
        stream.write("output:\n  stats_interval: 1s\n")
    subprocess.run([baawatch, "-c", config, "-r", capture, "-o", output], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = created = 0
    with open(output, encoding="utf-8") as stream:
        for line in stream:
            if '"event_type":"stats"' not in line.replace(" ", ""):
                continue
            counters = json.loads(line).get("counters", {})
            peak = max(peak, counters.get("flow.active", 0))
            created = max(created, counters.get("flow.created", 0))
    os.remove(output)
    return peak, created


def flood_run(baawatch: str, capture: str, cap: int, scratch: str) -> dict:
    """One baawatch run on a flood capture with flows.max_flows = cap and a stats record every
    packet-second, under GNU time: CPU, wall, peak RSS, the largest flow.active of any stats
    record and the final record's flow counters."""
    config = os.path.join(scratch, f"flood-{cap}.yaml")
    output = os.path.join(scratch, "flood.jsonl")
    with open(config, "w", encoding="utf-8") as stream:
        stream.write(f"output:\n  stats_interval: 1s\nflows:\n  max_flows: {cap}\n")
    if os.path.exists(output):
        os.remove(output)
    row = run_once([baawatch, "-c", config, "-r", capture, "-o", output])
    peak = 0
    final: dict = {}
    with open(output, encoding="utf-8") as stream:
        for line in stream:
            if '"stats"' not in line:
                continue
            record = json.loads(line)
            if record.get("event_type") != "stats":
                continue
            counters = record.get("counters", {})
            peak = max(peak, counters.get("flow.active", 0))
            if record.get("final"):
                final = counters
    os.remove(output)
    row.update(max_active=peak, created=final.get("flow.created", 0),
               evicted=final.get("flow.ended.evicted", 0), final_seen=bool(final))
    return row


def flood_section(args, say, base_rss_kib: float) -> list[tuple[str, float, float, bool]]:
    """The scan flood (issue 7): peak RSS flat at the flow cap, evictions counted, memory per
    tracked flow at the cap. Returns the targets as (name, value, target, higher_is_better)."""
    cap = args.flood_cap
    captures = [("quarter", args.flood_quarter), ("full", args.flood)]
    rows = {}
    with tempfile.TemporaryDirectory(prefix="baawatch-flood-") as scratch:
        say(f"flood: a scan, every packet a new flow (bench/make_flood.py); flows.max_flows {cap:,}, "
            "a stats record every packet-second")
        say(f"  {'capture':<18} {'packets':>9} {'wall s':>7} {'CPU s':>6} {'CPU kpps':>8} {'peak RSS':>10} "
            f"{'max flow.active':>15} {'flow.created':>12} {'flow.ended.evicted':>18}")
        for label, capture in captures:
            packets = count_file(args.bare_read, capture)["packets"]
            runs = [flood_run(args.baawatch, capture, cap, scratch) for _ in range(args.runs)]
            last = runs[-1]
            row = {"packets": packets, "wall": median_of(runs, "wall"), "cpu": median_of(runs, "cpu"),
                   "rss_kib": median_of(runs, "rss_kib"), "max_active": max(r["max_active"] for r in runs),
                   "created": last["created"], "evicted": last["evicted"], "final_seen": last["final_seen"]}
            rows[label] = row
            say(f"  {os.path.basename(capture):<18} {packets:>9,} {row['wall']:7.2f} {row['cpu']:6.2f} "
                f"{packets / max(row['cpu'], 1e-9) / 1e3:8.0f} {row['rss_kib'] / 1024:6.1f} MiB "
                f"{row['max_active']:>15,} {row['created']:>12,} {row['evicted']:>18,}")
        small_cap = max(cap // 4, 1)
        small = [flood_run(args.baawatch, args.flood_quarter, small_cap, scratch) for _ in range(args.runs)]
        small_rss = median_of(small, "rss_kib")
    full, quarter = rows["full"], rows["quarter"]
    flat = full["rss_kib"] / quarter["rss_kib"]
    expected_evictions = full["packets"] - cap
    per_flow = (full["rss_kib"] - base_rss_kib) * 1024 / cap
    marginal = (quarter["rss_kib"] - small_rss) * 1024 / (cap - small_cap)
    say(f"  peak RSS after {full['packets']:,} flows / after {quarter['packets']:,}: "
        f"{full['rss_kib'] / 1024:.1f} / {quarter['rss_kib'] / 1024:.1f} MiB = {flat:.3f}")
    say(f"  evictions: {full['evicted']:,} counted, {expected_evictions:,} expected "
        f"({full['packets']:,} new flows - cap {cap:,}); largest flow.active {full['max_active']:,}")
    say(f"  memory per tracked flow at the cap: (peak RSS {full['rss_kib'] / 1024:.1f} MiB - start-up "
        f"{base_rss_kib / 1024:.1f} MiB) / {cap:,} flows = {per_flow:,.0f} bytes ({per_flow / 1024:.2f} KiB)")
    say(f"  marginal (same capture, cap {cap:,} vs {small_cap:,}): ({quarter['rss_kib'] / 1024:.1f} - "
        f"{small_rss / 1024:.1f} MiB) / {cap - small_cap:,} flows = {marginal:,.0f} bytes per flow")
    say()
    counted_ok = (full["final_seen"] and full["evicted"] == expected_evictions
                  and full["max_active"] <= cap and full["created"] == full["packets"])
    return [
        ("peak RSS per tracked flow at the cap <= 1.5 KiB", per_flow / 1024, 1.5, False),
        ("flood: peak RSS flat at the cap (1M/250k <= 1.05)", flat, 1.05, False),
        ("flood: every eviction counted, flow.active <= cap", 1.0 if counted_ok else 0.0, 1.0, True),
    ]


def workers_section(args, say) -> float:
    """--threads 1 against --threads 2 on the flow-dense capture; returns the wall speed-up.

    Workers scale wall time, not CPU time, so this compares wall-clock medians. Wall time is the
    noisiest figure on a small VM, so the two settings alternate run by run (drift hits both
    alike) and get at least five runs each."""
    capture = args.flow_dense
    argv = [args.baawatch, "-r", capture, "-o", "/dev/null", "--threads"]
    runs = max(args.runs, 5)
    one, two = [], []
    for _ in range(runs):
        one.append(run_once(argv + ["1"]))
        two.append(run_once(argv + ["2"]))
    say(f"workers: {os.path.basename(capture)}, --threads 1 and 2 alternating, {runs} runs each")
    for label, rows in (("1 worker ", one), ("2 workers", two)):
        walls = " ".join(f"{row['wall']:.2f}" for row in rows)
        say(f"  {label}  wall median {median_of(rows, 'wall'):.3f} s, CPU median "
            f"{median_of(rows, 'cpu'):.2f} s (user {median_of(rows, 'user'):.2f}, sys "
            f"{median_of(rows, 'sys'):.2f}), peak RSS {median_of(rows, 'rss_kib') / 1024:.1f} MiB; walls {walls}")
    speedup = median_of(one, "wall") / max(median_of(two, "wall"), 1e-9)
    extra = median_of(two, "cpu") - median_of(one, "cpu")
    say(f"  speed-up {speedup:.2f}x; threading costs {extra:.2f} CPU s more "
        f"({extra / max(median_of(one, 'cpu'), 1e-9) * 100:.0f}% of one worker's CPU)")
    say()
    return speedup


def live_section(args, say) -> None:
    """Optional: the highest tcpreplay rate without kernel drops (bench/live_rate.sh): the
    long-flow capture with the capture defaults and with batched delivery, then the flow-dense
    one (small packets, many new flows) with one and with two workers."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "live_rate.sh")
    say("live rate: tcpreplay --mbps steps into a veth pair, baawatch -i on the other end "
        "(bench/live_rate.sh; tcpreplay shares the CPUs with baawatch)")
    # The daemon's capture defaults (immediate mode, snaplen 262,144), then batched delivery
    # (TPACKET_V3 blocks): in immediate mode libpcap sizes each ring frame for the snaplen when
    # the interface has offloads, so a 16 MiB buffer holds only a few hundred packets.
    steps = [(args.live, []), (args.live, ["--capture-yaml", "immediate: false"])]
    if args.live_dense:
        dense_rates = ["--rates", "100 200 400 600 800 1000 1500 2000"]
        steps.append((args.live_dense, dense_rates))
        steps.append((args.live_dense, dense_rates + ["--workers", "2"]))
    for capture, extra in steps:
        say(f"  {os.path.basename(capture)} {' '.join(extra)}".rstrip())
        result = subprocess.run(["bash", script, args.baawatch, capture] + extra,
                                capture_output=True, text=True)
        text = (result.stdout + ("" if result.returncode in (0, 77) else result.stderr)).rstrip()
        for line in text.splitlines():
            say(line if line.startswith("  ") else "  " + line)
        if result.returncode == 77:
            break
        if result.returncode != 0:
            say(f"  live rate: FAILED (exit {result.returncode})")
    say()


def machine_facts() -> list[str]:
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    ndpi = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libndpi-bin"],
                          capture_output=True, text=True).stdout or "unknown"
    return [f"nproc {os.cpu_count()}, CPU model \"{model}\", memory {memory_kib / 1048576:.1f} GiB",
            f"kernel {platform.release()}, ndpiReader (libndpi-bin) {ndpi}, "
            f"load average before the run {load}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baawatch", required=True)
    parser.add_argument("--bare-read", required=True)
    parser.add_argument("--ndpi-reader", default="ndpiReader")
    parser.add_argument("--flow-dense")
    parser.add_argument("--long-flow")
    parser.add_argument("--tiny", required=True, help="one-packet capture: start-up cost and base RSS")
    parser.add_argument("--flood", help="scan capture, one new flow per packet (1M)")
    parser.add_argument("--flood-quarter", help="the first quarter of it (250k)")
    parser.add_argument("--flood-cap", type=int, default=65536, help="flows.max_flows for the flood")
    parser.add_argument("--flood-only", action="store_true", help="only the flood and memory part")
    parser.add_argument("--live", help="capture for the live-rate steps (needs root); omit to skip")
    parser.add_argument("--live-dense", help="flow-dense capture for live steps with 1 and 2 workers")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--command", default="bench/run-bench.sh", help="shown in the report")
    parser.add_argument("--report", help="also write the report here (markdown code block)")
    args = parser.parse_args()

    tools = {
        "baawatch": lambda capture: [args.baawatch, "-r", capture, "-o", "/dev/null"],
        "ndpiReader": lambda capture: [args.ndpi_reader, "-q", "-i", capture],
        "bare_read": lambda capture: [args.bare_read, capture],
    }
    captures = {"flow-dense": args.flow_dense, "long-flow": args.long_flow}
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    say(f"$ {args.command}")
    for fact in machine_facts():
        say(fact)
    say(f"runs per tool and capture: {args.runs} (medians). Mpps = packets / wall time (start-up "
        "included); CPU Mpps = packets / (user + sys) of the process; 'net' subtracts the median "
        "on a 1-packet capture. Targets use CPU time: on a shared, loaded host wall time measures "
        "the neighbours, and every tool here processes packets on one thread.")
    say()

    if args.flood_only:
        tools = {"baawatch": tools["baawatch"]}
    startup = {name: [run_once(argv(args.tiny)) for _ in range(args.runs)] for name, argv in tools.items()}
    results: dict[str, dict[str, dict]] = {}
    for label, capture in ({} if args.flood_only else captures).items():
        size = count_file(args.bare_read, capture)
        say(f"{label}: {os.path.basename(capture)}: {size['packets']:,} packets, "
            f"{size['wire_bytes'] / 1e6:,.1f} MB on the wire")
        say(f"  {'tool':<11} {'wall s':>7} {'Mpps':>7} {'Mbit/s':>8} {'CPU s':>7} {'user':>6} "
            f"{'sys':>6} {'CPU Mpps':>8} {'net CPU Mpps':>12} {'CPU Mbit/s':>10} {'peak RSS':>10}")
        results[label] = {}
        for name, argv in tools.items():
            # Interleaving would be fairer to drift; running each tool back to back keeps its file
            # pages and allocator warm the same way for all three.
            runs = [run_once(argv(capture)) for _ in range(args.runs)]
            wall = median_of(runs, "wall")
            cpu = max(median_of(runs, "cpu"), 1e-9)
            net_cpu = max(cpu - median_of(startup[name], "cpu"), 1e-9)
            row = {"wall": wall, "pps": size["packets"] / wall,
                   "mbps": size["wire_bytes"] * 8 / wall / 1e6, "cpu_pps": size["packets"] / cpu,
                   "net_cpu_pps": size["packets"] / net_cpu,
                   "cpu_mbps": size["wire_bytes"] * 8 / cpu / 1e6,
                   "cpu": cpu, "user": median_of(runs, "user"),
                   "sys": median_of(runs, "sys"), "rss_kib": median_of(runs, "rss_kib"),
                   "walls": [run["wall"] for run in runs]}
            results[label][name] = row
            say(f"  {name:<11} {wall:7.3f} {row['pps'] / 1e6:7.3f} {row['mbps']:8.0f} {cpu:7.2f} "
                f"{row['user']:6.2f} {row['sys']:6.2f} {row['cpu_pps'] / 1e6:8.3f} "
                f"{row['net_cpu_pps'] / 1e6:12.3f} {row['cpu_mbps']:10.0f} {row['rss_kib'] / 1024:6.1f} MiB")
        say("  walls: " + "; ".join(f"{name} " + " ".join(f"{w:.3f}" for w in row["walls"])
                                    for name, row in results[label].items()))
        baa = results[label]["baawatch"]
        ndpi, bare = results[label]["ndpiReader"], results[label]["bare_read"]
        say(f"  ratios of medians: baawatch/ndpiReader CPU {baa['cpu_pps'] / ndpi['cpu_pps']:.2f}x "
            f"(net {baa['net_cpu_pps'] / ndpi['net_cpu_pps']:.2f}x, wall {baa['pps'] / ndpi['pps']:.2f}x); "
            f"baawatch/bare_read CPU {baa['cpu_pps'] / bare['cpu_pps']:.3f} "
            f"(net {baa['net_cpu_pps'] / bare['net_cpu_pps']:.3f}, wall {baa['pps'] / bare['pps']:.3f})")
        say()

    say("start-up (1-packet capture): " + ", ".join(
        f"{name} {median_of(runs, 'wall') * 1000:.0f} ms wall, {median_of(runs, 'cpu') * 1000:.0f} ms CPU, "
        f"{median_of(runs, 'rss_kib') / 1024:.1f} MiB"
        for name, runs in startup.items()))
    base_rss = median_of(startup["baawatch"], "rss_kib")
    if not args.flood_only:
        with tempfile.TemporaryDirectory(prefix="baawatch-bench-") as scratch:
            peak, created = peak_tracked_flows(args.baawatch, args.flow_dense, scratch)
        dense_rss = results["flow-dense"]["baawatch"]["rss_kib"]
        census = (dense_rss - base_rss) / peak if peak else float("nan")
        say(f"flow-dense census (stats every packet-second): {created:,} flows created, "
            f"peak {peak:,} tracked at once; baawatch peak RSS {dense_rss / 1024:.1f} MiB - "
            f"start-up {base_rss / 1024:.1f} MiB = {census * 1024:,.0f} bytes per tracked flow "
            "(an upper bound: fixed costs not amortised over ~5k flows)")
    say()
    flood_targets = flood_section(args, say, base_rss) if args.flood else []
    if args.live:
        live_section(args, say)

    def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
        ok = value >= target if higher_is_better else value <= target
        if ok:
            margin = value / target if higher_is_better else target / value
            return f"PASS ({margin:.2f}x the target)"
        if higher_is_better:
            return f"MISS (at {value / target * 100:.0f}% of the target; {target / value:.2f}x short)"
        return f"MISS ({value / target * 100:.0f}% of the limit; {value / target:.2f}x over)"

    speedup = workers_section(args, say) if not args.flood_only else float("nan")
    say(f"load average after the run: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    say("targets (issue 7), on CPU-time medians of whole processes:")
    if not args.flood_only:
        dense = results["flow-dense"]
        ratio_ndpi = dense["baawatch"]["cpu_pps"] / dense["ndpiReader"]["cpu_pps"]
        long_flow = results["long-flow"]
        ratio_bare = long_flow["baawatch"]["cpu_pps"] / long_flow["bare_read"]["cpu_pps"]
        say(f"  1 worker >= 3x ndpiReader pps on flow-dense:  {ratio_ndpi:.2f}x  -> {verdict(ratio_ndpi, 3.0)}")
        say(f"  >= 50% of bare-read pps on long-flow:         {ratio_bare * 100:.1f}% -> {verdict(ratio_bare, 0.5)}")
    for name, value, target, higher in flood_targets:
        if target == 1.0 and higher:  # a yes/no check
            say(f"  {name + ':':<46} {'yes' if value else 'no':<6} -> {'PASS' if value else 'MISS'}")
        elif "KiB" in name:
            say(f"  {name + ':':<46} {value:.2f} KiB -> {verdict(value, target, higher)}")
        else:
            say(f"  {name + ':':<46} {value:.3f}  -> {verdict(value, target, higher)}")
    if not args.flood:
        say("  memory per tracked flow, flood:              not measured (no --flood capture)")
    if not args.flood_only:
        say(f"  2 workers >= 1.7x one worker (wall, flow-dense): {speedup:.2f}x -> {verdict(speedup, 1.7)}")

    if args.report:
        with open(args.report, "w", encoding="utf-8") as stream:
            stream.write("```\n" + "\n".join(lines) + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
