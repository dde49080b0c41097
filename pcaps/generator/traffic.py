"""Traffic helpers built on ``packets``: hosts, link layers, a time-ordered trace, TCP
sessions with correct sequence numbers, and the exchanges scenarios reuse (DHCP, DNS,
TLS, bidirectional UDP media streams).

Times are integer microseconds since the Unix epoch. A trace sorts its records by time
(stable, so packets written at the same microsecond keep their order) before writing.

The capture point is the clinic LAN (a mirror port next to the gateway): a packet the
device sends is seen at once, the server's answer one round trip later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Sequence

import packets as p
import pcapfile

SECOND = 1_000_000
MILLISECOND = 1_000


# --------------------------------------------------------------------------- hosts

@dataclass
class Host:
    """A device or server as seen from the capture point.

    Internet servers carry the gateway's MAC (frames to and from them cross the gateway).
    ``ttl`` is the TTL / hop limit the packets show at the capture point: 64 or 128 for LAN
    devices, lower for servers many hops away."""

    name: str
    mac: str
    ip: str
    ip6: str | None = None
    ttl: int = 64
    ident: int = 0

    def next_ident(self) -> int:
        self.ident = (self.ident + 1) & 0xFFFF
        return self.ident

    def address(self, family: int) -> str:
        if family == 6:
            if not self.ip6:
                raise ValueError(f"{self.name} has no IPv6 address")
            return self.ip6
        return self.ip


BROADCAST = Host("broadcast", p.BROADCAST_MAC, "255.255.255.255")
UNSPECIFIED = "0.0.0.0"


# --------------------------------------------------------------------------- link layers

def _ethertype(l3: bytes) -> int:
    return p.ETHERTYPE_IPV6 if l3 and (l3[0] >> 4) == 6 else p.ETHERTYPE_IPV4


class EthernetLink:
    linktype = pcapfile.LINKTYPE_ETHERNET

    def __init__(self, vlans: Sequence[tuple[int, int]] = ()):
        self.vlans = tuple(vlans)

    def frame(self, l3: bytes, src_mac: str, dst_mac: str) -> bytes:
        return p.ethernet(dst_mac, src_mac, _ethertype(l3), l3, self.vlans)


class LinuxCookedLink:
    """Capture with ``tcpdump -i any`` on the clinic's Linux gateway: frames the gateway
    receives from the LAN are 'to us' (0), frames it forwards to the LAN are 'outgoing' (4);
    the address field holds the sender's MAC."""

    def __init__(self, gateway_mac: str, version: int = 1, if_index: int = 2):
        self.gateway_mac = gateway_mac
        self.version = version
        self.if_index = if_index
        self.linktype = pcapfile.LINKTYPE_LINUX_SLL if version == 1 else pcapfile.LINKTYPE_LINUX_SLL2

    def frame(self, l3: bytes, src_mac: str, dst_mac: str) -> bytes:
        kind = p.SLL_OUTGOING if src_mac == self.gateway_mac else p.SLL_HOST
        if self.version == 1:
            return p.linux_sll(kind, src_mac, _ethertype(l3), l3)
        return p.linux_sll2(kind, src_mac, _ethertype(l3), l3, self.if_index)


class RawIpLink:
    linktype = pcapfile.LINKTYPE_RAW

    def frame(self, l3: bytes, src_mac: str, dst_mac: str) -> bytes:
        return l3


class NullLink:
    """BSD loopback / utun style: 4-byte address family, little-endian (2 = AF_INET,
    30 = AF_INET6 as on macOS)."""
    linktype = pcapfile.LINKTYPE_NULL

    def frame(self, l3: bytes, src_mac: str, dst_mac: str) -> bytes:
        return p.bsd_null(30 if _ethertype(l3) == p.ETHERTYPE_IPV6 else 2, l3)


# --------------------------------------------------------------------------- trace

@dataclass
class Record:
    time_us: int
    order: int
    interface: int
    frame: bytes
    original_length: int | None


