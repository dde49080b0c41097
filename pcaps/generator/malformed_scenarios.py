"""Hostile and damaged captures (issue 5): files a monitor must survive, each with the counters
or the error a correct monitor gives. One function per capture, as in scenarios.py; the good
traffic inside them is the WhatsApp short flow, so "its alert still comes out" is checkable.

Byte-level damage to the file itself (a cut, a garbage header, a record libpcap rejects) is
done after the trace is written, in ``DamagedFile``; damage inside packets is built with the
packet builders' override arguments.
"""

from __future__ import annotations

import io
import random
import struct

import packets as p
import pcapfile
from scenarios import (SHORT_FLOW_BASE, WHATSAPP_G_V4, WHATSAPP_G_V6, clinic,
                       whatsapp_short_flow)
from traffic import MILLISECOND, SECOND, EthernetLink, RawIpLink, TcpSession, Trace

LINKTYPE_IEEE802_11 = 105
LINKTYPE_USER0 = 147


class DamagedFile:
    """A trace written normally, then changed byte-wise by ``damage(bytes) -> bytes``."""

    def __init__(self, trace: Trace | None, damage, records: int, raw: bytes = b""):
        self._trace = trace
        self._damage = damage
        self._raw = raw
        self.records = [None] * records  # make_pcaps prints len(records)

    def write(self, path: str) -> None:
        data = self._raw
        if self._trace is not None:
            stream = io.BytesIO()
            writer = pcapfile.PcapWriter(stream, self._trace.interfaces[0].link.linktype)
            for record in self._trace.sorted_records():
                writer.write(record.time_us, record.frame, record.original_length)
            data = stream.getvalue()
        with open(path, "wb") as out:
            out.write(self._damage(data))


class LinkTypeOnly:
    """Ethernet frames relabelled with another DLT in the file header."""

    def __init__(self, trace: Trace, linktype: int):
        self._trace = trace
        self.linktype = linktype
        self.records = trace.records

    def write(self, path: str) -> None:
        with open(path, "wb") as stream:
            writer = pcapfile.PcapWriter(stream, self.linktype)
            for record in self._trace.sorted_records():
                writer.write(record.time_us, record.frame, record.original_length)


def _short_flow(seed: int) -> tuple[Trace, object, random.Random]:
    rng = random.Random(seed)
    net = clinic()
    trace = Trace(EthernetLink())
    whatsapp_short_flow(trace, SHORT_FLOW_BASE, net, rng)
    return trace, net, rng


def malformed_truncated_file() -> DamagedFile:
    """The WhatsApp short flow with the file cut 30 bytes into the data of its last record, as a
    capture copied while still being written or a disk that filled up. libpcap delivers the
    first 22 packets and then reports a truncated file. A correct monitor warns, counts
    `capture.read_errors`, keeps everything read (the WhatsApp alert) and exits 0."""
    trace, _, _ = _short_flow(5001)
    last = trace.sorted_records()[-1]
    return DamagedFile(trace, lambda data: data[:len(data) - len(last.frame) + 30], len(trace.records))


def malformed_truncated_header() -> DamagedFile:
    """The WhatsApp short flow followed by 9 bytes of a 16-byte record header (the file ends
    inside a record header, not inside packet data). A correct monitor keeps the 23 packets,
    counts `capture.read_errors` and exits 0."""
    trace, _, _ = _short_flow(5002)
    return DamagedFile(trace, lambda data: data + struct.pack("<IIII", 1752485500, 0, 60, 60)[:9],
                       len(trace.records))


def malformed_garbage_header() -> DamagedFile:
    """Not a capture at all: an HTML error page saved under a .pcap name (what a failed download
    gives). A correct monitor names the file in a one-line error and exits non-zero, writing
    no records."""
    page = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
            b"<body><h1>502 Bad Gateway</h1><p>The capture you asked for is not here.</p>"
            b"</body></html>\n")
    return DamagedFile(None, lambda data: data, 0, raw=page * 4)


