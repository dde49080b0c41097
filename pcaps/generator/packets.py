"""Packet builders for baawatch's self-made captures (Python 3 standard library only).

Every function returns ``bytes``. Builders are layered the way the wire is:

* link layer:   ``ethernet`` (optional 802.1Q / 802.1ad tags), ``linux_sll``, ``linux_sll2``,
                ``bsd_null``; raw IP needs no builder.
* network:      ``ipv4`` (header checksum computed), ``ipv6`` (+ extension headers).
* transport:    ``udp`` and ``tcp`` with checksums over the IPv4 or IPv6 pseudo header.
* application:  DNS (with name compression), TLS records (ClientHello with SNI/ALPN/ECH,
                ServerHello, ChangeCipherSpec, application data), QUIC v1 long/short header
                packets, STUN, RTP, DHCP, mDNS, NTP, HTTP/1.1.

Builders take keyword arguments that let a scenario break a field on purpose
(``ihl=3``, ``total_length=12``, ``data_offset=2``...): malformed captures use the same code
as good ones. Encrypted payloads are random bytes from a seeded ``random.Random`` supplied by
the caller, so every output is deterministic and never contains anything but noise.
"""

from __future__ import annotations

import ipaddress
import struct
import zlib
from typing import Iterable, Sequence

# --------------------------------------------------------------------------- constants

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
ETHERTYPE_VLAN = 0x8100  # IEEE 802.1Q customer tag
ETHERTYPE_QINQ = 0x88A8  # IEEE 802.1ad service tag

IPPROTO_HOPOPTS = 0
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_DSTOPTS = 60
IPPROTO_NONE = 59

TCP_FIN = 0x01
TCP_SYN = 0x02
TCP_RST = 0x04
TCP_PSH = 0x08
TCP_ACK = 0x10

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
MDNS_MAC_V4 = "01:00:5e:00:00:fb"  # 224.0.0.251 mapped (RFC 1112 section 6.4)


# --------------------------------------------------------------------------- helpers

def mac_bytes(mac: str) -> bytes:
    """'aa:bb:cc:dd:ee:ff' -> 6 bytes."""
    raw = bytes(int(part, 16) for part in mac.split(":"))
    if len(raw) != 6:
        raise ValueError(f"bad MAC address {mac!r}")
    return raw


def ip_bytes(address: str) -> bytes:
    """Textual IPv4/IPv6 address -> 4 or 16 packed bytes."""
    return ipaddress.ip_address(address).packed


def is_ipv6(address: str) -> bool:
    return ipaddress.ip_address(address).version == 6


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pseudo_header(src: str, dst: str, proto: int, length: int) -> bytes:
    if is_ipv6(src):
        # RFC 8200 section 8.1: upper-layer length is 32 bits, next header is the final one.
        return ip_bytes(src) + ip_bytes(dst) + struct.pack("!IxxxB", length, proto)
    return ip_bytes(src) + ip_bytes(dst) + struct.pack("!xBH", proto, length)


# --------------------------------------------------------------------------- link layer

def ethernet(dst_mac: str, src_mac: str, ethertype: int, payload: bytes,
             vlans: Sequence[tuple[int, int]] = ()) -> bytes:
    """Ethernet II frame. ``vlans`` lists (tpid, vlan_id) outermost first, e.g.
    [(ETHERTYPE_QINQ, 100), (ETHERTYPE_VLAN, 20)] for QinQ. No FCS (as captured by libpcap)."""
    header = mac_bytes(dst_mac) + mac_bytes(src_mac)
    for tpid, vlan_id in vlans:
        header += struct.pack("!HH", tpid, vlan_id & 0x0FFF)  # PCP 0, DEI 0
    return header + struct.pack("!H", ethertype) + payload


SLL_HOST = 0       # packet addressed to this host
SLL_OUTGOING = 4   # packet sent by this host


def linux_sll(packet_type: int, src_mac: str, ethertype: int, payload: bytes) -> bytes:
    """Linux cooked capture v1 header (DLT_LINUX_SLL = 113), 16 bytes."""
    address = mac_bytes(src_mac) + b"\x00\x00"
    return struct.pack("!HHH", packet_type, 1, 6) + address + struct.pack("!H", ethertype) + payload


