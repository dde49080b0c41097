#!/usr/bin/env python3
"""Writes a chained baawatch JSON-lines log of N records for the verify/report memory benchmark.

The records follow docs/output-schema.md and the chain docs/tamper-evidence.md (the canonical
text is nlohmann's compact dump: keys sorted, no spaces, UTF-8 as is), so `baawatch verify` finds
the log intact. The mix is a clinic sensor with flow records on: mostly `flow` records, a
`counts` record per service and device every five minutes, alerts, encounters and an hourly
`stats` record, ~700 bytes a record on average. Devices, services and encounters per day are
those of one clinic, so a bigger log is a longer period, not a bigger clinic.

    bench/make_report_log.py --records 1000000 --out /tmp/log-1m.jsonl
"""
import argparse
import hashlib
import json
import random
from datetime import datetime, timedelta, timezone

SERVICES = [
    ("whatsapp", "WhatsApp", "Meta Platforms", "messaging", "g.whatsapp.net"),
    ("facetime", "Apple FaceTime", "Apple", "video", "facetime.apple.com"),
    ("signal", "Signal", "Signal Technology Foundation", "messaging", "chat.signal.org"),
    ("telegram", "Telegram", "Telegram Messenger", "messaging", "telegram.org"),
    ("zoom", "Zoom", "Zoom Communications", "video", "zoom.us"),
]
DEVICES = 40
# A flow record after its chain key, keys sorted: dest_ip, duration_seconds, flow_id, last_seen,
# record_id sequence, src_ip, src_port, timestamp.
FLOW_TEMPLATE = (
    '"clinic":"Bench Clinic","dest_ip":"%s","dest_port":443,"duration_seconds":%s,'
    '"end_reason":"idle","event_type":"flow","flow_id":%d,"last_seen":"%s","ndpi_label":"TLS",'
    '"proto":"tcp","record_id":"bench-sensor:0123456789abcdef:%d","schema_version":1,'
    '"sensor":"bench-sensor","service_id":null,"src_ip":"%s","src_port":%d,"timestamp":"%s",'
    '"tls_alpn":"h2","tls_ech_offered":false,"tls_sni":"gateway.icloud.com",'
    '"to_client":{"bytes":9800,"packets":14,"payload_bytes":9000},'
    '"to_server":{"bytes":2400,"packets":12,"payload_bytes":1800},"vlan":null')