def malformed_oversize() -> DamagedFile:
    """The WhatsApp short flow, then three hostile records: a zero-length record, a record of
    70,000 bytes (an Ethernet/IPv4/UDP frame larger than any IP datagram; its IPv4 total length
    says 65,535), and a record whose caplen is 300,000 (above libpcap's limit of 262,144), which
    ends the readable part of the file. A correct monitor decodes the first three without reading
    past them, counts the unreadable record under `capture.read_errors`, and still alerts on
    WhatsApp."""
    trace, net, rng = _short_flow(5003)
    phone, gw = net.dr_lee_iphone, net.gateway
    end = trace.sorted_records()[-1].time_us
    trace.add_frame(end + 10 * MILLISECOND, b"", original_length=0)
    # 70,000 bytes: more than any IPv4 datagram can hold (total length says 65,535) and more
    # than any Ethernet MTU, but under the snap length, so libpcap hands it over.
    jumbo_l4 = struct.pack("!HHHH", 50010, 3478, 65515, 0) + rng.randbytes(70000 - 14 - 20 - 8)
    jumbo = p.ethernet(gw.mac, phone.mac, p.ETHERTYPE_IPV4,
                       p.ipv4(phone.ip, WHATSAPP_G_V4, p.IPPROTO_UDP, jumbo_l4, total_length=65535))
    trace.add_frame(end + 20 * MILLISECOND, jumbo)

    def oversize(data: bytes) -> bytes:
        seconds, micros = divmod(end + 30 * MILLISECOND, 1_000_000)
        # libpcap rejects the header before reading the data: 64 bytes stand for the rest.
        return data + struct.pack("<IIII", seconds, micros, 300000, 300000) + b"\x00" * 64

    return DamagedFile(trace, oversize, len(trace.records) + 1)


def malformed_linktype_user0() -> LinkTypeOnly:
    """The WhatsApp short flow's Ethernet frames in a file whose header says DLT 147
    (LINKTYPE_USER0, private use): nothing can know what the bytes are. A correct monitor
    refuses the file with "unsupported link type 147" and a non-zero exit."""
    trace, _, _ = _short_flow(5004)
    return LinkTypeOnly(trace, LINKTYPE_USER0)


class Ieee80211Link:
    """802.11 data frames (DLT 105, no radiotap): to-AP frames from the device, from-AP frames
    to it, LLC/SNAP carrying the EtherType (IEEE 802.11-2020 §9.3.2.1, RFC 1042)."""

    linktype = LINKTYPE_IEEE802_11

    def __init__(self, bssid: str):
        self._bssid = bssid
        self._sequence = 0

    def frame(self, l3: bytes, src_mac: str, dst_mac: str) -> bytes:
        ethertype = p.ETHERTYPE_IPV6 if l3[0] >> 4 == 6 else p.ETHERTYPE_IPV4
        to_ap = dst_mac == self._bssid
        control = 0x0108 if to_ap else 0x0208  # type data; flags ToDS or FromDS (little-endian)
        if to_ap:
            addresses = p.mac_bytes(self._bssid) + p.mac_bytes(src_mac) + p.mac_bytes(dst_mac)
        else:
            addresses = p.mac_bytes(dst_mac) + p.mac_bytes(self._bssid) + p.mac_bytes(src_mac)
        self._sequence = (self._sequence + 1) % 4096
        header = struct.pack("<HH", control, 44) + addresses + struct.pack("<H", self._sequence << 4)
        return header + b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", ethertype) + l3


def malformed_linktype_80211() -> Trace:
    """The WhatsApp short flow as 802.11 data frames without radiotap (DLT 105), as a Wi-Fi
    adapter in monitor mode on some drivers writes them. baawatch decodes wired link types
    only; a correct build refuses the file with "unsupported link type 105" and a non-zero
    exit rather than guessing."""
    rng = random.Random(5005)
    net = clinic()
    trace = Trace(Ieee80211Link(net.gateway.mac))
    whatsapp_short_flow(trace, SHORT_FLOW_BASE, net, rng)
    return trace


