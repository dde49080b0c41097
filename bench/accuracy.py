#!/usr/bin/env python3
"""Per-flow accuracy of baawatch against nDPI's own labels (nDPI development version, 2024).

  bench/accuracy.py [--binary build/baawatch] [--corpus DIR] [--markdown docs/accuracy.md]

Replays every labelled capture of the shared corpus: each folder of DIR (default
$BAAWATCH_SHARED_CORPUS, else ../shared/pcaps) that holds an `expected-ndpi-2024/` folder, whose
`<capture>.out` files are ndpiReader's flow lists. baawatch runs on each capture with `--flows`;
its flow records are matched to nDPI's flows by protocol and both endpoints (either direction).
Flows whose nDPI master protocol is DNS are left out: a look-up is not use. Labels become service
ids through bench/ndpi-labels.tsv (one row per nDPI name, with its reason).

Printed per service: reference flows (nDPI 2024 names the service), nDPI 4.2 right (the
`ndpi_label` of our own flow record maps to it), baawatch right, wrong service (baawatch names
another service), none (baawatch names no service); recall = right / reference; precision =
right / flows baawatch gave the service. The same for messaging+video and for visibility
(VPN, encrypted DNS, Tor, iCloud Private Relay) as groups; then every disagreement with the
rule ids of baawatch's evidence. Standard library only.
"""
import argparse
import collections
import concurrent.futures
import datetime
import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LABEL_FOLDER = "expected-ndpi-2024"
GROUPS = {
    "messaging+video": ("messaging", "video"),
    "visibility (VPN, encrypted DNS, Tor, Private Relay)": ("visibility-loss",),
}

# One ndpiReader flow line: "\t12\tUDP 1.2.3.4:5 <-> [2001:db8::1]:443 [VLAN: 7][proto: 78.45/STUN.WhatsAppCall]..."
FLOW_LINE = re.compile(
    r"^\s*\d+\s+(?P<proto>\S+)\s+(?P<a>\S+)\s+(?:<->|->)\s+(?P<b>\S+)\s+(?P<rest>\[.*)$")
PROTO_FIELD = re.compile(r"\[proto: (?:[^:\]/]+:)?[0-9.]+/(?P<label>[^\]]+)\]")


def endpoint(text):
    """'1.2.3.4:80' or '[2001:db8::1]:80' -> ('1.2.3.4', 80), the address in canonical form."""
    if text.startswith("["):
        address, _, port = text[1:].partition("]:")
    else:
        address, _, port = text.rpartition(":")
    return (ipaddress.ip_address(address).compressed, int(port or 0))


def flow_key(protocol, a, b):
    return (protocol.lower(), frozenset((a, b)) if a != b else frozenset((a,)))


def split_label(label):
    """'STUN.WhatsAppCall' -> ('STUN', 'WhatsAppCall'); 'Telegram' -> ('Telegram', 'Telegram')."""
    master, dot, app = label.partition(".")
    return (master, app if dot else master)


def load_label_table(path):
    table = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[2].strip():
            sys.exit(f"{path}:{number}: want 'label<TAB>service ids<TAB>reason'")
        label, services, _reason = fields
        if label in table:
            sys.exit(f"{path}:{number}: label '{label}' listed twice")
        table[label] = () if services == "-" else tuple(services.split("|"))
    return table


def load_categories(signatures):
    """Service id -> category, read from the top-level keys of signatures/services/*.yaml."""
    categories = {}
    for file in sorted((signatures / "services").glob("*.yaml")):
        text = file.read_text()
        service = re.search(r"^id:\s*(\S+)", text, re.M)
        category = re.search(r"^category:\s*(\S+)", text, re.M)
        if service and category:
            categories[service.group(1)] = category.group(1)
    return categories


def reference_flows(out_file, table):
    """Flow key -> (nDPI 2024 label, acceptable service ids); DNS look-ups left out."""
    flows = {}
    for line in out_file.read_text(errors="replace").splitlines():
        match = FLOW_LINE.match(line)
        if not match:
            continue
        proto_field = PROTO_FIELD.search(match["rest"])
        if not proto_field:
            continue
        label = proto_field["label"]
        master, app = split_label(label)
        if master == "DNS":
            continue
        try:
            key = flow_key(match["proto"], endpoint(match["a"]), endpoint(match["b"]))
        except ValueError:
            continue
        services = table.get(app, ())
        # Two nDPI flows on one key (a reused port): keep the one that names a service.
        if key in flows and not services:
            continue
        flows[key] = (label, services)
    return flows