@dataclass
class Interface:
    name: str
    link: object
    description: str = ""


class Trace:
    """Collects frames from any number of flows, then writes them in time order."""

    def __init__(self, link=None, interface_name: str = "eth0", description: str = ""):
        self.interfaces: list[Interface] = []
        self.records: list[Record] = []
        self.add_interface(interface_name, link or EthernetLink(), description)

    def add_interface(self, name: str, link, description: str = "") -> int:
        self.interfaces.append(Interface(name, link, description))
        return len(self.interfaces) - 1

    def add_frame(self, time_us: int, frame: bytes, original_length: int | None = None,
                  interface: int = 0) -> None:
        """A frame written as given (for malformed records)."""
        self.records.append(Record(time_us, len(self.records), interface, frame, original_length))

    def send_ip(self, time_us: int, l3: bytes, src: Host, dst: Host, interface: int = 0,
                dst_mac: str | None = None) -> None:
        frame = self.interfaces[interface].link.frame(l3, src.mac, dst_mac or dst.mac)
        self.add_frame(time_us, frame, interface=interface)

    def sorted_records(self) -> list[Record]:
        return sorted(self.records, key=lambda r: (r.time_us, r.order))

    def write_pcap(self, path: str) -> None:
        if len(self.interfaces) != 1:
            raise ValueError("classic pcap holds one interface; use write_pcapng")
        with open(path, "wb") as stream:
            writer = pcapfile.PcapWriter(stream, self.interfaces[0].link.linktype)
            for record in self.sorted_records():
                writer.write(record.time_us, record.frame, record.original_length)

    def write_pcapng(self, path: str) -> None:
        with open(path, "wb") as stream:
            writer = pcapfile.PcapngWriter(stream)
            for interface in self.interfaces:
                writer.add_interface(interface.link.linktype, interface.name, interface.description)
            for record in self.sorted_records():
                writer.write(record.interface, record.time_us, record.frame, record.original_length)

    def write(self, path: str) -> None:
        if path.endswith(".pcapng"):
            self.write_pcapng(path)
        else:
            self.write_pcap(path)


# --------------------------------------------------------------------------- UDP

def send_udp(trace: Trace, time_us: int, src: Host, dst: Host, sport: int, dport: int,
             payload: bytes, *, family: int = 4, src_ip: str | None = None,
             dst_ip: str | None = None, dst_mac: str | None = None, interface: int = 0,
             ip_options: dict | None = None) -> None:
    source = src_ip or src.address(family)
    target = dst_ip or dst.address(family)
    segment = p.udp(source, target, sport, dport, payload)
    options = {"ttl": src.ttl, "ident": src.next_ident(), "dont_fragment": False}
    options.update(ip_options or {})
    trace.send_ip(time_us, p.ip_packet(source, target, p.IPPROTO_UDP, segment, **options),
                  src, dst, interface, dst_mac)


# --------------------------------------------------------------------------- TCP