class StagedPcapng:
    """pcapng whose interfaces appear where the writer met them: IDBs for if0 and if1 first,
    the packets before ``late_time_us``, then the late interface's IDB, then the rest."""

    def __init__(self, trace: Trace, late_interface: int, late_time_us: int):
        self._trace = trace
        self._late = late_interface
        self._late_time = late_time_us
        self.records = trace.records

    def write(self, path: str) -> None:
        with open(path, "wb") as stream:
            writer = pcapfile.PcapngWriter(stream)
            for index, interface in enumerate(self._trace.interfaces):
                if index != self._late:
                    writer.add_interface(interface.link.linktype, interface.name, interface.description)
            late_written = False
            for record in self._trace.sorted_records():
                if not late_written and record.time_us >= self._late_time:
                    late = self._trace.interfaces[self._late]
                    writer.add_interface(late.link.linktype, late.name, late.description)
                    late_written = True
                writer.write(record.interface, record.time_us, record.frame, record.original_length)


def malformed_pcapng_interfaces() -> StagedPcapng:
    """pcapng with three interfaces: if0 `eth0` and if1 `eth1` are both Ethernet (libpcap reads
    several interfaces of one link type): the WhatsApp short flow on eth0 and, on eth1, the
    front-desk PC asking for www.nih.gov. 2 s later an IDB for if2 `wg0` (raw IP) appears with a
    DNS query behind it. libpcap 1.10 stops at that IDB ("an interface has a type 101 different
    from the type of the first interface"). A correct monitor keeps what it read (the WhatsApp
    alert, both flows), warns and counts `capture.read_errors`, and exits 0."""
    rng = random.Random(5006)
    net = clinic()
    trace = Trace(EthernetLink(), "eth0", "clinic LAN")
    eth1 = trace.add_interface("eth1", EthernetLink(), "front office switch")
    wg = trace.add_interface("wg0", RawIpLink(), "WireGuard link to the satellite office")
    whatsapp_short_flow(trace, SHORT_FLOW_BASE, net, rng)
    from traffic import dns_lookup  # local: only this capture needs it
    dns_lookup(trace, SHORT_FLOW_BASE + 100 * MILLISECOND, net.frontdesk_pc, net.gateway, rng,
               "www.nih.gov", p.DNS_A, [("www.nih.gov", p.DNS_A, 300, "156.40.212.209")],
               latency_us=12 * MILLISECOND, interface=eth1)
    late = SHORT_FLOW_BASE + 2 * SECOND
    remote = net.server("satellite-frontdesk", "10.20.0.14")
    dns_lookup(trace, late, remote, net.gateway, rng, "web.whatsapp.com", p.DNS_A,
               [("web.whatsapp.com", p.DNS_A, 60, "157.240.229.53")], latency_us=19 * MILLISECOND,
               interface=wg)
    return StagedPcapng(trace, wg, late)


def malformed_out_of_order() -> Trace:
    """The WhatsApp short flow with time going backwards: every third record is stamped 2 s
    earlier than the one before it, and one DNS probe is stamped a day before the capture
    starts (a capture merged from two clocks). A correct monitor does not crash, never makes a
    negative duration, and still reports WhatsApp."""
    rng = random.Random(5007)
    net = clinic()
    trace = Trace(EthernetLink())
    whatsapp_short_flow(trace, SHORT_FLOW_BASE, net, rng)
    ordered = trace.sorted_records()

    class Reordered(Trace):
        def sorted_records(self):  # written in capture order, not time order
            return self.records

    shuffled = Reordered(EthernetLink())
    for index, record in enumerate(ordered):
        when = record.time_us - (2 * SECOND if index % 3 == 2 else 0)
        shuffled.add_frame(when, record.frame, record.original_length)
    phone, gw = net.dr_lee_iphone, net.gateway
    probe = p.dns_message(0x5151, response=False, questions=[("time.apple.com", p.DNS_A)])
    shuffled.add_frame(SHORT_FLOW_BASE - 86400 * SECOND,
                       p.ethernet(gw.mac, phone.mac, p.ETHERTYPE_IPV4,
                                  p.ipv4(phone.ip, gw.ip, p.IPPROTO_UDP,
                                         p.udp(phone.ip, gw.ip, 50020, 53, probe))))
    return shuffled