def canonical(record):
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stamp(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


class ChainedWriter:
    def __init__(self, path, created):
        self.out = open(path, "w", encoding="utf-8")
        name = path.rsplit("/", 1)[-1]
        self.previous = hashlib.sha256(f"{name}\n{created}".encode()).hexdigest()
        self.write({"event_type": "chain_start", "schema_version": 1, "timestamp": created,
                    "file": name, "created": created, "hash_algorithm": "sha256",
                    "predecessor": None})

    def write_text(self, body):
        """A record given as its canonical text after the chain key, e.g. '"clinic":"x",...'
        (every key of it sorts after "chain")."""
        unsealed = '{"chain":{"prev_hash":"%s"},%s}' % (self.previous, body)
        digest = hashlib.sha256((self.previous + unsealed).encode()).hexdigest()
        self.out.write('{"chain":{"hash":"%s","prev_hash":"%s"},%s}\n' % (digest, self.previous, body))
        self.previous = digest

    def write(self, record):
        record["chain"] = {"prev_hash": self.previous}
        digest = hashlib.sha256((self.previous + canonical(record)).encode()).hexdigest()
        record["chain"]["hash"] = digest
        self.out.write(canonical(record) + "\n")
        self.previous = digest


def device(index):
    mac = "5a:3c:9e:41:%02x:%02x" % (index // 256, index % 256)
    return {"id": "mac:" + mac, "ip": "192.168.10.%d" % (10 + index), "mac": mac,
            "host_name": "clinic-device-%02d" % index}


def service(entry):
    sid, name, vendor, category, _ = entry
    return {"id": sid, "name": name, "vendor": vendor, "category": category,
            "baa_status": "available" if sid == "zoom" else "none",
            "baa_statement": "See the vendor's terms.", "baa_source": "https://example.org/"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    writer = ChainedWriter(args.out, stamp(start))
    base = {"schema_version": 1, "sensor": "bench-sensor", "clinic": "Bench Clinic"}
    now = start
    sequence = 0
    next_counts = start + timedelta(minutes=5)
    next_stats = start + timedelta(hours=1)
    written = 1
    while written < args.records:
        now += timedelta(milliseconds=rng.randint(200, 4000))
        sequence += 1
        dev = rng.randrange(DEVICES)
        svc = SERVICES[rng.randrange(len(SERVICES))]
        roll = rng.random()
        record = dict(base, record_id="bench-sensor:0123456789abcdef:%d" % sequence)
        if now >= next_stats:
            record.update(event_type="stats", timestamp=stamp(now), final=False,
                          counters={"capture.packets": sequence * 40, "flow.created": sequence,
                                    "policy.alerts": sequence // 30})
            next_stats += timedelta(hours=1)
        elif now >= next_counts:
            record.update(event_type="counts", timestamp=stamp(next_counts),
                          interval_start=stamp(next_counts - timedelta(minutes=5)),
                          interval_end=stamp(next_counts), partial=False, service_id=svc[0],
                          category=svc[3], device=device(dev), flows_classified=rng.randint(1, 9),
                          flows_ended=rng.randint(1, 9), alerts=0, suppressed=rng.randint(0, 3),
                          counted=0, from_device={"packets": 40, "bytes": 9000, "payload_bytes": 7000},
                          to_device={"packets": 50, "bytes": 30000, "payload_bytes": 27000})
            next_counts += timedelta(minutes=5)
        elif roll < 0.02:
            begin = now - timedelta(minutes=rng.randint(1, 30))
            record.update(event_type="encounter", timestamp=stamp(now),
                          encounter_id="%016x" % rng.getrandbits(64), device=device(dev),
                          service=service(svc), start=stamp(begin), end=stamp(now),
                          duration_seconds=float((now - begin).seconds), kind="messaging",
                          media=None, confidence="high", flows=rng.randint(1, 12),
                          from_device={"packets": 300, "bytes": 60000, "payload_bytes": 50000},
                          to_device={"packets": 400, "bytes": 90000, "payload_bytes": 80000},
                          remote_addresses=["157.240.229.%d" % rng.randint(1, 250)],
                          remote_addresses_truncated=False,
                          evidence=[{"rule_id": svc[0] + ".names", "field": "tls.sni",
                                     "value": svc[4], "packet_time": stamp(begin),
                                     "confidence": "high",
                                     "reason": "The service's documented host name."}],
                          evidence_truncated=False, alerts=1,
                          policy={"rule": "no_baa." + svc[3], "action": "alert", "version": "v1"})
        elif roll < 0.05:
            record.update(event_type="alert", timestamp=stamp(now),
                          alert_id="%016x" % rng.getrandbits(64), device=device(dev),
                          service=service(svc), confidence="high",
                          evidence=[{"rule_id": svc[0] + ".names", "field": "tls.sni",
                                     "value": svc[4], "packet_time": stamp(now),
                                     "confidence": "high",
                                     "reason": "The service's documented host name."}],
                          policy={"rule": "no_baa." + svc[3], "action": "alert", "version": "v1"})
        else:
            # Most records: written from a template in canonical key order (json.dumps per
            # record would make a 1M-record log take many minutes).
            writer.write_text(FLOW_TEMPLATE % (
                "17.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)),
                repr(rng.randint(1, 600) / 4), sequence, stamp(now), sequence,
                device(dev)["ip"], rng.randint(1024, 65535), stamp(now)))
            written += 1
            continue
        writer.write(record)
        written += 1
    writer.out.close()


if __name__ == "__main__":
    main()
