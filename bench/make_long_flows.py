#!/usr/bin/env python3
"""Write bench/long-flows.pcap: a few long flows of many packets each, the shape of a clinic
uplink during video calls (the opposite of the flow-dense nDPI corpus).

    python3 bench/make_long_flows.py OUT.pcap [--packets N] [--seed S]

Six flows from clinic devices (192.168.10.0/24, as in pcaps/README.md), interleaved in time:

* three two-way UDP video calls (RTP, video frames of 900-1,200 bytes and audio of 100-160
  bytes, ~50/s audio + ~60/s video each way): Zoom (170.114.46.32:8801), a WhatsApp-style call
  to a Meta relay (157.240.27.52:3478, opened with a STUN Binding pair) and a WebRTC call to
  198.51.100.77:3478;
* one two-way UDP audio-only call (RTP 100-160 bytes, 50/s each way);
* two TLS 1.3 TCP connections (three-way handshake, ClientHello with SNI, ServerHello, then
  1,200-byte application-data segments from the server, ACKs from the client), SNI
  us05web.zoom.us and g.whatsapp.net: a screen share and a media download.

Payloads are seeded random bytes; output depends only on --packets and --seed. Packet headers
come from pcaps/generator/packets.py (checksums included); only the RTP/TLS bytes change per
packet, so a million packets take a few seconds. Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pcaps", "generator"))
sys.dont_write_bytecode = True

import packets as pk  # noqa: E402
from pcapfile import LINKTYPE_ETHERNET, PcapWriter  # noqa: E402

# The builders parse address text on every call; six flows use a handful of addresses, so the
# parsed forms are cached (the builders look these names up in their module at call time).
pk.ip_bytes = functools.lru_cache(maxsize=None)(pk.ip_bytes)
pk.is_ipv6 = functools.lru_cache(maxsize=None)(pk.is_ipv6)
pk.mac_bytes = functools.lru_cache(maxsize=None)(pk.mac_bytes)

GATEWAY_MAC = "00:0d:b9:5a:10:01"
BASE_TIME_US = 1_748_779_200 * 1_000_000  # 2025-06-01T12:00:00Z, like the test captures


class UdpCall:
    """A two-way RTP stream between a clinic device and a remote media server."""

    def __init__(self, rng, device_ip, device_mac, device_port, remote_ip, remote_port, *,
                 video: bool, stun: bool):
        self.rng = rng
        self.ends = [(device_ip, device_mac, device_port), (remote_ip, GATEWAY_MAC, remote_port)]
        self.video = video
        self.sequence = [rng.randrange(65536), rng.randrange(65536)]
        self.ssrc = [rng.getrandbits(32), rng.getrandbits(32)]
        self.count = 0
        self.pending = []
        if stun:
            tid = rng.randbytes(12)
            request = pk.stun_message(0x0001, tid, [(0x0006, b"bench:call"), (0x0024, b"\x6e\x00\x1e\xff")])
            response = pk.stun_message(0x0101, tid, [(0x0020, pk.stun_xor_address("203.0.113.45", 50000, tid))])
            self.pending = [(0, request), (1, response)]

    def next_packet(self) -> bytes:
        if self.pending:
            direction, payload = self.pending.pop(0)
        else:
            direction = self.count & 1
            # Roughly 6 video frames to 5 audio frames in a video call.
            is_video = self.video and (self.count // 2) % 11 < 6
            size = self.rng.randrange(900, 1200) if is_video else self.rng.randrange(100, 160)
            self.sequence[direction] = (self.sequence[direction] + 1) & 0xFFFF
            payload = pk.rtp(96 if is_video else 111, self.sequence[direction],
                             self.count * 160, self.ssrc[direction], self.rng.randbytes(size))
        self.count += 1
        src, dst = self.ends[direction], self.ends[1 - direction]
        datagram = pk.udp(src[0], dst[0], src[2], dst[2], payload)
        return pk.ethernet(dst[1], src[1], pk.ETHERTYPE_IPV4,
                           pk.ipv4(src[0], dst[0], pk.IPPROTO_UDP, datagram, ident=self.count & 0xFFFF))


class TlsDownload:
    """A TLS 1.3 connection: handshake with SNI, then a long server-to-client transfer."""

    def __init__(self, rng, device_ip, device_mac, device_port, server_ip, server_name):
        self.rng = rng
        self.client = (device_ip, device_mac, device_port)
        self.server = (server_ip, GATEWAY_MAC, 443)
        self.seq = [rng.getrandbits(32), rng.getrandbits(32)]
        self.count = 0
        hello = pk.tls_client_hello(rng, server_name, alpn=("h2",))
        server_hello = pk.tls_server_hello(rng) + pk.tls_change_cipher_spec()
        self.script = [(0, pk.TCP_SYN, b""), (1, pk.TCP_SYN | pk.TCP_ACK, b""),
                       (0, pk.TCP_ACK, b""), (0, pk.TCP_PSH | pk.TCP_ACK, hello),
                       (1, pk.TCP_PSH | pk.TCP_ACK, server_hello)]

    def next_packet(self) -> bytes:
        if self.script:
            direction, flags, payload = self.script.pop(0)
        elif self.count % 3 == 2:
            direction, flags, payload = 0, pk.TCP_ACK, b""      # the client ACKs every 2nd segment
        else:
            direction, flags, payload = 1, pk.TCP_ACK, self.rng.randbytes(1200)
        self.count += 1
        src, dst = (self.client, self.server) if direction == 0 else (self.server, self.client)
        seq, ack = self.seq[direction], self.seq[1 - direction]
        segment = pk.tcp(src[0], dst[0], src[2], dst[2], seq, ack if flags != pk.TCP_SYN else 0,
                         flags, payload)
        self.seq[direction] = (seq + len(payload) + (1 if flags & pk.TCP_SYN else 0)) & 0xFFFFFFFF
        return pk.ethernet(dst[1], src[1], pk.ETHERTYPE_IPV4,
                           pk.ipv4(src[0], dst[0], pk.IPPROTO_TCP, segment, ident=self.count & 0xFFFF))


def build_flows(rng):
    return [
        # (flow, packets per second on the wire, both directions)
        (UdpCall(rng, "192.168.10.42", "d4:81:d7:2c:6e:12", 53084, "170.114.46.32", 8801,
                 video=True, stun=False), 220),
        (UdpCall(rng, "192.168.10.23", "5a:3c:9e:41:07:2d", 55804, "157.240.27.52", 3478,
                 video=True, stun=True), 220),
        (UdpCall(rng, "192.168.10.31", "3c:52:82:17:a4:90", 59787, "198.51.100.77", 3478,
                 video=True, stun=True), 220),
        (UdpCall(rng, "192.168.10.57", "ba:1e:47:9c:33:05", 50020, "157.240.27.52", 3478,
                 video=False, stun=True), 100),
        (TlsDownload(rng, "192.168.10.42", "d4:81:d7:2c:6e:12", 49731, "170.114.52.2",
                     "us05web.zoom.us"), 300),
        (TlsDownload(rng, "192.168.10.23", "5a:3c:9e:41:07:2d", 49802, "157.240.229.60",
                     "g.whatsapp.net"), 300),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    flows = build_flows(rng)
    # Each flow sends at its own rate; merging by next due time keeps the file time-ordered.
    due = [(0.0, index) for index in range(len(flows))]
    partial = args.out + ".tmp"
    with open(partial, "wb") as stream:
        writer = PcapWriter(stream, LINKTYPE_ETHERNET)
        for _ in range(args.packets):
            at, index = min(due)
            flow, rate = flows[index]
            writer.write(BASE_TIME_US + int(at), flow.next_packet())
            due[index] = (at + 1e6 / rate * (0.9 + 0.2 * rng.random()), index)
    os.replace(partial, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