def _fragment(src: str, dst: str, proto: int, ident: int, offset_bytes: int, more: bool,
              data: bytes) -> bytes:
    """One IPv4 fragment (RFC 791): ``offset_bytes`` must be a multiple of 8."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), ident,
                         (0x2000 if more else 0) | (offset_bytes // 8), 64, proto, 0,
                         p.ip_bytes(src), p.ip_bytes(dst))
    header = header[:10] + struct.pack("!H", p.internet_checksum(header)) + header[12:]
    return header + data


def malformed_headers() -> Trace:
    """The WhatsApp short flow interleaved with header damage not in malformed_mix.pcap:
    IPv4 IHL 15 (60-byte header) in a 40-byte datagram; an IPv6 packet that is nothing but
    destination-options headers until the capture ends (an endless chain); TCP data offset 15
    in a 24-byte segment; three IPv4 fragments of one UDP datagram that overlap (offsets 0, 8
    and 8 again with other bytes, the teardrop shape); a DNS answer whose two names point at
    each other (a two-step compression loop); and a ClientHello whose record length (16,000)
    and SNI list length lie (on its own TCP connection).

    A correct monitor counts each under its decode counter (decode.ipv4.bad_header_length,
    decode.ipv6.extension_chain or decode.ipv6.truncated, decode.tcp.bad_data_offset,
    decode.fragment_skipped, decode.dns.compression_loop), reads no byte outside a packet, and
    still reports WhatsApp from the good flow and nothing for tls-liar2.example."""
    rng = random.Random(5008)
    net = clinic()
    phone, gw = net.dr_lee_iphone, net.gateway
    trace = Trace(EthernetLink())
    base = SHORT_FLOW_BASE
    whatsapp_short_flow(trace, base + 10 * MILLISECOND, net, rng)
    meta = WHATSAPP_G_V4

    def eth(l3: bytes, ethertype: int = p.ETHERTYPE_IPV4) -> bytes:
        return p.ethernet(gw.mac, phone.mac, ethertype, l3)

    udp_probe = p.udp(phone.ip, meta, 50031, 3478, rng.randbytes(12))
    trace.add_frame(base + 3 * MILLISECOND,
                    eth(p.ipv4(phone.ip, meta, p.IPPROTO_UDP, udp_probe, ihl=15)))
    endless = b"".join(p.ipv6_extension(p.IPPROTO_DSTOPTS, b"") for _ in range(150))
    trace.add_frame(base + 6 * MILLISECOND,
                    eth(struct.pack("!IHBB16s16s", 6 << 28, len(endless) + 64, p.IPPROTO_DSTOPTS, 64,
                                    p.ip_bytes(phone.ip6), p.ip_bytes(WHATSAPP_G_V6)) + endless,
                        p.ETHERTYPE_IPV6))
    bad_tcp = p.tcp(phone.ip, meta, 51810, 443, rng.getrandbits(32), 0, p.TCP_ACK, rng.randbytes(4),
                    data_offset=15)
    trace.add_frame(base + 40 * MILLISECOND,
                    eth(p.ipv4(phone.ip, meta, p.IPPROTO_TCP, bad_tcp, ident=7101)))
    datagram = p.udp(phone.ip, meta, 50032, 3478, rng.randbytes(40))
    trace.add_frame(base + 50 * MILLISECOND, eth(_fragment(phone.ip, meta, p.IPPROTO_UDP, 7102, 0, True, datagram[:16])))
    trace.add_frame(base + 51 * MILLISECOND, eth(_fragment(phone.ip, meta, p.IPPROTO_UDP, 7102, 8, True, datagram[8:32])))
    trace.add_frame(base + 52 * MILLISECOND, eth(_fragment(phone.ip, meta, p.IPPROTO_UDP, 7102, 8, False, rng.randbytes(40))))
    # Question name at 12 is a pointer to the answer name at 18, which points back to 12.
    looped = (struct.pack("!HHHHHH", 0x4B4B, 0x8180, 1, 1, 0, 0) + b"\xc0\x12" + struct.pack("!HH", 1, 1)
              + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + p.ip_bytes(meta))
    trace.add_frame(base + 95 * MILLISECOND,
                    p.ethernet(phone.mac, gw.mac, p.ETHERTYPE_IPV4,
                               p.ipv4(gw.ip, phone.ip, p.IPPROTO_UDP, p.udp(gw.ip, phone.ip, 53, 50033, looped))))
    liar_server = net.server("g.whatsapp.net", meta, ttl=55)
    liar = TcpSession(trace, phone, liar_server, 51812, 443, rng, rtt_us=36 * MILLISECOND)
    t = liar.open(base + 130 * MILLISECOND)
    hello = bytearray(p.tls_client_hello(rng, "tls-liar2.example", ("h2",)))
    hello[3:5] = struct.pack("!H", 16000)  # record length far beyond the segment
    sni = hello.find(b"tls-liar2.example")
    hello[sni - 5:sni - 3] = struct.pack("!H", 0xFFF0)  # server_name_list length
    liar.send(t + MILLISECOND, True, bytes(hello), ack=False)
    liar.reset(t + 38 * MILLISECOND)
    return trace


SCENARIOS = [
    ("malformed_truncated_file.pcap", malformed_truncated_file),
    ("malformed_truncated_header.pcap", malformed_truncated_header),
    ("malformed_garbage_header.pcap", malformed_garbage_header),
    ("malformed_oversize.pcap", malformed_oversize),
    ("malformed_linktype_user0.pcap", malformed_linktype_user0),
    ("malformed_linktype_80211.pcap", malformed_linktype_80211),
    ("malformed_pcapng_interfaces.pcapng", malformed_pcapng_interfaces),
    ("malformed_out_of_order.pcap", malformed_out_of_order),
    ("malformed_headers.pcap", malformed_headers),
]


# =========================================================================== privacy

# Every payload byte in privacy_markers.pcap that is not protocol metadata carries one of these;
# tests/fuzz/cli/privacy_test.sh fails if any appears in baawatch's output or log.
PRIVACY_MARKERS = ("PHIMARK-TLSAPP-4417", "PHIMARK-HTTPREQ-4418", "PHIMARK-HTTPRESP-4419",
                   "PHIMARK-DNSTXT-4420", "PHIMARK-RTP-4421", "PHIMARK-UDP-4422",
                   "PHIMARK-CHATD-4423")


def _marked(marker: str, size: int) -> bytes:
    text = (f"patient=Jane Roe; dob=1961-02-03; note={marker}; ").encode()
    return (text * (size // len(text) + 1))[:size]


def _dns_txt_answer(ident: int, name: str, text: bytes) -> bytes:
    """DNS response with one TXT answer (RFC 1035 §3.3.14): the question, then a pointer to it."""
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\x00"
    rdata = bytes([len(text)]) + text
    return (struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + question + struct.pack("!HH", 16, 1)
            + b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 300, len(rdata)) + rdata)


def privacy_markers() -> Trace:
    """Payload that must never reach an output: marker strings (PRIVACY_MARKERS) inside TLS
    application data on a WhatsApp connection (SNI g.whatsapp.net), an HTTP POST body and its
    response body (http://example.com/upload), a DNS TXT answer, RTP payloads of a WhatsApp
    call leg (STUN Binding to 157.240.27.52:3478, then RTP PT 120) and a plain UDP datagram,
    and the frames of a WhatsApp chat connection on TCP 5222.

    A correct monitor reports WhatsApp for dr-lee-iphone as usual and no marker byte appears
    in any record or log line it writes (host names, SNI and DNS names are metadata, not
    payload, and are allowed)."""
    from traffic import dns_lookup, send_udp  # local: only this capture needs them
    rng = random.Random(5009)
    net = clinic()
    phone, gw = net.dr_lee_iphone, net.gateway
    trace = Trace(EthernetLink())
    t = SHORT_FLOW_BASE
    t = dns_lookup(trace, t, phone, gw, rng, "g.whatsapp.net", p.DNS_A,
                   [("g.whatsapp.net", p.DNS_A, 60, WHATSAPP_G_V4)], latency_us=14 * MILLISECOND)
    whatsapp = net.server("g.whatsapp.net", WHATSAPP_G_V4, ttl=55)
    session = TcpSession(trace, phone, whatsapp, 51744, 443, rng, rtt_us=36 * MILLISECOND)
    t = session.open(t + 2 * MILLISECOND)
    t = session.request_response(t + MILLISECOND, p.tls_client_hello(rng, "g.whatsapp.net", ("h2",)),
                                 p.tls_server_hello(rng) + p.tls_change_cipher_spec()
                                 + p.tls_application_data(rng, 2900))
    for index in range(4):
        t = session.send(t + 5 * MILLISECOND, index % 2 == 0,
                         p.tls_record(p.TLS_APPLICATION_DATA, _marked(PRIVACY_MARKERS[0], 300)))
    session.close(t + 100 * MILLISECOND)

    web = net.server("example.com", "93.184.216.34")
    http = TcpSession(trace, net.frontdesk_pc, web, 50400, 80, rng, rtt_us=20 * MILLISECOND)
    t = http.open(t + 200 * MILLISECOND)
    body = _marked(PRIVACY_MARKERS[1], 400)
    request = (b"POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    answer = _marked(PRIVACY_MARKERS[2], 300)
    response = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + str(len(answer)).encode() + b"\r\n\r\n" + answer)
    t = http.request_response(t + MILLISECOND, request, response)
    http.close(t + 50 * MILLISECOND)

    send_udp(trace, t + 100 * MILLISECOND, phone, gw, 50510, 53,
             p.dns_message(0x6161, response=False, questions=[("notes.example.org", 16)]))
    send_udp(trace, t + 115 * MILLISECOND, gw, phone, 53, 50510,
             _dns_txt_answer(0x6161, "notes.example.org", _marked(PRIVACY_MARKERS[3], 120)))

    relay = net.server("whatsapp-relay", "157.240.27.52", ttl=55)
    t += 300 * MILLISECOND
    transaction = rng.randbytes(12)
    send_udp(trace, t, phone, relay, 55804, 3478,
             p.stun_message(p.STUN_BINDING_REQUEST, transaction, [(p.STUN_ATTR_SOFTWARE, b"x")]))
    send_udp(trace, t + 30 * MILLISECOND, relay, phone, 3478, 55804,
             p.stun_message(p.STUN_BINDING_SUCCESS, transaction,
                            [(p.STUN_ATTR_XOR_MAPPED_ADDRESS,
                              p.stun_xor_address("203.0.113.45", 55804, transaction))]))
    for index in range(100):
        when = t + 50 * MILLISECOND + index * 20 * MILLISECOND
        from_phone = index % 2 == 0
        packet = p.rtp(120, index, index * 960, 0x11223344 if from_phone else 0x55667788,
                       _marked(PRIVACY_MARKERS[4], 160))
        if from_phone:
            send_udp(trace, when, phone, relay, 55804, 3478, packet)
        else:
            send_udp(trace, when, relay, phone, 3478, 55804, packet)
    send_udp(trace, t + 3 * SECOND, phone, net.server("lab", "198.51.100.9"), 40000, 9999,
             _marked(PRIVACY_MARKERS[5], 200))

    chat = net.server("whatsapp-chat", "31.13.66.56", ttl=55)
    chatd = TcpSession(trace, phone, chat, 51900, 5222, rng, rtt_us=30 * MILLISECOND)
    t = chatd.open(t + 3500 * MILLISECOND)
    t = chatd.request_response(t + MILLISECOND, b"ED\x00\x01" + _marked(PRIVACY_MARKERS[6], 200),
                               _marked(PRIVACY_MARKERS[6], 180))
    chatd.close(t + 100 * MILLISECOND)
    return trace


SCENARIOS.append(("privacy_markers.pcap", privacy_markers))
