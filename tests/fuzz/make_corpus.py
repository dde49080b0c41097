#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, cut from the project's own captures (pcaps/*.pcap[ng]).

    python3 tests/fuzz/make_corpus.py            # rewrite tests/fuzz/corpus/<target>/
    python3 tests/fuzz/make_corpus.py --check    # exit 1 when the checked-in seeds differ

Python 3 standard library only; deterministic (files named by the SHA-1 of their bytes, so a
seed that libFuzzer also finds is not stored twice). Kept small on purpose: at most PER_TARGET
seeds per target, each at most MAX_SEED bytes; the fuzzer grows its own corpus from these in a
scratch folder that is never committed.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import os
import shutil
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, os.pardir, os.pardir))
PER_TARGET = 40
MAX_SEED = 4096
# Same order as kLinkTypes in fuzz_support.hpp: byte 0 of a frame seed is an index into it.
LINK_TYPES = [1, 0, 101, 12, 14, 108, 113, 276, 228, 229, 105, 147]


def read_capture(path: str):
    """Yields (linktype, frame) for classic pcap (either byte order, µs or ns) and pcapng (EPB/SPB)."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = "<" if magic[0] in (0xD4, 0x4D) else ">"
        linktype = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
        offset = 24
        while offset + 16 <= len(data):
            incl = struct.unpack(endian + "I", data[offset + 8:offset + 12])[0]
            frame = data[offset + 16:offset + 16 + incl]
            offset += 16 + incl
            yield linktype, frame
    elif magic == b"\x0a\x0d\x0d\x0a":
        interfaces = []
        offset = 0
        while offset + 12 <= len(data):
            block_type, length = struct.unpack("<II", data[offset:offset + 8])
            if length < 12:
                return
            body = data[offset + 8:offset + length - 4]
            if block_type == 1:
                interfaces.append(struct.unpack("<H", body[:2])[0])
            elif block_type == 6 and len(body) >= 20:
                interface, _, _, caplen, _ = struct.unpack("<IIIII", body[:20])
                if interface < len(interfaces):
                    yield interfaces[interface], body[20:20 + caplen]
            offset += length


def ip_payload(linktype: int, frame: bytes):
    """(protocol, src port, dst port, L4 payload) for Ethernet/VLAN, SLL, SLL2, raw and null."""
    if linktype == 1:
        ethertype, offset = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0, 14
        while ethertype in (0x8100, 0x88A8) and len(frame) >= offset + 4:
            ethertype = struct.unpack("!H", frame[offset + 2:offset + 4])[0]
            offset += 4
    elif linktype == 113:
        ethertype, offset = struct.unpack("!H", frame[14:16])[0] if len(frame) >= 16 else 0, 16
    elif linktype == 276:
        ethertype, offset = struct.unpack("!H", frame[0:2])[0] if len(frame) >= 20 else 0, 20
    elif linktype == 101:
        ethertype, offset = (0x0800 if frame[:1] and frame[0] >> 4 == 4 else 0x86DD), 0
    elif linktype == 0:
        ethertype, offset = 0x0800, 4
    else:
        return None
    packet = frame[offset:]
    if ethertype == 0x0800 and len(packet) >= 20:
        header = (packet[0] & 0x0F) * 4
        protocol = packet[9]
        segment = packet[header:]
    elif ethertype == 0x86DD and len(packet) >= 40:
        protocol = packet[6]
        segment = packet[40:]
        while protocol in (0, 43, 60) and len(segment) >= 8:
            protocol, segment = segment[0], segment[(segment[1] + 1) * 8:]
    else:
        return None
    if protocol == 17 and len(segment) >= 8:
        sport, dport = struct.unpack("!HH", segment[:4])
        return protocol, sport, dport, segment[8:]
    if protocol == 6 and len(segment) >= 20:
        sport, dport = struct.unpack("!HH", segment[:4])
        return protocol, sport, dport, segment[(segment[12] >> 4) * 4:]
    return None


def captures():
    folder = os.path.join(ROOT, "pcaps")
    for name in sorted(os.listdir(folder)):
        if name.endswith((".pcap", ".pcapng")):
            yield name, list(read_capture(os.path.join(folder, name)))


def frame_seed(linktype: int, frames) -> bytes:
    index = LINK_TYPES.index(linktype) if linktype in LINK_TYPES else len(LINK_TYPES) - 1
    out = bytes([index])
    for frame in frames:
        out += struct.pack("!H", len(frame)) + frame
    return out


def collect():
    """{target: [seed bytes]} in a deterministic order."""
    seeds = {name: [] for name in ("packet_decoder", "dns_message", "tls_client_hello",
                                   "media_headers", "dhcp_message", "quic_initial",
                                   "mdns_observation", "pipeline", "client_hello_reader",
                                   "signature_loader", "policy_loader", "settings_loader")}
    for name, records in captures():
        # Pipeline: the first frames of each capture (handshakes, DNS, the first media packets).
        if records:
            linktype = records[0][0]
            window, size = [], 1
            for record_linktype, frame in records:
                if record_linktype != linktype or size + 2 + len(frame) > MAX_SEED:
                    break
                window.append(frame)
                size += 2 + len(frame)
            seeds["pipeline"].append(frame_seed(linktype, window))
        shapes = set()
        # client_hello_reader: the first client payloads to port 443 of the capture as reader
        # records [kind sequence length bytes]; TCP after a SYN record, with the second and
        # first segment swapped so out-of-order reassembly is in the seed.
        tcp_payloads, udp_payloads = [], []
        for linktype, frame in records:
            parsed = ip_payload(linktype, frame)
            if parsed and parsed[2] == 443 and parsed[3]:
                (tcp_payloads if parsed[0] == 6 else udp_payloads).append(parsed[3])
        if tcp_payloads or udp_payloads:
            sequence = 0x10000000
            pieces = [(2, sequence - 1, b"")]
            for payload in tcp_payloads[:3]:
                pieces.append((0, sequence, payload[:1400]))
                sequence += len(payload[:1400])
            if len(pieces) >= 3:
                pieces[1], pieces[2] = pieces[2], pieces[1]
            pieces += [(1, 0, payload[:1400]) for payload in udp_payloads[:2]]
            if tcp_payloads and tcp_payloads[0][:1] == b"\x16" and len(tcp_payloads[0]) < 1300:
                # The same hello as a CRYPTO frame (RFC 9000 section 19.6), sealed by the target.
                hello = tcp_payloads[0][5:]
                pieces.append((5, 0, b"\x06\x00" + struct.pack("!H", 0x4000 | len(hello)) + hello))
            seed = b"".join(struct.pack("!BIH", kind, seq, len(data)) + data for kind, seq, data in pieces)
            seeds["client_hello_reader"].append(seed[:MAX_SEED])
        for linktype, frame in records:
            index = LINK_TYPES.index(linktype) if linktype in LINK_TYPES else 0
            parsed = ip_payload(linktype, frame)
            shape = (linktype, parsed[:3] if parsed else None, len(frame) // 256)
            if shape not in shapes:
                shapes.add(shape)
                seeds["packet_decoder"].append(bytes([index, 0]) + frame[:MAX_SEED])
            if not parsed:
                continue
            protocol, sport, dport, payload = parsed
            if not payload:
                continue
            # QUIC Initial (RFC 9000 §17.2.2): long header, fixed bit, type 0 (v1) / 1 (v2, RFC 9369).
            if (protocol == 17 and 443 in (sport, dport) and len(payload) > 5
                    and payload[0] & 0xC0 == 0xC0
                    and ((payload[1:5] == b"\x00\x00\x00\x01" and (payload[0] >> 4) & 3 == 0)
                         or (payload[1:5] == b"\x6b\x33\x43\xcf" and (payload[0] >> 4) & 3 == 1))):
                seeds["quic_initial"].append(payload[:MAX_SEED])
            if protocol == 17 and 5353 in (sport, dport):
                seeds["mdns_observation"].append(payload)
            if protocol == 17 and 53 in (sport, dport) or 5353 in (sport, dport):
                seeds["dns_message"].append(payload)
            elif protocol == 17 and {sport, dport} & {67, 68}:
                seeds["dhcp_message"].append(payload)
            elif protocol == 6 and payload[:1] == b"\x16" and len(payload) > 5 and payload[5] == 1:
                seeds["tls_client_hello"].append(payload)
            elif protocol == 17:
                seeds["media_headers"].append(payload[:MAX_SEED])
    for folder, target in (("signatures/services", "signature_loader"), ("etc", "policy_loader"),
                           ("tests/regression/policies", "policy_loader"), ("etc", "settings_loader")):
        path = os.path.join(ROOT, folder)
        for name in sorted(os.listdir(path)) if os.path.isdir(path) else []:
            if not name.endswith(".yaml"):
                continue
            text = open(os.path.join(path, name), "rb").read()
            if target == "policy_loader" and folder == "etc" and b"policy" not in name.encode():
                continue
            if target == "settings_loader" and b"policy" in name.encode():
                continue
            seeds[target].append(text[:MAX_SEED])
    return seeds


def write(out_dir: str, only=None) -> None:
    for target, items in collect().items():
        if only and target not in only:
            continue
        folder = os.path.join(out_dir, target)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        unique = {}
        for seed in items:
            if seed and len(seed) <= MAX_SEED:
                unique.setdefault(hashlib.sha1(seed).hexdigest(), seed)
        # Spread the choice over all captures rather than the first few.
        chosen = list(unique.items())
        step = max(1, len(chosen) // PER_TARGET)
        for digest, seed in chosen[::step][:PER_TARGET]:
            with open(os.path.join(folder, digest), "wb") as stream:
                stream.write(seed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the checked-in seeds")
    parser.add_argument("--only", action="append", metavar="TARGET",
                        help="rewrite only this target's seeds (repeatable)")
    args = parser.parse_args()
    corpus = os.path.join(HERE, "corpus")
    if not args.check:
        write(corpus, args.only)
        return 0
    with tempfile.TemporaryDirectory(prefix="baawatch-corpus-") as scratch:
        write(scratch)
        differs = False
        for target in os.listdir(scratch):
            sub = filecmp.dircmp(os.path.join(scratch, target), os.path.join(corpus, target))
            if sub.left_only or sub.right_only or sub.diff_files:
                print(f"DIFFERS  corpus/{target}")
                differs = True
        return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