def linux_sll2(packet_type: int, src_mac: str, ethertype: int, payload: bytes,
               if_index: int = 2) -> bytes:
    """Linux cooked capture v2 header (DLT_LINUX_SLL2 = 276), 20 bytes."""
    address = mac_bytes(src_mac) + b"\x00\x00"
    return (struct.pack("!HHIHBB", ethertype, 0, if_index, 1, packet_type, 6)
            + address + payload)


def bsd_null(family: int, payload: bytes) -> bytes:
    """BSD loopback header (DLT_NULL = 0): address family as a 32-bit word in the byte order
    of the capturing host; we write little-endian (x86), AF_INET = 2."""
    return struct.pack("<I", family) + payload


# --------------------------------------------------------------------------- network layer

def ipv4(src: str, dst: str, proto: int, payload: bytes, *, ttl: int = 64, ident: int = 0,
         dont_fragment: bool = True, tos: int = 0, options: bytes = b"",
         ihl: int | None = None, total_length: int | None = None,
         checksum: int | None = None) -> bytes:
    """IPv4 header + payload with a correct header checksum (RFC 791).

    ``ihl``, ``total_length`` and ``checksum`` override the computed values, for malformed
    packets; the checksum is then still computed over the bytes actually written."""
    if len(options) % 4:
        raise ValueError("IPv4 options must be padded to 32 bits")
    header_words = ihl if ihl is not None else 5 + len(options) // 4
    length = total_length if total_length is not None else 20 + len(options) + len(payload)
    flags_fragment = 0x4000 if dont_fragment else 0
    header = struct.pack("!BBHHHBBH4s4s", 0x40 | (header_words & 0x0F), tos, length,
                         ident & 0xFFFF, flags_fragment, ttl, proto, 0,
                         ip_bytes(src), ip_bytes(dst)) + options
    value = internet_checksum(header) if checksum is None else checksum
    header = header[:10] + struct.pack("!H", value) + header[12:]
    return header + payload


def ipv6_extension(next_header: int, body: bytes) -> bytes:
    """Generic extension header (hop-by-hop, destination options): next header, length in
    8-octet units not counting the first 8, then ``body`` padded with PadN to a multiple of 8."""
    total = 2 + len(body)
    pad = (-total) % 8
    if pad == 1:
        body += b"\x00"            # Pad1
    elif pad > 1:
        body += bytes([1, pad - 2]) + b"\x00" * (pad - 2)  # PadN
    return struct.pack("!BB", next_header, (2 + len(body)) // 8 - 1) + body


def ipv6(src: str, dst: str, next_header: int, payload: bytes, *, hop_limit: int = 64,
         flow_label: int = 0, traffic_class: int = 0,
         extension_headers: Sequence[tuple[int, bytes]] = ()) -> bytes:
    """IPv6 header (RFC 8200) + extension headers + payload.

    ``extension_headers`` lists (header_type, body) in order, e.g.
    [(IPPROTO_HOPOPTS, b"")] for an empty (padded) hop-by-hop header. ``next_header`` is the
    upper-layer protocol that follows the last extension header."""
    chain = b""
    types = [kind for kind, _ in extension_headers]
    for index, (_, body) in enumerate(extension_headers):
        following = types[index + 1] if index + 1 < len(types) else next_header
        chain += ipv6_extension(following, body)
    first = types[0] if types else next_header
    word = (6 << 28) | ((traffic_class & 0xFF) << 20) | (flow_label & 0xFFFFF)
    body = chain + payload
    return struct.pack("!IHBB16s16s", word, len(body), first, hop_limit,
                       ip_bytes(src), ip_bytes(dst)) + body


def ip_packet(src: str, dst: str, proto: int, payload: bytes, **options) -> bytes:
    """IPv4 or IPv6 depending on the address family of ``src``. IPv4-only options (ident,
    ttl...) and IPv6-only options (hop_limit, extension_headers...) are passed through."""
    if is_ipv6(src):
        allowed = {"hop_limit", "flow_label", "traffic_class", "extension_headers"}
        if "ttl" in options:
            options.setdefault("hop_limit", options["ttl"])
        return ipv6(src, dst, proto, payload, **{k: v for k, v in options.items() if k in allowed})
    allowed = {"ttl", "ident", "dont_fragment", "tos", "options", "ihl", "total_length",
               "checksum"}
    return ipv4(src, dst, proto, payload, **{k: v for k, v in options.items() if k in allowed})


# --------------------------------------------------------------------------- transport

def udp(src: str, dst: str, sport: int, dport: int, payload: bytes, *,
        length: int | None = None) -> bytes:
    """UDP datagram with checksum over the pseudo header (RFC 768; mandatory for IPv6).
    ``length`` overrides the length field (for malformed packets)."""
    real_length = 8 + len(payload)
    field = real_length if length is None else length
    segment = struct.pack("!HHHH", sport, dport, field, 0) + payload
    value = internet_checksum(_pseudo_header(src, dst, IPPROTO_UDP, real_length) + segment)
    if value == 0:
        value = 0xFFFF  # 0 means "no checksum"
    return segment[:6] + struct.pack("!H", value) + segment[8:]


def tcp_options_syn(mss: int = 1460, window_scale: int = 6) -> bytes:
    """MSS, NOP, window scale, NOP, NOP, SACK permitted: 12 bytes."""
    return (struct.pack("!BBH", 2, 4, mss) + b"\x01" + struct.pack("!BBB", 3, 3, window_scale)
            + b"\x01\x01" + struct.pack("!BB", 4, 2))


def tcp(src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: int,
        payload: bytes = b"", *, window: int = 65535, options: bytes = b"",
        data_offset: int | None = None) -> bytes:
    """TCP segment with checksum (RFC 9293). ``data_offset`` overrides the header length
    field in 32-bit words (for malformed packets)."""
    if len(options) % 4:
        raise ValueError("TCP options must be padded to 32 bits")
    offset = data_offset if data_offset is not None else 5 + len(options) // 4
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                         (offset & 0x0F) << 4, flags, window, 0, 0) + options
    segment = header + payload
    value = internet_checksum(_pseudo_header(src, dst, IPPROTO_TCP, len(segment)) + segment)
    return segment[:16] + struct.pack("!H", value) + segment[18:]