class TcpSession:
    """One TCP connection, client = the clinic device. Tracks sequence numbers so every
    segment and ACK is consistent; ``rtt_us`` is the round trip seen from the capture point.

    Methods take the time the first packet is seen and return the time of the last packet
    they emitted, so a scenario can chain them."""

    def __init__(self, trace: Trace, client: Host, server: Host, client_port: int,
                 server_port: int, rng: random.Random, *, rtt_us: int = 30 * MILLISECOND,
                 family: int = 4, mss: int = 1448, interface: int = 0):
        self.trace = trace
        self.client, self.server = client, server
        self.client_port, self.server_port = client_port, server_port
        self.rng = rng
        self.rtt_us = rtt_us
        self.family = family
        self.mss = mss
        self.interface = interface
        self.client_seq = rng.getrandbits(32)
        self.server_seq = rng.getrandbits(32)
        self.client_ip = client.address(family)
        self.server_ip = server.address(family)

    # -- low level
    def segment(self, time_us: int, from_client: bool, flags: int, payload: bytes = b"", *,
                options: bytes = b"", window: int | None = None,
                ip_options: dict | None = None, **tcp_overrides) -> None:
        """Emit one segment from the current sequence state and advance it."""
        if from_client:
            src, dst, sport, dport = self.client, self.server, self.client_port, self.server_port
            seq, ack = self.client_seq, self.server_seq
        else:
            src, dst, sport, dport = self.server, self.client, self.server_port, self.client_port
            seq, ack = self.server_seq, self.client_seq
        src_ip, dst_ip = (self.client_ip, self.server_ip) if from_client else (self.server_ip, self.client_ip)
        if window is None:
            window = 2048 if from_client else 501   # scaled windows after the handshake
        segment = p.tcp(src_ip, dst_ip, sport, dport, seq, ack if flags & p.TCP_ACK else 0,
                        flags, payload, window=window, options=options, **tcp_overrides)
        options_ip = {"ttl": src.ttl, "ident": src.next_ident()}
        options_ip.update(ip_options or {})
        self.trace.send_ip(time_us, p.ip_packet(src_ip, dst_ip, p.IPPROTO_TCP, segment, **options_ip),
                           src, dst, self.interface)
        advance = len(payload) + (1 if flags & (p.TCP_SYN | p.TCP_FIN) else 0)
        if from_client:
            self.client_seq = (self.client_seq + advance) & 0xFFFFFFFF
        else:
            self.server_seq = (self.server_seq + advance) & 0xFFFFFFFF

    def _ack_delay(self, from_client: bool) -> int:
        # The answer to the client's packet crosses the Internet; the client's ACK does not.
        if from_client:
            return self.rtt_us + self.rng.randrange(0, self.rtt_us // 10 + 1)
        return self.rng.randrange(80, 400)

    # -- phases
    def open(self, time_us: int) -> int:
        """SYN, SYN-ACK one RTT later, ACK."""
        self.segment(time_us, True, p.TCP_SYN, options=p.tcp_options_syn(), window=65535)
        time_us += self._ack_delay(True)
        self.segment(time_us, False, p.TCP_SYN | p.TCP_ACK, options=p.tcp_options_syn(1380, 8),
                     window=65535)
        time_us += self._ack_delay(False)
        self.segment(time_us, True, p.TCP_ACK)
        return time_us

    def send(self, time_us: int, from_client: bool, data: bytes, *, ack: bool = True,
             gap_us: int = 120, **segment_options) -> int:
        """Send ``data`` in MSS-sized segments (PSH on the last), then the peer's ACK."""
        chunks = [data[i:i + self.mss] for i in range(0, len(data), self.mss)] or [b""]
        for index, chunk in enumerate(chunks):
            flags = p.TCP_ACK | (p.TCP_PSH if index == len(chunks) - 1 else 0)
            self.segment(time_us, from_client, flags, chunk, **segment_options)
            if index != len(chunks) - 1:
                time_us += gap_us
        if ack:
            time_us += self._ack_delay(from_client)
            self.segment(time_us, not from_client, p.TCP_ACK)
        return time_us

    def request_response(self, time_us: int, request: bytes, response: bytes,
                         server_think_us: int = 0) -> int:
        """Client data, server answer one RTT (+ think time) later, client ACK."""
        self.send(time_us, True, request, ack=False)
        time_us += self._ack_delay(True) + server_think_us
        return self.send(time_us, False, response)

    def close(self, time_us: int, from_client: bool = True) -> int:
        """FIN, FIN-ACK from the peer, final ACK."""
        self.segment(time_us, from_client, p.TCP_FIN | p.TCP_ACK)
        time_us += self._ack_delay(from_client)
        self.segment(time_us, not from_client, p.TCP_FIN | p.TCP_ACK)
        time_us += self._ack_delay(not from_client)
        self.segment(time_us, from_client, p.TCP_ACK)
        return time_us

    def reset(self, time_us: int, from_client: bool = False) -> int:
        self.segment(time_us, from_client, p.TCP_RST | p.TCP_ACK, window=0)
        return time_us


def tls_handshake(session: TcpSession, time_us: int, server_name: str | None,
                  alpn: Sequence[str] = ("h2", "http/1.1"), *, ech: bool = False,
                  server_flight: int = 2800) -> int:
    """TLS 1.3 handshake as seen on the wire: ClientHello; ServerHello + ChangeCipherSpec +
    ``server_flight`` bytes of encrypted handshake (EncryptedExtensions, Certificate,
    CertificateVerify, Finished) as one application_data record; client ChangeCipherSpec +
    encrypted Finished."""
    rng = session.rng
    hello = p.tls_client_hello(rng, server_name, alpn, ech=ech)
    time_us = session.request_response(
        time_us, hello,
        p.tls_server_hello(rng) + p.tls_change_cipher_spec() + p.tls_application_data(rng, server_flight))
    time_us += rng.randrange(1 * MILLISECOND, 4 * MILLISECOND)
    return session.send(time_us, True, p.tls_change_cipher_spec() + p.tls_application_data(rng, 53))


# --------------------------------------------------------------------------- DHCP / DNS / mDNS

def dhcp_exchange(trace: Trace, time_us: int, device: Host, server: Host, rng: random.Random, *,
                  domain_name: str = "clinic.lan", lease_seconds: int = 86400,
                  vendor_class: str | None = None) -> int:
    """DISCOVER, OFFER, REQUEST, ACK (RFC 2131 section 3.1). The client announces its host
    name (option 12) in DISCOVER and REQUEST and asks for its address with option 50."""
    xid = rng.getrandbits(32)
    common = dict(host_name=device.name, vendor_class=vendor_class)
    send_udp(trace, time_us, device, BROADCAST, 68, 67,
             p.dhcp(p.DHCP_DISCOVER, xid, device.mac, requested_ip=device.ip, **common),
             src_ip=UNSPECIFIED, ip_options={"ttl": 64, "tos": 0x10})
    reply = dict(reply=True, your_ip=device.ip, server_id=server.ip, lease_seconds=lease_seconds,
                 subnet_mask="255.255.255.0", router=server.ip, dns_servers=[server.ip],
                 domain_name=domain_name)
    time_us += rng.randrange(2 * MILLISECOND, 6 * MILLISECOND)
    send_udp(trace, time_us, server, device, 67, 68, p.dhcp(p.DHCP_OFFER, xid, device.mac, **reply))
    time_us += rng.randrange(1 * MILLISECOND, 3 * MILLISECOND)
    send_udp(trace, time_us, device, BROADCAST, 68, 67,
             p.dhcp(p.DHCP_REQUEST, xid, device.mac, requested_ip=device.ip, server_id=server.ip,
                    **common),
             src_ip=UNSPECIFIED, ip_options={"ttl": 64, "tos": 0x10})
    time_us += rng.randrange(2 * MILLISECOND, 6 * MILLISECOND)
    send_udp(trace, time_us, server, device, 67, 68, p.dhcp(p.DHCP_ACK, xid, device.mac, **reply))
    return time_us


def dns_lookup(trace: Trace, time_us: int, client: Host, resolver: Host, rng: random.Random,
               name: str, qtype: int, answers: Sequence[tuple[str, int, int, object]], *,
               family: int = 4, latency_us: int | None = None, interface: int = 0) -> int:
    """Query from an ephemeral port and the resolver's answer; returns the answer's time."""
    ident = rng.getrandbits(16)
    port = rng.randrange(49152, 65536)
    send_udp(trace, time_us, client, resolver, port, 53,
             p.dns_message(ident, response=False, questions=[(name, qtype)]),
             family=family, interface=interface)
    time_us += latency_us if latency_us is not None else rng.randrange(4 * MILLISECOND, 25 * MILLISECOND)
    send_udp(trace, time_us, resolver, client, 53, port,
             p.dns_message(ident, response=True, questions=[(name, qtype)], answers=answers),
             family=family, interface=interface)
    return time_us


MDNS_GROUP = Host("mdns", p.MDNS_MAC_V4, "224.0.0.251", ttl=255)


def mdns_announce(trace: Trace, time_us: int, device: Host, repeats: int = 2) -> int:
    """Unsolicited announcement of ``<name>.local`` -> A, repeated one second apart
    (RFC 6762 section 8.3), IP TTL 255."""
    for index in range(repeats):
        send_udp(trace, time_us, device, MDNS_GROUP, 5353, 5353, p.mdns_announcement(device.name, device.ip),
                 ip_options={"ttl": 255})
        if index != repeats - 1:
            time_us += SECOND
    return time_us


# --------------------------------------------------------------------------- media

class RtpSender:
    """RTP/SRTP-like sender state: sequence, timestamp and SSRC; encrypted payload and the
    SRTP authentication tag (10 bytes, RFC 3711 section 4.2) are random."""

    def __init__(self, rng: random.Random, payload_type: int, clock_rate: int, packet_rate: int,
                 auth_tag: int = 10):
        self.rng = rng
        self.payload_type = payload_type
        self.step = clock_rate // packet_rate
        self.ssrc = rng.getrandbits(32)
        self.sequence = rng.getrandbits(16)
        self.timestamp = rng.getrandbits(32)
        self.auth_tag = auth_tag

    def packet(self, size: int, marker: bool = False) -> bytes:
        """One RTP packet of ``size`` bytes in total."""
        body = max(0, size - 12 - self.auth_tag)
        data = p.rtp(self.payload_type, self.sequence, self.timestamp, self.ssrc,
                     self.rng.randbytes(body + self.auth_tag), marker=marker)
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.timestamp = (self.timestamp + self.step) & 0xFFFFFFFF
        return data


PayloadFactory = Callable[[bool, int, int], bytes]   # (from_a, index, size) -> payload


def media_stream(trace: Trace, start_us: int, duration_us: int, a: Host, b: Host,
                 a_port: int, b_port: int, rng: random.Random, *,
                 packets_per_second: float | tuple[float, float] = 50,
                 size: tuple[int, int] | Callable[[bool], int] = (150, 210),
                 payload: PayloadFactory | None = None, jitter_us: int = 2 * MILLISECOND,
                 family: int = 4, b_start_delay_us: int | None = None,
                 interface: int = 0) -> int:
    """A bidirectional UDP stream between ``a`` and ``b`` (e.g. a call): each direction sends
    at ``packets_per_second`` (one value, or (a->b, b->a)) with sizes drawn from ``size``
    (a (min, max) range, or a function of the direction), for ``duration_us``. Timestamps
    get up to ``jitter_us`` of delay but stay monotonic per direction. ``payload`` builds
    each datagram (default: random bytes). Returns the time of the last packet."""
    rates = packets_per_second if isinstance(packets_per_second, tuple) else (packets_per_second,) * 2
    last = start_us
    for from_a, rate in ((True, rates[0]), (False, rates[1])):
        src, dst = (a, b) if from_a else (b, a)
        sport, dport = (a_port, b_port) if from_a else (b_port, a_port)
        offset = 0 if from_a else (b_start_delay_us if b_start_delay_us is not None
                                   else rng.randrange(10 * MILLISECOND, 60 * MILLISECOND))
        interval = SECOND / rate
        count = int(duration_us / interval)
        previous = -1
        for index in range(count):
            when = start_us + offset + int(index * interval) + rng.randrange(0, jitter_us + 1)
            when = max(when, previous + 1)
            previous = when
            length = size(from_a) if callable(size) else rng.randint(size[0], size[1])
            data = payload(from_a, index, length) if payload else rng.randbytes(length)
            send_udp(trace, when, src, dst, sport, dport, data, family=family, interface=interface)
            last = max(last, when)
    return last
