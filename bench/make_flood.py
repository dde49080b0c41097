#!/usr/bin/env python3
"""Write a scan capture: N packets, each the first (and only) packet of a new flow.

    python3 bench/make_flood.py OUT.pcap [--flows N] [--pps R] [--udp] [--hosts H]

One scanner (192.168.10.66, source port 40000, as nmap keeps one source port per scan) probes
H hosts of 198.18.0.0/15 (RFC 2544's benchmarking range: no signature names it) over rising
ports: flow i goes to host i mod H, port 1 + (i div H) mod 65535, so every packet is a new
5-tuple. TCP (default): a bare SYN with no payload to a host that never answers (filtered),
nmap's window of 1024. --udp: an 8-byte probe per port instead. Packets are R per second of
packet time (default 20,000), so a flow table with a cap far below N fills within seconds and
then evicts on every packet; the shortest idle timeout (10 s) is never reached first at the
default rate.

IPv4 and TCP checksums are correct (computed incrementally from a fixed template). Output
depends only on the arguments; a million packets take a few seconds (CPython, standard
library only). Used by bench/run-bench.sh (flood and memory-per-flow) and by the flow-cap
regression test (tests/regression/flood_flow_cap.sh); never commit its output.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys

BASE_TIME_US = 1_748_779_200 * 1_000_000  # 2025-06-01T12:00:00Z, like the test captures
SCANNER = bytes([192, 168, 10, 66])
SCANNER_PORT = 40000
TARGET_BASE = (198 << 24) | (18 << 16)  # 198.18.0.0/15
SCANNER_MAC = bytes.fromhex("3c22fb10a042")
GATEWAY_MAC = bytes.fromhex("000db95a1001")


def fold(total: int) -> int:
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def words(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    return sum(struct.unpack(f"!{len(data) // 2}H", data))


def write_flood(path: str, flows: int, pps: int, udp: bool, hosts: int) -> None:
    protocol = 17 if udp else 6
    payload = b"\x00" * 8 if udp else b""
    l4_length = (8 if udp else 20) + len(payload)
    ip_length = 20 + l4_length
    frame_length = 14 + ip_length
    ethernet = GATEWAY_MAC + SCANNER_MAC + b"\x08\x00"
    # Sums of the header words that never change; per packet only the identification, the
    # destination address and port (and the TCP sequence number) are added.
    ip_constant = words(struct.pack("!BBHHHBBH4s", 0x45, 0, ip_length, 0, 0x4000, 64, protocol, 0,
                                    SCANNER))
    pseudo_constant = words(SCANNER) + protocol + l4_length
    if udp:
        l4_constant = pseudo_constant + SCANNER_PORT + l4_length + words(payload)
    else:
        l4_constant = pseudo_constant + SCANNER_PORT + (0x50 << 8 | 0x02) + 1024
    record_header = struct.Struct("<IIII")
    ip_header = struct.Struct("!BBHHHBBH4sI")
    tcp_header = struct.Struct("!HHIIBBHHH")
    udp_header = struct.Struct("!HHHH")
    interval_us = 1_000_000 / pps
    with open(path, "wb") as stream:
        stream.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        chunk = []
        for i in range(flows):
            host = TARGET_BASE + 1 + i % hosts
            port = 1 + (i // hosts) % 65535
            ident = i & 0xFFFF
            address_sum = (host >> 16) + (host & 0xFFFF)
            ip_checksum = ~fold(ip_constant + ident + address_sum) & 0xFFFF
            ip = ip_header.pack(0x45, 0, ip_length, ident, 0x4000, 64, protocol, ip_checksum,
                                SCANNER, host)
            if udp:
                checksum = ~fold(l4_constant + address_sum + port) & 0xFFFF
                l4 = udp_header.pack(SCANNER_PORT, port, l4_length, checksum or 0xFFFF) + payload
            else:
                sequence = (i * 2654435761) & 0xFFFFFFFF
                checksum = ~fold(l4_constant + address_sum + port + (sequence >> 16) +
                                 (sequence & 0xFFFF)) & 0xFFFF
                l4 = tcp_header.pack(SCANNER_PORT, port, sequence, 0, 0x50, 0x02, 1024, checksum, 0)
            time_us = BASE_TIME_US + int(i * interval_us)
            chunk.append(record_header.pack(time_us // 1_000_000, time_us % 1_000_000,
                                            frame_length, frame_length))
            chunk.append(ethernet + ip + l4)
            if len(chunk) >= 8192:
                stream.write(b"".join(chunk))
                chunk.clear()
        stream.write(b"".join(chunk))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--flows", type=int, default=1_000_000, help="packets = new flows")
    parser.add_argument("--pps", type=int, default=20_000, help="packets per second of packet time")
    parser.add_argument("--udp", action="store_true", help="UDP probes instead of TCP SYNs")
    parser.add_argument("--hosts", type=int, default=4096, help="target hosts (ports rise per round)")
    args = parser.parse_args()
    if args.flows < 1 or args.pps < 1 or not 1 <= args.hosts < 1 << 17:
        parser.error("--flows and --pps must be positive, --hosts 1..131071 (198.18.0.0/15)")
    if args.flows > args.hosts * 65535:
        parser.error("more flows than hosts x ports: raise --hosts")
    tmp = args.output + ".tmp"
    write_flood(tmp, args.flows, args.pps, args.udp, args.hosts)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