# --------------------------------------------------------------------------- DNS

DNS_A = 1
DNS_CNAME = 5
DNS_PTR = 12
DNS_AAAA = 28
DNS_CLASS_IN = 1


class DnsNameEncoder:
    """Writes domain names with RFC 1035 section 4.1.4 compression: every suffix written
    once is remembered with its offset and later reused through a 0xC000 pointer."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self._offsets: dict[str, int] = {}

    def name(self, name: str) -> None:
        labels = [label for label in name.rstrip(".").split(".") if label]
        for index in range(len(labels)):
            suffix = ".".join(labels[index:]).lower()
            if suffix in self._offsets:
                self.buffer += struct.pack("!H", 0xC000 | self._offsets[suffix])
                return
            if len(self.buffer) < 0x3FFF:
                self._offsets[suffix] = len(self.buffer)
            raw = labels[index].encode("ascii")
            self.buffer += bytes([len(raw)]) + raw
        self.buffer += b"\x00"

    def raw(self, data: bytes) -> None:
        self.buffer += data


def dns_message(ident: int, *, response: bool, questions: Sequence[tuple[str, int]],
                answers: Sequence[tuple[str, int, int, object]] = (),
                recursion_desired: bool = True, recursion_available: bool = True,
                authoritative: bool = False, rcode: int = 0,
                cache_flush: bool = False) -> bytes:
    """DNS message. ``questions`` = [(name, qtype)]; ``answers`` = [(name, rtype, ttl, data)]
    where data is an address string for A/AAAA or a target name for CNAME/PTR.
    ``cache_flush`` sets the mDNS cache-flush bit (RFC 6762 section 10.2) on answers."""
    flags = 0
    if response:
        flags |= 0x8000
        if authoritative:
            flags |= 0x0400
        if recursion_available:
            flags |= 0x0080
    if recursion_desired:
        flags |= 0x0100
    flags |= rcode & 0x0F
    encoder = DnsNameEncoder()
    encoder.raw(struct.pack("!HHHHHH", ident, flags, len(questions), len(answers), 0, 0))
    for name, qtype in questions:
        encoder.name(name)
        encoder.raw(struct.pack("!HH", qtype, DNS_CLASS_IN))
    for name, rtype, ttl, data in answers:
        encoder.name(name)
        rclass = DNS_CLASS_IN | (0x8000 if cache_flush else 0)
        encoder.raw(struct.pack("!HHI", rtype, rclass, ttl))
        if rtype in (DNS_A, DNS_AAAA):
            rdata = ip_bytes(str(data))
            encoder.raw(struct.pack("!H", len(rdata)) + rdata)
        elif rtype in (DNS_CNAME, DNS_PTR):
            length_at = len(encoder.buffer)
            encoder.raw(b"\x00\x00")
            encoder.name(str(data))
            rdlength = len(encoder.buffer) - length_at - 2
            encoder.buffer[length_at:length_at + 2] = struct.pack("!H", rdlength)
        else:
            rdata = bytes(data)  # type: ignore[arg-type]
            encoder.raw(struct.pack("!H", len(rdata)) + rdata)
    return bytes(encoder.buffer)


def mdns_announcement(host_name: str, address: str, ttl: int = 120) -> bytes:
    """Unsolicited mDNS response (RFC 6762 section 8.3) announcing ``host_name``.local -> A."""
    name = host_name if host_name.endswith(".local") else host_name + ".local"
    rtype = DNS_AAAA if is_ipv6(address) else DNS_A
    return dns_message(0, response=True, questions=(), answers=[(name, rtype, ttl, address)],
                       recursion_desired=False, recursion_available=False,
                       authoritative=True, cache_flush=True)


# --------------------------------------------------------------------------- TLS

TLS_CHANGE_CIPHER_SPEC = 20
TLS_ALERT = 21
TLS_HANDSHAKE = 22
TLS_APPLICATION_DATA = 23

# A Chrome-like cipher suite list (TLS 1.3 suites first, then ECDHE/RSA fallbacks).
DEFAULT_CIPHER_SUITES = (0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9,
                         0xCCA8, 0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035)


def tls_record(content_type: int, body: bytes, version: int = 0x0303) -> bytes:
    return struct.pack("!BHH", content_type, version, len(body)) + body


def _extension(ext_type: int, body: bytes) -> bytes:
    return struct.pack("!HH", ext_type, len(body)) + body


def tls_client_hello(rng, server_name: str | None, alpn: Iterable[str] = ("h2", "http/1.1"),
                     *, ech: bool = False, cipher_suites: Sequence[int] = DEFAULT_CIPHER_SUITES,
                     extensions_length: int | None = None,
                     record_version: int = 0x0301, post_quantum: bool = False) -> bytes:
    """A TLS 1.3 ClientHello in one handshake record (RFC 8446 section 4.1.2).

    Extensions: server_name (0), extended_master_secret (23), renegotiation_info (0xff01),
    supported_groups (10), ec_point_formats (11), session_ticket (35), ALPN (16) when given,
    status_request (5), signature_algorithms (13), key_share (51, x25519), psk modes (45),
    supported_versions (43), optional encrypted_client_hello (0xfe0d, outer form from
    draft-ietf-tls-esni-18 section 5 with random config id/enc/payload), then padding (21).
    ``extensions_length`` overrides the extensions length field (a lying ClientHello).
    ``post_quantum`` puts an X25519MLKEM768 share (group 0x11ec, 1,216 bytes,
    draft-ietf-tls-ecdhe-mlkem) before the x25519 one, as Chrome and Firefox send since 2024:
    the hello grows to ~1.5 KB, more than one TCP segment or QUIC Initial holds."""
    extensions = b""
    if server_name is not None:
        host = server_name.encode("ascii")
        entry = struct.pack("!BH", 0, len(host)) + host
        extensions += _extension(0, struct.pack("!H", len(entry)) + entry)
    extensions += _extension(23, b"")
    extensions += _extension(0xFF01, b"\x00")
    groups = struct.pack("!4H", 0x001D, 0x0017, 0x0018, 0x0019)
    extensions += _extension(10, struct.pack("!H", len(groups)) + groups)
    extensions += _extension(11, b"\x01\x00")
    extensions += _extension(35, b"")
    protocols = b"".join(bytes([len(p)]) + p.encode("ascii") for p in alpn)
    if protocols:
        extensions += _extension(16, struct.pack("!H", len(protocols)) + protocols)
    extensions += _extension(5, b"\x01\x00\x00\x00\x00")
    algorithms = struct.pack("!8H", 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
                             0x0601)
    extensions += _extension(13, struct.pack("!H", len(algorithms)) + algorithms)
    share = struct.pack("!HH", 0x001D, 32) + rng.randbytes(32)
    if post_quantum:
        share = struct.pack("!HH", 0x11EC, 1216) + rng.randbytes(1216) + share
    extensions += _extension(51, struct.pack("!H", len(share)) + share)
    extensions += _extension(45, b"\x01\x01")
    extensions += _extension(43, b"\x04\x03\x04\x03\x03")
    if ech:
        enc = rng.randbytes(32)
        payload = rng.randbytes(208)
        body = (struct.pack("!BHHB", 0, 0x0001, 0x0001, rng.randrange(256))  # outer, HKDF-SHA256, AES-128-GCM
                + struct.pack("!H", len(enc)) + enc + struct.pack("!H", len(payload)) + payload)
        extensions += _extension(0xFE0D, body)
    suites = struct.pack(f"!{len(cipher_suites)}H", *cipher_suites)
    hello_fixed = (struct.pack("!H", 0x0303) + rng.randbytes(32) + b"\x20" + rng.randbytes(32)
                   + struct.pack("!H", len(suites)) + suites + b"\x01\x00")
    # Pad like BoringSSL so the ClientHello body is at least 512 bytes (RFC 7685).
    shortfall = 508 - (len(hello_fixed) + 2 + len(extensions))
    if shortfall > 0:
        extensions += _extension(21, b"\x00" * max(0, shortfall - 4))
    ext_len_field = len(extensions) if extensions_length is None else extensions_length
    body = hello_fixed + struct.pack("!H", ext_len_field) + extensions
    handshake = struct.pack("!B", 1) + len(body).to_bytes(3, "big") + body
    return tls_record(TLS_HANDSHAKE, handshake, record_version)


def tls_server_hello(rng, *, session_id: bytes = b"", cipher_suite: int = 0x1301) -> bytes:
    """TLS 1.3 ServerHello record (supported_versions 0x0304, x25519 key share)."""
    session_id = session_id or rng.randbytes(32)
    extensions = (_extension(43, b"\x03\x04")
                  + _extension(51, struct.pack("!HH", 0x001D, 32) + rng.randbytes(32)))
    body = (struct.pack("!H", 0x0303) + rng.randbytes(32) + bytes([len(session_id)]) + session_id
            + struct.pack("!HB", cipher_suite, 0) + struct.pack("!H", len(extensions))
            + extensions)
    handshake = struct.pack("!B", 2) + len(body).to_bytes(3, "big") + body
    return tls_record(TLS_HANDSHAKE, handshake)


def tls_change_cipher_spec() -> bytes:
    return tls_record(TLS_CHANGE_CIPHER_SPEC, b"\x01")


def tls_application_data(rng, length: int) -> bytes:
    """One application_data record with ``length`` bytes of random ciphertext."""
    return tls_record(TLS_APPLICATION_DATA, rng.randbytes(length))


def tls_application_stream(rng, total: int, record_size: int = 16384) -> bytes:
    """``total`` bytes of ciphertext as consecutive application_data records, each at most
    ``record_size`` bytes (TLSCiphertext limit 2^14 + 256, RFC 8446 section 5.2)."""
    out = b""
    while total > 0:
        chunk = min(total, record_size)
        out += tls_application_data(rng, chunk)
        total -= chunk
    return out


# --------------------------------------------------------------------------- QUIC

def quic_varint(value: int) -> bytes:
    """RFC 9000 section 16 variable-length integer."""
    if value < 0x40:
        return struct.pack("!B", value)
    if value < 0x4000:
        return struct.pack("!H", 0x4000 | value)
    if value < 0x40000000:
        return struct.pack("!I", 0x80000000 | value)
    return struct.pack("!Q", 0xC000000000000000 | value)


QUIC_INITIAL = 0
QUIC_0RTT = 1
QUIC_HANDSHAKE = 2


def quic_long_header(rng, packet_type: int, dcid: bytes, scid: bytes, payload_length: int,
                     *, version: int = 0x00000001, token: bytes = b"",
                     pad_to: int | None = None) -> bytes:
    """QUIC long-header packet (RFC 9000 section 17.2) with random protected bytes.

    The first byte keeps the header-form and fixed bits and the packet type; its low four
    bits are header-protected in real traffic, so they are random here. The packet number
    and payload are random (not decryptable). ``pad_to`` grows the payload so the whole
    datagram is that long (client Initials must be >= 1200 bytes, section 14.1)."""
    first = 0xC0 | (packet_type << 4) | rng.randrange(16)
    header = struct.pack("!BI", first, version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    if packet_type == QUIC_INITIAL:
        header += quic_varint(len(token)) + token
    if pad_to is not None:
        # length field is 2 bytes for the sizes used here
        payload_length = max(payload_length, pad_to - len(header) - 2)
    return header + quic_varint(payload_length) + rng.randbytes(payload_length)


def quic_short_header(rng, dcid: bytes, payload_length: int) -> bytes:
    """QUIC 1-RTT short-header packet (RFC 9000 section 17.3.1): 0b01SRRKPP, DCID, random
    protected packet number + payload. The spin bit and protected bits are random."""
    first = 0x40 | rng.randrange(0x40)
    return bytes([first]) + dcid + rng.randbytes(payload_length)


# --------------------------------------------------------------------------- STUN

STUN_MAGIC_COOKIE = 0x2112A442
STUN_BINDING_REQUEST = 0x0001
STUN_BINDING_SUCCESS = 0x0101
STUN_ALLOCATE_REQUEST = 0x0003
STUN_ALLOCATE_SUCCESS = 0x0103

STUN_ATTR_USERNAME = 0x0006
STUN_ATTR_MESSAGE_INTEGRITY = 0x0008
STUN_ATTR_REALM = 0x0014
STUN_ATTR_XOR_RELAYED_ADDRESS = 0x0016
STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020
STUN_ATTR_PRIORITY = 0x0024
STUN_ATTR_SOFTWARE = 0x8022
STUN_ATTR_FINGERPRINT = 0x8028
STUN_ATTR_ICE_CONTROLLING = 0x802A


def stun_message(msg_type: int, transaction_id: bytes,
                 attributes: Sequence[tuple[int, bytes]] = (), *,
                 fingerprint: bool = False) -> bytes:
    """STUN message (RFC 8489 section 5): type, length, magic cookie, 96-bit transaction id,
    then TLV attributes padded to 4 bytes. Any message type and attribute type is accepted
    (WhatsApp uses private types such as 0x0800 and attributes 0x4000-0x4007).
    ``fingerprint`` appends a correct FINGERPRINT (CRC-32 xor 0x5354554e, section 14.7)."""
    if len(transaction_id) != 12:
        raise ValueError("STUN transaction id is 12 bytes")
    body = b""
    for attr_type, value in attributes:
        body += struct.pack("!HH", attr_type, len(value)) + value + b"\x00" * ((-len(value)) % 4)
    if fingerprint:
        header = struct.pack("!HHI", msg_type, len(body) + 8, STUN_MAGIC_COOKIE) + transaction_id
        crc = (zlib.crc32(header + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += struct.pack("!HHI", STUN_ATTR_FINGERPRINT, 4, crc)
    return struct.pack("!HHI", msg_type, len(body), STUN_MAGIC_COOKIE) + transaction_id + body


def stun_xor_address(address: str, port: int, transaction_id: bytes) -> bytes:
    """XOR-MAPPED-ADDRESS / XOR-RELAYED-ADDRESS value (RFC 8489 section 14.2)."""
    raw = ip_bytes(address)
    family = 0x02 if len(raw) == 16 else 0x01
    xport = port ^ (STUN_MAGIC_COOKIE >> 16)
    key = struct.pack("!I", STUN_MAGIC_COOKIE) + transaction_id
    xaddr = bytes(b ^ key[i] for i, b in enumerate(raw))
    return struct.pack("!xBH", family, xport) + xaddr


# --------------------------------------------------------------------------- RTP

def rtp(payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes, *,
        marker: bool = False, extension: bytes | None = None) -> bytes:
    """RTP fixed header (RFC 3550 section 5.1), version 2, no CSRC. ``extension`` is the
    header-extension body (RFC 8285 one-byte form, profile 0xBEDE), padded to 32 bits."""
    first = 0x80 | (0x10 if extension is not None else 0)
    header = struct.pack("!BBHII", first, (0x80 if marker else 0) | (payload_type & 0x7F),
                         sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc)
    if extension is not None:
        extension += b"\x00" * ((-len(extension)) % 4)
        header += struct.pack("!HH", 0xBEDE, len(extension) // 4) + extension
    return header + payload


# --------------------------------------------------------------------------- DHCP

DHCP_DISCOVER = 1
DHCP_OFFER = 2
DHCP_REQUEST = 3
DHCP_ACK = 5


def dhcp(message_type: int, xid: int, client_mac: str, *, reply: bool = False,
         client_ip: str = "0.0.0.0", your_ip: str = "0.0.0.0", server_ip: str = "0.0.0.0",
         host_name: str | None = None, requested_ip: str | None = None,
         server_id: str | None = None, lease_seconds: int | None = None,
         subnet_mask: str | None = None, router: str | None = None,
         dns_servers: Sequence[str] = (), domain_name: str | None = None,
         vendor_class: str | None = None, broadcast: bool = False, secs: int = 0) -> bytes:
    """BOOTP/DHCP message (RFC 2131/2132) with options 53 (type), 61 (client id), 50
    (requested address), 54 (server id), 12 (host name), 60 (vendor class), 55 (parameter
    request list), 51/1/3/6/15 in replies, 255 (end)."""
    fixed = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2 if reply else 1, 1, 6, 0, xid, secs,
                        0x8000 if broadcast else 0, ip_bytes(client_ip), ip_bytes(your_ip),
                        ip_bytes(server_ip), ip_bytes("0.0.0.0"), mac_bytes(client_mac),
                        b"", b"")
    options = struct.pack("!IBBB", 0x63825363, 53, 1, message_type)

    def option(code: int, value: bytes) -> bytes:
        return bytes([code, len(value)]) + value

    if not reply:
        options += option(61, b"\x01" + mac_bytes(client_mac))
    if requested_ip:
        options += option(50, ip_bytes(requested_ip))
    if server_id:
        options += option(54, ip_bytes(server_id))
    if lease_seconds is not None:
        options += option(51, struct.pack("!I", lease_seconds))
    if subnet_mask:
        options += option(1, ip_bytes(subnet_mask))
    if router:
        options += option(3, ip_bytes(router))
    if dns_servers:
        options += option(6, b"".join(ip_bytes(a) for a in dns_servers))
    if domain_name:
        options += option(15, domain_name.encode("ascii"))
    if host_name:
        options += option(12, host_name.encode("ascii"))
    if vendor_class:
        options += option(60, vendor_class.encode("ascii"))
    if not reply:
        options += option(55, bytes([1, 3, 6, 15, 119, 252]))
    options += b"\xff"
    message = fixed + options
    return message + b"\x00" * max(0, 300 - len(message))  # BOOTP minimum size


# --------------------------------------------------------------------------- NTP / HTTP

NTP_UNIX_OFFSET = 2208988800


def ntp(mode: int, transmit_us: int, *, stratum: int = 0, reference_id: bytes = b"\x00" * 4,
        origin_us: int = 0, receive_us: int = 0) -> bytes:
    """NTPv4 packet (RFC 5905 section 7.3); timestamps are Unix microseconds."""

    def stamp(us: int) -> bytes:
        if not us:
            return b"\x00" * 8
        seconds, micros = divmod(us, 1_000_000)
        return struct.pack("!II", seconds + NTP_UNIX_OFFSET, (micros << 32) // 1_000_000)

    first = (0 << 6) | (4 << 3) | mode
    return (struct.pack("!BBbbII", first, stratum, 3 if mode == 3 else 0, -24 if stratum else 0,
                        0, 0) + reference_id + stamp(receive_us if stratum else 0)
            + stamp(origin_us) + stamp(receive_us) + stamp(transmit_us))


def http_request(method: str, host: str, path: str = "/",
                 headers: Sequence[tuple[str, str]] = ()) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def http_response(status: str, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


# --------------------------------------------------------------------------- STUN with credentials, TURN

STUN_ATTR_CHANNEL_NUMBER = 0x000C
STUN_ATTR_DATA = 0x0013
STUN_ATTR_USE_CANDIDATE = 0x0025
STUN_ATTR_ERROR_CODE = 0x0009          # RFC 8489 section 14.8
STUN_ATTR_NONCE = 0x0015               # RFC 8489 section 14.10
STUN_ATTR_REQUESTED_TRANSPORT = 0x0019  # RFC 8656 section 18.7
STUN_SEND_INDICATION = 0x0016   # TURN Send indication (method 0x006, RFC 8656 section 17)
STUN_DATA_INDICATION = 0x0017   # TURN Data indication (method 0x007, RFC 8656 section 17)


def _stun_attributes(attributes: Sequence[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack("!HH", kind, len(value)) + value + b"\x00" * ((-len(value)) % 4)
                    for kind, value in attributes)


def stun_message_auth(msg_type: int, transaction_id: bytes,
                      attributes: Sequence[tuple[int, bytes]], key: bytes, *,
                      fingerprint: bool = True) -> bytes:
    """STUN message with a real MESSAGE-INTEGRITY (HMAC-SHA1 keyed with ``key``, computed over
    the message with its length field covering the MESSAGE-INTEGRITY attribute, RFC 8489
    section 14.5), optionally followed by FINGERPRINT (section 14.7)."""
    import hashlib
    import hmac
    if len(transaction_id) != 12:
        raise ValueError("STUN transaction id is 12 bytes")
    body = _stun_attributes(attributes)
    header = struct.pack("!HHI", msg_type, len(body) + 24, STUN_MAGIC_COOKIE) + transaction_id
    digest = hmac.new(key, header + body, hashlib.sha1).digest()
    body += struct.pack("!HH", STUN_ATTR_MESSAGE_INTEGRITY, 20) + digest
    if fingerprint:
        header = struct.pack("!HHI", msg_type, len(body) + 8, STUN_MAGIC_COOKIE) + transaction_id
        crc = (zlib.crc32(header + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += struct.pack("!HHI", STUN_ATTR_FINGERPRINT, 4, crc)
    return struct.pack("!HHI", msg_type, len(body), STUN_MAGIC_COOKIE) + transaction_id + body


def turn_channel_data(channel: int, data: bytes) -> bytes:
    """TURN ChannelData message (RFC 8656 section 12.4): channel number (0x4000-0x7FFF),
    length of the application data, the data; unpadded, as allowed over UDP."""
    if not 0x4000 <= channel <= 0x7FFF:
        raise ValueError(f"TURN channel number {channel:#06x} outside 0x4000-0x7FFF")
    return struct.pack("!HH", channel, len(data)) + data


# --------------------------------------------------------------------------- DTLS 1.2

DTLS_1_2 = 0xFEFD


def dtls_record(content_type: int, epoch: int, sequence: int, body: bytes,
                version: int = DTLS_1_2) -> bytes:
    """DTLS record (RFC 6347 section 4.1): type, version, epoch, 48-bit sequence, length."""
    return (struct.pack("!BHH", content_type, version, epoch) + sequence.to_bytes(6, "big")
            + struct.pack("!H", len(body)) + body)


def dtls_handshake(msg_type: int, message_seq: int, body: bytes) -> bytes:
    """Unfragmented DTLS handshake message (RFC 6347 section 4.2.2)."""
    length = len(body).to_bytes(3, "big")
    return (bytes([msg_type]) + length + struct.pack("!H", message_seq) + b"\x00\x00\x00"
            + length + body)


def dtls_client_hello_body(rng, srtp_profiles: Sequence[int] = (0x0007, 0x0001)) -> bytes:
    """DTLS 1.2 ClientHello body as a WebRTC browser sends it: empty cookie, ECDHE suites,
    extended_master_secret, renegotiation_info, supported_groups, ec_point_formats,
    signature_algorithms, use_srtp (RFC 5764 section 4.1.1)."""
    suites = struct.pack("!8H", 0xC02B, 0xC02F, 0xCCA9, 0xCCA8, 0xC009, 0xC013, 0xC00A, 0xC014)
    groups = struct.pack("!3H", 0x001D, 0x0017, 0x0018)
    algorithms = struct.pack("!6H", 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501)
    profiles = struct.pack(f"!{len(srtp_profiles)}H", *srtp_profiles)
    extensions = (_extension(23, b"") + _extension(0xFF01, b"\x00")
                  + _extension(10, struct.pack("!H", len(groups)) + groups)
                  + _extension(11, b"\x01\x00")
                  + _extension(13, struct.pack("!H", len(algorithms)) + algorithms)
                  + _extension(14, struct.pack("!H", len(profiles)) + profiles + b"\x00"))
    return (struct.pack("!H", DTLS_1_2) + rng.randbytes(32) + b"\x00" + b"\x00"
            + struct.pack("!H", len(suites)) + suites + b"\x01\x00"
            + struct.pack("!H", len(extensions)) + extensions)


def dtls_server_hello_body(rng, cipher_suite: int = 0xC02B, srtp_profile: int = 0x0007) -> bytes:
    extensions = (_extension(23, b"") + _extension(0xFF01, b"\x00") + _extension(11, b"\x01\x00")
                  + _extension(14, struct.pack("!HH", 2, srtp_profile) + b"\x00"))
    return (struct.pack("!H", DTLS_1_2) + rng.randbytes(32) + b"\x20" + rng.randbytes(32)
            + struct.pack("!HB", cipher_suite, 0) + struct.pack("!H", len(extensions)) + extensions)