def baawatch_flows(binary, config, capture):
    """Flow key -> list of our flow records for that key."""
    proc = subprocess.run([str(binary), "-c", str(config), "--flows", "-r", str(capture)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{capture}: baawatch exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    flows = collections.defaultdict(list)
    for line in proc.stdout.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("event_type") != "flow":
            continue
        client = (ipaddress.ip_address(record["client_ip"]).compressed, record.get("client_port") or 0)
        server = (ipaddress.ip_address(record["server_ip"]).compressed, record.get("server_port") or 0)
        flows[flow_key(record["protocol"], client, server)].append(record)
    return flows


def verdict_of(records):
    """One verdict per flow key: the first attributed record, else the first record."""
    for record in records:
        if record.get("service_id"):
            return record
    return records[0]


def rule_ids(record):
    rules = []
    for item in record.get("evidence") or []:
        rule = item.get("rule_id") if isinstance(item, dict) else None
        if rule and rule not in rules:
            rules.append(rule)
    return rules


class Tally:
    def __init__(self):
        self.reference = self.ndpi42 = self.right = self.wrong = self.none = 0
        self.claimed = self.claimed_right = 0  # flows baawatch gave this service, and of them right

    def recall(self):
        return self.right / self.reference if self.reference else None

    def ndpi_recall(self):
        return self.ndpi42 / self.reference if self.reference else None

    def precision(self):
        return self.claimed_right / self.claimed if self.claimed else None


def percent(value):
    return "—" if value is None else f"{100 * value:.0f}%"


def evaluate(args):
    table = load_label_table(args.labels)
    categories = load_categories(args.signatures)
    unknown = sorted({s for services in table.values() for s in services} - set(categories))
    if unknown:
        sys.exit(f"{args.labels}: service ids not in {args.signatures}/services: {', '.join(unknown)}")
    captures = []
    for label_folder in sorted(args.corpus.rglob(LABEL_FOLDER)):
        for out_file in sorted(label_folder.glob("*.out")):
            capture = label_folder.parent / out_file.name[:-len(".out")]
            if capture.is_file():
                captures.append((capture, out_file))
    if not captures:
        print(f"skipped: shared corpus not found (no {LABEL_FOLDER}/ under {args.corpus})")
        sys.exit(0)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        ours = list(pool.map(lambda c: baawatch_flows(args.binary, args.config, c[0]), captures))

    per_service = collections.defaultdict(Tally)
    disagreements = []
    unmatched_reference = unmatched_ours = matched = 0
    for (capture, out_file), our_flows in zip(captures, ours):
        reference = reference_flows(out_file, table)
        name = str(capture.relative_to(args.corpus))
        for key, (label, services) in sorted(reference.items(), key=lambda kv: str(sorted(kv[0][1]))):
            records = our_flows.get(key)
            if not records:
                if services:
                    unmatched_reference += 1
                continue
            matched += 1
            record = verdict_of(records)
            ours_id = record.get("service_id")
            ndpi42_label = record.get("ndpi_label") or ""
            ndpi42_services = table.get(split_label(ndpi42_label)[1], ()) if ndpi42_label else ()
            if services:
                tally = per_service[services[0]]
                tally.reference += 1
                if set(ndpi42_services) & set(services):
                    tally.ndpi42 += 1
                if ours_id in services:
                    tally.right += 1
                elif ours_id:
                    tally.wrong += 1
                else:
                    tally.none += 1
            if ours_id:
                # Precision: the flow is counted under the service baawatch named.
                per_service[ours_id].claimed += 1
                if ours_id in services:
                    per_service[ours_id].claimed_right += 1
            if (services or ours_id) and ours_id not in services:
                endpoints = " ".join(f"{ip}:{port}" for ip, port in sorted(key[1]))
                disagreements.append((name, key[0], endpoints, label, "|".join(services) or "-",
                                      ndpi42_label or "-", ours_id or "-",
                                      record.get("confidence") or "", rule_ids(record)))
        unmatched_ours += sum(1 for key in our_flows if key not in reference)

    groups = {}
    for group, wanted in GROUPS.items():
        total = Tally()
        for service, tally in per_service.items():
            if categories.get(service) in wanted:
                for field in vars(total):
                    setattr(total, field, getattr(total, field) + getattr(tally, field))
        groups[group] = total
    return dict(captures=captures, per_service=per_service, groups=groups, categories=categories,
                disagreements=disagreements, matched=matched,
                unmatched_reference=unmatched_reference, unmatched_ours=unmatched_ours)


def render(result, command):
    lines = []
    out = lines.append
    out("| service | category | reference flows | nDPI 4.2 right | baawatch right | wrong service | none | baawatch gave it | recall (nDPI 4.2) | baawatch recall | baawatch precision |")
    out("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    categories = result["categories"]
    for service in sorted(result["per_service"], key=lambda s: (categories.get(s, ""), s)):
        t = result["per_service"][service]
        out(f"| {service} | {categories.get(service, '?')} | {t.reference} | {t.ndpi42} | {t.right} | {t.wrong} | {t.none} | {t.claimed} | {percent(t.ndpi_recall())} | {percent(t.recall())} | {percent(t.precision())} |")
    for group, t in result["groups"].items():
        out(f"| **{group}** | | {t.reference} | {t.ndpi42} | {t.right} | {t.wrong} | {t.none} | {t.claimed} | {percent(t.ndpi_recall())} | **{percent(t.recall())}** | **{percent(t.precision())}** |")
    out("")
    out(f"{len(result['captures'])} labelled captures; {result['matched']} flows matched by 5-tuple "
        f"(DNS look-ups left out); {result['unmatched_reference']} reference flows of our services "
        f"had no baawatch flow with the same 5-tuple; {result['unmatched_ours']} baawatch flows had "
        f"no nDPI flow (both are left out of the figures).")
    out("")
    out("### Disagreements")
    out("")
    out("| capture | proto | endpoints | nDPI 2024 | expected | nDPI 4.2 | baawatch | confidence | rules |")
    out("|---|---|---|---|---|---|---|---|---|")
    for d in result["disagreements"]:
        name, proto, endpoints, label, expected, ndpi42, ours_id, confidence, rules = d
        out(f"| {name} | {proto} | {endpoints} | {label} | {expected} | {ndpi42} | {ours_id} | {confidence} | {', '.join(rules) or '-'} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", type=Path, default=REPO / "build/baawatch")
    parser.add_argument("--config", type=Path, default=REPO / "etc/baawatch.yaml")
    parser.add_argument("--signatures", type=Path, default=REPO / "signatures")
    parser.add_argument("--labels", type=Path, default=REPO / "bench/ndpi-labels.tsv")
    parser.add_argument("--corpus", type=Path,
                        default=Path(os.environ.get("BAAWATCH_SHARED_CORPUS", REPO.parent / "shared/pcaps")))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--markdown", type=Path, help="also write the tables into this file, between the "
                        "'<!-- accuracy:begin -->' and '<!-- accuracy:end -->' marks")
    parser.add_argument("--min-recall", type=float, help="exit 1 when messaging+video recall is lower (0-1)")
    args = parser.parse_args()
    args.corpus = args.corpus.resolve()

    result = evaluate(args)
    text = render(result, " ".join(sys.argv))
    print(text, end="")
    if args.markdown:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        block = (f"<!-- accuracy:begin -->\nMeasured {stamp} with `bench/accuracy.py` "
                 f"(baawatch {git_revision()}).\n\n{text}<!-- accuracy:end -->")
        doc = args.markdown.read_text() if args.markdown.exists() else ""
        if "<!-- accuracy:begin -->" in doc:
            doc = re.sub(r"<!-- accuracy:begin -->.*?<!-- accuracy:end -->", lambda _: block, doc, flags=re.S)
        else:
            doc += ("\n" if doc else "") + block + "\n"
        args.markdown.write_text(doc)
    if args.min_recall is not None:
        recall = result["groups"]["messaging+video"].recall() or 0.0
        if recall < args.min_recall:
            print(f"messaging+video recall {recall:.3f} < {args.min_recall}", file=sys.stderr)
            sys.exit(1)


def git_revision():
    proc = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                          capture_output=True, text=True)
    return proc.stdout.strip() or "unknown revision"


if __name__ == "__main__":
    main()
