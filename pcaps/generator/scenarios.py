"""One function per capture. Each builds a fresh clinic network, uses a fixed seed and a
fixed base time in 2025, and returns a ``traffic.Trace``; the docstring says what the capture
represents and what a correct monitor must report for it (pcaps/README.md repeats it).

Addresses: clinic devices in 192.168.10.0/24 (IPv6 2001:db8:10:10::/64, documentation
prefix), gateway, DHCP server and DNS resolver 192.168.10.1, clinic public address
203.0.113.45 (documentation range, seen only inside STUN answers). Service addresses lie in
ranges the services really use (research/signatures.md): Meta 157.240.0.0/16,
31.13.64.0/18 and 2a03:2880::/32; Zoom 170.114.0.0/16; Signal 76.223.92.165 (AWS Global
Accelerator, from the brief); ordinary sites at addresses of their operators.
"""

from __future__ import annotations

import calendar
import random
import struct
from types import SimpleNamespace

import packets as p
from traffic import (MILLISECOND, SECOND, EthernetLink, Host, LinuxCookedLink,
                     NullLink, RawIpLink, RtpSender, TcpSession, Trace, dhcp_exchange,
                     dns_lookup, mdns_announce, media_stream, send_udp, tls_handshake)

CLINIC_PUBLIC_IP = "203.0.113.45"

# Meta (WhatsApp) endpoints
WHATSAPP_G_V4 = "157.240.229.60"
WHATSAPP_G_V6 = "2a03:2880:f20c:1:face:b00c:0:167"
WHATSAPP_CHAT_V4 = "31.13.66.56"
WHATSAPP_RELAY_V4 = "157.240.27.52"
WHATSAPP_WEB_V4 = "157.240.229.53"
# Zoom
ZOOM_WEB_V4 = "170.114.52.2"
ZOOM_MEDIA_V4 = "170.114.46.32"
# Signal
SIGNAL_CHAT_V4 = "76.223.92.165"


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Fixed base time in microseconds."""
    return calendar.timegm((year, month, day, hour, minute, second)) * SECOND


def clinic() -> SimpleNamespace:
    """A fresh set of hosts (hosts carry IP-ID counters, so each scenario gets its own)."""
    gateway = Host("clinic-gw", "00:0d:b9:5a:10:01", "192.168.10.1", ip6="2001:db8:10:10::1")

    def server(name: str, ip: str, ip6: str | None = None, ttl: int = 56) -> Host:
        return Host(name, gateway.mac, ip, ip6=ip6, ttl=ttl)

    return SimpleNamespace(
        gateway=gateway,
        server=server,
        # iPhone with iOS "private Wi-Fi address" (locally administered MAC)
        dr_lee_iphone=Host("dr-lee-iphone", "5a:3c:9e:41:07:2d", "192.168.10.23",
                           ip6="2001:db8:10:10:583c:9eff:fe41:72d", ttl=64),
        exam_room_2=Host("exam-room-2", "d4:81:d7:2c:6e:12", "192.168.10.42", ttl=128),
        nurse_pixel=Host("nurse-pixel7", "ba:1e:47:9c:33:05", "192.168.10.57", ttl=64),
        frontdesk_pc=Host("frontdesk-pc", "3c:52:82:17:a4:90", "192.168.10.31", ttl=128),
        billing_mac=Host("billing-mac", "f0:18:98:62:0b:4e", "192.168.10.36", ttl=64),
    )


def _ephemeral(rng: random.Random) -> int:
    return rng.randrange(49152, 65536)


# =========================================================================== WhatsApp

def _whatsapp_chatd_hello(rng: random.Random) -> bytes:
    """First client bytes of a WhatsApp chat connection: the edge routing prologue
    'ED' 00 01, 3-byte length, 4 bytes of routing info (nDPI matches 45 44 00 01 00 00 04 08),
    then the Noise prologue 'WA' + version and a length-prefixed handshake frame (random)."""
    routing = b"\x08" + rng.randbytes(3)
    frame = rng.randbytes(rng.randrange(180, 230))
    return (b"ED\x00\x01" + len(routing).to_bytes(3, "big") + routing
            + b"WA\x06\x03" + len(frame).to_bytes(3, "big") + frame)


def _noise_frame(rng: random.Random, low: int, high: int) -> bytes:
    """A WhatsApp Noise transport frame: 3-byte length + ciphertext."""
    body = rng.randbytes(rng.randrange(low, high))
    return len(body).to_bytes(3, "big") + body


def _whatsapp_chat_open(trace: Trace, t: int, phone: Host, chat_server: Host,
                        rng: random.Random) -> tuple[TcpSession, int]:
    """Opens a WhatsApp chat connection on TCP 5222 at `t`: handshake, the client's prologue,
    the server's first frame, one more client frame. Returns the session and the time after."""
    chat = TcpSession(trace, phone, chat_server, _ephemeral(rng), 5222, rng, rtt_us=41 * MILLISECOND)
    t = chat.open(t)
    t = chat.request_response(t + MILLISECOND, _whatsapp_chatd_hello(rng), _noise_frame(rng, 330, 380))
    t = chat.send(t + 3 * MILLISECOND, True, _noise_frame(rng, 280, 320))
    return chat, t


def _whatsapp_call_stun(trace: Trace, t: int, phone: Host, relay: Host, port: int,
                        rng: random.Random, family: int = 4) -> int:
    """Call setup on the relay 5-tuple, as in nDPI's WhatsApp call captures: TURN-style
    Allocate (0x0003: WhatsApp's attribute 0x4000 first, XOR-RELAYED-ADDRESS,
    MESSAGE-INTEGRITY) answered with 0x0103 + XOR-MAPPED-ADDRESS and 0x4002 (8 bytes);
    ordinary Binding Requests (0x0001: USERNAME, PRIORITY, ICE-CONTROLLING, WhatsApp attribute 0x4000, MESSAGE-INTEGRITY, FINGERPRINT) answered with
    0x0101; WhatsApp's private 0x0800 request / 0x0801 answer (attributes 0x4000-0x4002)."""
    rtt = 38 * MILLISECOND
    public = CLINIC_PUBLIC_IP if family == 4 else phone.address(6)
    for _ in range(2):
        tid = rng.randbytes(12)
        send_udp(trace, t, phone, relay, port, 3478, p.stun_message(p.STUN_ALLOCATE_REQUEST, tid, [
            (0x4000, rng.randbytes(rng.randrange(60, 100))),
            (p.STUN_ATTR_XOR_RELAYED_ADDRESS, p.stun_xor_address("0.0.0.0" if family == 4 else "::", 0, tid)),
            (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))]), family=family)
        send_udp(trace, t + rtt + rng.randrange(3000), relay, phone, 3478, port,
                 p.stun_message(p.STUN_ALLOCATE_SUCCESS, tid, [
                     (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(public, 41872, tid)),
                     (0x4002, rng.randbytes(8)),
                     (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))]), family=family)
        t += 45 * MILLISECOND
    username = rng.randbytes(4).hex() + ":" + rng.randbytes(4).hex()
    for _ in range(3):
        tid = rng.randbytes(12)
        send_udp(trace, t, phone, relay, port, 3478, p.stun_message(p.STUN_BINDING_REQUEST, tid, [
            (p.STUN_ATTR_USERNAME, username.encode("ascii")),
            (p.STUN_ATTR_PRIORITY, struct.pack("!I", 0x6E7F1EFF)),
            (p.STUN_ATTR_ICE_CONTROLLING, rng.randbytes(8)),
            (0x4000, rng.randbytes(4)),
            (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))], fingerprint=True), family=family)
        send_udp(trace, t + rtt + rng.randrange(3000), relay, phone, 3478, port,
                 p.stun_message(p.STUN_BINDING_SUCCESS, tid, [
                     (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(public, 41872, tid)),
                     (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))], fingerprint=True), family=family)
        t += 60 * MILLISECOND
    tid = rng.randbytes(12)
    send_udp(trace, t, phone, relay, port, 3478, p.stun_message(0x0800, tid, [
        (0x4000, rng.randbytes(16)), (0x4001, rng.randbytes(4)), (0x4002, rng.randbytes(8))]), family=family)
    t += rtt
    send_udp(trace, t, relay, phone, 3478, port, p.stun_message(0x0801, tid, [
        (0x4000, rng.randbytes(16)), (0x4002, rng.randbytes(8))]), family=family)
    return t + 20 * MILLISECOND


def whatsapp_chat_call() -> Trace:
    """WhatsApp chat and a one-minute voice call from an iPhone.

    `dr-lee-iphone` (192.168.10.23, 5a:3c:9e:41:07:2d) joins with DHCP, resolves
    g.whatsapp.net (A 157.240.229.60), keeps a TLS connection to it on TCP 443 (SNI
    g.whatsapp.net) with small records both ways for ~4 minutes, and a chat connection to
    31.13.66.56 on TCP 5222 (WhatsApp edge/Noise prologue). At +150 s a voice call starts:
    STUN Allocate/Binding/0x0800 on UDP 3478 to the Meta relay 157.240.27.52, then 60 s of
    SRTP-like RTP (PT 120, 48 kHz, 50 packets/s each way, 150-210 bytes) on the same 5-tuple,
    with a STUN keepalive every 10 s.

    A correct monitor reports: device dr-lee-iphone (IP, MAC, DHCP name); service WhatsApp
    (no BAA); a chat/messaging session (TLS SNI g.whatsapp.net, TCP 5222 to Meta); one call
    of ~60 s (STUN to a Meta relay + sustained two-way UDP), one alert per call, not per
    packet."""
    rng = random.Random(1001)
    net = clinic()
    phone = net.dr_lee_iphone
    trace = Trace()
    t0 = utc(2025, 3, 11, 14, 2, 7)

    t = dhcp_exchange(trace, t0, phone, net.gateway, rng)
    g_server = net.server("g.whatsapp.net", WHATSAPP_G_V4, ttl=55)
    chat_server = net.server("chatd", WHATSAPP_CHAT_V4, ttl=55)
    relay = net.server("relay", WHATSAPP_RELAY_V4, ttl=55)

    t = dns_lookup(trace, t + 900 * MILLISECOND, phone, net.gateway, rng, "g.whatsapp.net",
                   p.DNS_A, [("g.whatsapp.net", p.DNS_A, 60, WHATSAPP_G_V4)])
    end = t0 + 245 * SECOND

    # TLS 443 session: small records both ways until the end of the capture.
    tls = TcpSession(trace, phone, g_server, _ephemeral(rng), 443, rng, rtt_us=36 * MILLISECOND)
    t_tls = tls.open(t + 2 * MILLISECOND)
    t_tls = tls_handshake(tls, t_tls + MILLISECOND, "g.whatsapp.net", alpn=(), server_flight=3100)
    while True:
        t_tls += rng.randrange(4 * SECOND, 20 * SECOND)
        if t_tls > end - 10 * SECOND:
            break
        if rng.random() < 0.5:
            t_tls = tls.request_response(t_tls, p.tls_application_data(rng, rng.randrange(40, 300)),
                                         p.tls_application_data(rng, rng.randrange(30, 120)))
        else:
            t_tls = tls.send(t_tls, False, p.tls_application_data(rng, rng.randrange(60, 400)))
    tls.close(end - 2 * SECOND)

    # WhatsApp chat connection on TCP 5222.
    chat, t_chat = _whatsapp_chat_open(trace, t + 1200 * MILLISECOND, phone, chat_server, rng)
    while True:
        t_chat += rng.randrange(3 * SECOND, 25 * SECOND)
        if t_chat > end - 10 * SECOND:
            break
        t_chat = chat.request_response(t_chat, _noise_frame(rng, 30, 260), _noise_frame(rng, 20, 90))
        if rng.random() < 0.4:
            t_chat = chat.send(t_chat + rng.randrange(SECOND), False, _noise_frame(rng, 50, 600))
    chat.close(end - 1 * SECOND)

    # Voice call through the Meta relay: STUN, then media on the same 5-tuple.
    call_port = _ephemeral(rng)
    t_call = _whatsapp_call_stun(trace, t0 + 150 * SECOND, phone, relay, call_port, rng)
    senders = {True: RtpSender(rng, 120, 48000, 50), False: RtpSender(rng, 120, 48000, 50)}
    call_end = media_stream(
        trace, t_call, 60 * SECOND, phone, relay, call_port, 3478, rng,
        packets_per_second=50, size=(150, 210),
        payload=lambda from_phone, index, size: senders[from_phone].packet(size, marker=index == 0),
        b_start_delay_us=25 * MILLISECOND)
    for keepalive in range(1, 6):
        t_keep = t_call + keepalive * 10 * SECOND + 7 * MILLISECOND
        tid = rng.randbytes(12)
        send_udp(trace, t_keep, phone, relay, call_port, 3478,
                 p.stun_message(0x0804, tid, [(0x4000, rng.randbytes(16))]))
        send_udp(trace, t_keep + 39 * MILLISECOND, relay, phone, 3478, call_port,
                 p.stun_message(0x0805, tid, [(0x4000, rng.randbytes(16))]))
    assert call_end < end
    return trace


# =========================================================================== Zoom

def _zoom_media_payload(senders: dict, rng: random.Random):
    """Zoom SFU media as described by public reverse engineering (Michel et al., "Enabling
    Passive Measurement of Zoom Performance in Production Networks", IMC 2022): an 8-byte
    SFU header (type 0x05, sequence, timestamp, direction 0x00 to / 0x04 from the server),
    a media header whose first byte is the media type (0x10 video, 24 bytes), then RTP.
    The layout beyond the first bytes is modelled, not byte-verified against live Zoom."""
    counters = {True: rng.getrandbits(16), False: rng.getrandbits(16)}

    def build(from_client: bool, index: int, size: int) -> bytes:
        counters[from_client] = (counters[from_client] + 1) & 0xFFFF
        sfu = struct.pack("!BHIB", 0x05, counters[from_client], rng.getrandbits(32),
                          0x00 if from_client else 0x04)
        media = bytes([0x10]) + rng.randbytes(23)
        rtp = senders[from_client].packet(max(40, size - len(sfu) - len(media)),
                                          marker=index % 12 == 11)
        return sfu + media + rtp

    return build


def zoom_meeting() -> Trace:
    """A Zoom meeting joined from a Windows laptop in an exam room.

    `exam-room-2` (192.168.10.42, d4:81:d7:2c:6e:12, TTL 128) joins with DHCP, resolves
    zoom.us and us05web.zoom.us (both A 170.114.52.2), opens TLS on TCP 443 with SNI
    us05web.zoom.us (ALPN h2), then sends and receives UDP media to 170.114.46.32:8801 for
    30 s at ~40 packets/s each way, 300-1100 bytes (Zoom SFU-encapsulated RTP, PT 98).

    A correct monitor reports: device exam-room-2; service Zoom (BAA possible: only paid
    plans; free and paid look the same on the wire, so the report says "Zoom used", with the
    clinic's BAA status from policy); a video meeting of ~30 s (UDP 8801 to a Zoom range)."""
    rng = random.Random(1002)
    net = clinic()
    laptop = net.exam_room_2
    trace = Trace()
    t0 = utc(2025, 4, 2, 10, 15, 31)

    t = dhcp_exchange(trace, t0, laptop, net.gateway, rng, vendor_class="MSFT 5.0")
    web = net.server("us05web.zoom.us", ZOOM_WEB_V4, ttl=52)
    media_server = net.server("zoom-mmr", ZOOM_MEDIA_V4, ttl=52)
    t = dns_lookup(trace, t + 2 * SECOND, laptop, net.gateway, rng, "zoom.us", p.DNS_A,
                   [("zoom.us", p.DNS_A, 60, ZOOM_WEB_V4)])
    t = dns_lookup(trace, t + 300 * MILLISECOND, laptop, net.gateway, rng, "us05web.zoom.us",
                   p.DNS_A, [("us05web.zoom.us", p.DNS_A, 60, ZOOM_WEB_V4)])
    session = TcpSession(trace, laptop, web, _ephemeral(rng), 443, rng, rtt_us=24 * MILLISECOND)
    t = session.open(t + MILLISECOND)
    t = tls_handshake(session, t + MILLISECOND, "us05web.zoom.us", alpn=("h2", "http/1.1"),
                      server_flight=4300)
    t = session.request_response(t + 2 * MILLISECOND, p.tls_application_data(rng, 620),
                                 p.tls_application_data(rng, 14000), server_think_us=60 * MILLISECOND)
    t = session.request_response(t + 400 * MILLISECOND, p.tls_application_data(rng, 410),
                                 p.tls_application_data(rng, 2300), server_think_us=30 * MILLISECOND)

    senders = {True: RtpSender(rng, 98, 90000, 40), False: RtpSender(rng, 98, 90000, 40)}
    media_start = t + 1500 * MILLISECOND
    media_end = media_stream(
        trace, media_start, 30 * SECOND, laptop, media_server, _ephemeral(rng), 8801, rng,
        packets_per_second=40, size=lambda _from_client: int(rng.triangular(300, 1100, 300)),
        payload=_zoom_media_payload(senders, rng), jitter_us=4 * MILLISECOND)
    session.close(media_end + 800 * MILLISECOND)
    return trace


# =========================================================================== idle chat connection

def whatsapp_idle_chat() -> Trace:
    """A WhatsApp chat connection that goes quiet, as one does between messages.

    `dr-lee-iphone` (192.168.10.23) joins with DHCP, opens TCP 5222 to the WhatsApp chat
    server 31.13.66.56, sends the edge/Noise prologue, gets the server's frame, sends one more
    frame 3 ms later, and then nothing: no keep-alive, no FIN, for the rest of the capture
    (12 packets, 1.3 s). nDPI 4.2 has not decided after these few packets and waits for more.

    A correct monitor reports: device dr-lee-iphone; WhatsApp (no BAA) by the chat server's
    address and port, once nDPI's time budget (`flows.ndpi_time_budget`) has passed, while the
    connection is still open, not only when it times out an hour later."""
    rng = random.Random(1006)
    net = clinic()
    phone = net.dr_lee_iphone
    trace = Trace()
    t0 = utc(2025, 3, 12, 9, 15, 0)

    t = dhcp_exchange(trace, t0, phone, net.gateway, rng)
    chat_server = net.server("chatd", WHATSAPP_CHAT_V4, ttl=55)
    _whatsapp_chat_open(trace, t + 1200 * MILLISECOND, phone, chat_server, rng)
    return trace


# =========================================================================== Signal via DNS

def quic_via_dns() -> Trace:
    """QUIC to Signal that only the DNS answer can attribute.

    `nurse-pixel7` (192.168.10.57, ba:1e:47:9c:33:05) joins with DHCP, resolves
    chat.signal.org (A 76.223.92.165, TTL 300), then runs ~10 s of QUIC v1 on UDP 443 to that
    address: client Initial (1200 bytes, random protected payload, no readable SNI), server
    Initial+Handshake, client Initial+Handshake, then short-header 1-RTT packets both ways
    (~15/s each way). Nothing in the QUIC packets names the service.

    A correct monitor reports: device nurse-pixel7; service Signal (no BAA), evidence = the
    DNS answer chat.signal.org -> 76.223.92.165 earlier in the capture (DNS-cache
    attribution), not SNI. nDPI alone labels the UDP flow QUIC/Unknown."""
    rng = random.Random(1003)
    net = clinic()
    phone = net.nurse_pixel
    trace = Trace()
    t0 = utc(2025, 5, 20, 8, 47, 12)

    t = dhcp_exchange(trace, t0, phone, net.gateway, rng, vendor_class="android-dhcp-14")
    signal = net.server("chat.signal.org", SIGNAL_CHAT_V4, ttl=50)
    t = dns_lookup(trace, t + 1400 * MILLISECOND, phone, net.gateway, rng, "chat.signal.org",
                   p.DNS_A, [("chat.signal.org", p.DNS_A, 300, SIGNAL_CHAT_V4)])

    port = _ephemeral(rng)
    rtt = 18 * MILLISECOND
    client_dcid = rng.randbytes(8)     # original destination CID chosen by the client
    server_cid = rng.randbytes(8)      # the server's source CID, used by the client afterwards
    t += 3 * MILLISECOND
    send_udp(trace, t, phone, signal, port, 443,
             p.quic_long_header(rng, p.QUIC_INITIAL, client_dcid, b"", 0, pad_to=1200))
    t += rtt
    send_udp(trace, t, signal, phone, 443, port,
             p.quic_long_header(rng, p.QUIC_INITIAL, b"", server_cid, 117)
             + p.quic_long_header(rng, p.QUIC_HANDSHAKE, b"", server_cid, 1030))
    send_udp(trace, t + 90, signal, phone, 443, port,
             p.quic_long_header(rng, p.QUIC_HANDSHAKE, b"", server_cid, 1180))
    send_udp(trace, t + 170, signal, phone, 443, port,
             p.quic_long_header(rng, p.QUIC_HANDSHAKE, b"", server_cid, 310))
    t += 2 * MILLISECOND
    # client Initial (ACK) coalesced with its Handshake (Finished); a datagram carrying a
    # client Initial is padded to 1200 bytes (RFC 9000 section 14.1)
    handshake = p.quic_long_header(rng, p.QUIC_HANDSHAKE, server_cid, b"", 80)
    send_udp(trace, t, phone, signal, port, 443,
             p.quic_long_header(rng, p.QUIC_INITIAL, server_cid, b"", 40, pad_to=1200 - len(handshake))
             + handshake)
    t += MILLISECOND

    def one_rtt(from_phone: bool, _index: int, size: int) -> bytes:
        # client -> server uses the server's CID; server -> client uses the client's empty CID
        return p.quic_short_header(rng, server_cid if from_phone else b"", size)

    end = media_stream(trace, t, 10 * SECOND, phone, signal, port, 443, rng,
                       packets_per_second=(14, 16),
                       size=lambda from_phone: rng.randint(40, 420) if from_phone else rng.randint(40, 1250),
                       payload=one_rtt, jitter_us=30 * MILLISECOND, b_start_delay_us=rtt)
    # CONNECTION_CLOSE in a short-header packet from the client
    send_udp(trace, end + 5 * MILLISECOND, phone, signal, port, 443, p.quic_short_header(rng, server_cid, 38))
    return trace


# =========================================================================== negative

def web_browsing() -> Trace:
    """Ordinary browsing by two front-office computers: a negative.

    `frontdesk-pc` (192.168.10.31, Windows) and `billing-mac` (192.168.10.36, macOS) join
    with DHCP. frontdesk-pc: DNS + TLS to en.wikipedia.org (CNAME dyna.wikimedia.org,
    208.80.154.224) and www.nih.gov (156.40.212.209), HTTP/1.1 GET http://example.com/
    (93.184.215.14:80). billing-mac: mDNS announcement billing-mac.local, DNS time.apple.com
    (CNAME time.g.aaplimg.com, 17.253.16.125) and one NTP exchange with it (UDP 123 to Apple
    space that is not FaceTime), DNS + TLS to www.cdc.gov (198.246.102.49) and
    news.ycombinator.com (209.216.230.207).

    A correct monitor reports: both devices by name; no consumer messaging or video service,
    no alert (NTP to 17.0.0.0/8 must not look like FaceTime)."""
    rng = random.Random(1004)
    net = clinic()
    pc, mac = net.frontdesk_pc, net.billing_mac
    trace = Trace()
    t0 = utc(2025, 6, 3, 7, 58, 40)

    t_pc = dhcp_exchange(trace, t0, pc, net.gateway, rng, vendor_class="MSFT 5.0")
    t_mac = dhcp_exchange(trace, t0 + 3200 * MILLISECOND, mac, net.gateway, rng)
    t_mac = mdns_announce(trace, t_mac + 250 * MILLISECOND, mac)

    def browse(t: int, client: Host, name: str, answers, address: str, page_bytes: int) -> int:
        t = dns_lookup(trace, t, client, net.gateway, rng, name, p.DNS_A, answers)
        server = net.server(name, address, ttl=rng.randrange(48, 58))
        session = TcpSession(trace, client, server, _ephemeral(rng), 443, rng,
                             rtt_us=rng.randrange(15, 90) * MILLISECOND)
        t = session.open(t + MILLISECOND)
        t = tls_handshake(session, t + MILLISECOND, name, server_flight=rng.randrange(2500, 4800))
        t = session.request_response(t + MILLISECOND, p.tls_application_data(rng, 480),
                                     p.tls_application_stream(rng, page_bytes),
                                     server_think_us=40 * MILLISECOND)
        for _ in range(2):
            t = session.request_response(t + rng.randrange(5, 60) * MILLISECOND,
                                         p.tls_application_data(rng, rng.randrange(200, 500)),
                                         p.tls_application_stream(rng, rng.randrange(3000, 24000)))
        return session.close(t + rng.randrange(2, 8) * SECOND)

    t_pc = browse(t_pc + 4 * SECOND, pc, "en.wikipedia.org",
                  [("en.wikipedia.org", p.DNS_CNAME, 3600, "dyna.wikimedia.org"),
                   ("dyna.wikimedia.org", p.DNS_A, 600, "208.80.154.224")], "208.80.154.224", 42000)
    t_pc = browse(t_pc + 3 * SECOND, pc, "www.nih.gov", [("www.nih.gov", p.DNS_A, 300, "156.40.212.209")],
                  "156.40.212.209", 36000)
    t_pc = dns_lookup(trace, t_pc + 2 * SECOND, pc, net.gateway, rng, "example.com", p.DNS_A,
                      [("example.com", p.DNS_A, 3600, "93.184.215.14")])
    example = net.server("example.com", "93.184.215.14", ttl=54)
    http = TcpSession(trace, pc, example, _ephemeral(rng), 80, rng, rtt_us=85 * MILLISECOND)
    t_pc = http.open(t_pc + MILLISECOND)
    body = (b"<!doctype html>\n<html><head><title>Example Domain</title></head><body>"
            b"<h1>Example Domain</h1><p>This domain is for use in illustrative examples.</p>"
            b"</body></html>\n")
    t_pc = http.request_response(
        t_pc + MILLISECOND,
        p.http_request("GET", "example.com", "/", [("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
                                                   ("Accept", "text/html"), ("Connection", "close")]),
        p.http_response("200 OK", body, [("Content-Type", "text/html; charset=UTF-8")]))
    http.close(t_pc + 5 * MILLISECOND, from_client=False)

    t_mac = dns_lookup(trace, t_mac + 1100 * MILLISECOND, mac, net.gateway, rng, "time.apple.com", p.DNS_A,
                       [("time.apple.com", p.DNS_CNAME, 3600, "time.g.aaplimg.com"),
                        ("time.g.aaplimg.com", p.DNS_A, 300, "17.253.16.125")])
    apple_ntp = net.server("time.apple.com", "17.253.16.125", ttl=57)
    ntp_port = _ephemeral(rng)
    sent = t_mac + 2 * MILLISECOND
    send_udp(trace, sent, mac, apple_ntp, ntp_port, 123, p.ntp(3, sent))
    received = sent + 11 * MILLISECOND
    send_udp(trace, received + 11 * MILLISECOND, apple_ntp, mac, 123, ntp_port,
             p.ntp(4, received + 40, stratum=1, reference_id=b"GPSs", origin_us=sent, receive_us=received))
    t_mac = received + 11 * MILLISECOND
    t_mac = browse(t_mac + 2 * SECOND, mac, "www.cdc.gov", [("www.cdc.gov", p.DNS_A, 120, "198.246.102.49")],
                   "198.246.102.49", 51000)
    browse(t_mac + 5 * SECOND, mac, "news.ycombinator.com",
           [("news.ycombinator.com", p.DNS_A, 300, "209.216.230.207")], "209.216.230.207", 9000)
    return trace


# =========================================================================== short flow

def whatsapp_short_flow(trace: Trace, t: int, net: SimpleNamespace, rng: random.Random, *,
                        family: int = 4, hop_by_hop: bool = False, interface: int = 0,
                        device: Host | None = None) -> int:
    """DNS query + answer for g.whatsapp.net (A or AAAA), TCP handshake to the answered
    address on 443, ClientHello (SNI g.whatsapp.net, ALPN h2), ServerHello + CCS +
    encrypted handshake, client Finished, 4 application-data records (client, server,
    client, server), FIN teardown. ``hop_by_hop`` puts an IPv6 hop-by-hop header (PadN
    only) on the ClientHello packet."""
    device = device or net.dr_lee_iphone
    if family == 6:
        answer = ("g.whatsapp.net", p.DNS_AAAA, 60, WHATSAPP_G_V6)
        qtype = p.DNS_AAAA
    else:
        answer = ("g.whatsapp.net", p.DNS_A, 60, WHATSAPP_G_V4)
        qtype = p.DNS_A
    t = dns_lookup(trace, t, device, net.gateway, rng, "g.whatsapp.net", qtype, [answer],
                   family=family, latency_us=14 * MILLISECOND, interface=interface)
    server = net.server("g.whatsapp.net", WHATSAPP_G_V4, ip6=WHATSAPP_G_V6, ttl=55)
    session = TcpSession(trace, device, server, 51744, 443, rng, rtt_us=36 * MILLISECOND,
                         family=family, interface=interface)
    t = session.open(t + 2 * MILLISECOND)
    hello = p.tls_client_hello(rng, "g.whatsapp.net", ("h2",))
    ip_options = {"extension_headers": [(p.IPPROTO_HOPOPTS, b"")]} if hop_by_hop else None
    t += MILLISECOND
    session.send(t, True, hello, ack=False, ip_options=ip_options)
    t += 36 * MILLISECOND
    t = session.send(t, False, p.tls_server_hello(rng) + p.tls_change_cipher_spec()
                     + p.tls_application_data(rng, 2900))
    t = session.send(t + 2 * MILLISECOND, True, p.tls_change_cipher_spec() + p.tls_application_data(rng, 53))
    for index in range(4):
        from_client = index % 2 == 0
        t = session.send(t + 5 * MILLISECOND, from_client,
                         p.tls_application_data(rng, 180 if from_client else 420))
    return session.close(t + 300 * MILLISECOND)


def _short_flow_capture(link, seed: int, base: int, **flow_options) -> Trace:
    rng = random.Random(seed)
    net = clinic()
    trace = Trace(link)
    whatsapp_short_flow(trace, base, net, rng, **flow_options)
    return trace


SHORT_FLOW_BASE = utc(2025, 7, 14, 9, 30, 0)


def linktype_vlan() -> Trace:
    """The WhatsApp short flow (see whatsapp_short_flow) on Ethernet with an 802.1Q tag,
    VLAN 20. A correct monitor decodes through the tag and reports WhatsApp (SNI/DNS
    g.whatsapp.net) for 192.168.10.23, with VLAN 20 in the flow key."""
    return _short_flow_capture(EthernetLink([(p.ETHERTYPE_VLAN, 20)]), 2001, SHORT_FLOW_BASE)


def linktype_qinq() -> Trace:
    """The WhatsApp short flow with QinQ: outer 802.1ad tag (TPID 0x88a8) VLAN 100, inner
    802.1Q VLAN 20. A correct monitor decodes both tags and reports WhatsApp for
    192.168.10.23."""
    return _short_flow_capture(EthernetLink([(p.ETHERTYPE_QINQ, 100), (p.ETHERTYPE_VLAN, 20)]),
                               2002, SHORT_FLOW_BASE)


def linktype_sll() -> Trace:
    """The WhatsApp short flow as captured with `tcpdump -i any` on the clinic's Linux
    gateway: Linux cooked v1 (DLT 113), packet type 0 (to the gateway) for the device's
    packets and 4 (outgoing) for forwarded answers. A correct monitor reports WhatsApp for
    192.168.10.23."""
    return _short_flow_capture(LinuxCookedLink(clinic().gateway.mac, 1), 2003, SHORT_FLOW_BASE)


def linktype_sll2() -> Trace:
    """The WhatsApp short flow on Linux cooked v2 (DLT 276, interface index 2). A correct
    monitor reports WhatsApp for 192.168.10.23."""
    return _short_flow_capture(LinuxCookedLink(clinic().gateway.mac, 2), 2004, SHORT_FLOW_BASE)


def linktype_raw() -> Trace:
    """The WhatsApp short flow on raw IP (DLT 101, no link header, no MACs). A correct
    monitor reports WhatsApp for 192.168.10.23 (no MAC, no host name: IP only)."""
    return _short_flow_capture(RawIpLink(), 2005, SHORT_FLOW_BASE)


def linktype_null() -> Trace:
    """The WhatsApp short flow on BSD loopback encapsulation (DLT 0): a 4-byte address
    family, 2 = AF_INET, in little-endian host order. A correct monitor reports WhatsApp for
    192.168.10.23."""
    return _short_flow_capture(NullLink(), 2006, SHORT_FLOW_BASE)


def linktype_ipv6() -> Trace:
    """The WhatsApp short flow over IPv6 on Ethernet: the iPhone 2001:db8:10:10:583c:9eff:fe41:72d
    asks the gateway 2001:db8:10:10::1 for AAAA g.whatsapp.net (2a03:2880:f20c:1:face:b00c:0:167)
    and connects to it; the ClientHello packet carries a hop-by-hop extension header (PadN),
    so the TCP header is not right after the IPv6 header. A correct monitor walks the
    extension chain and reports WhatsApp for the iPhone's IPv6 address."""
    return _short_flow_capture(EthernetLink(), 2007, SHORT_FLOW_BASE, family=6, hop_by_hop=True)


def multi_interface() -> Trace:
    """pcapng with two interfaces. if0 `eth0` (Ethernet): the WhatsApp short flow of
    dr-lee-iphone (192.168.10.23). if1 `wg0` (raw IP, the gateway's WireGuard link to a
    satellite office): `10.20.0.14` asks 192.168.10.1 for web.whatsapp.com (CNAME
    mmx-ds.cdn.whatsapp.net, A 157.240.229.53) and sends a TLS ClientHello with SNI
    web.whatsapp.com (WhatsApp Web in a browser), gets a ServerHello and a few records.

    A correct monitor reads per-interface link types and reports two WhatsApp flows: the
    iPhone's (g.whatsapp.net) and 10.20.0.14's WhatsApp Web (web.whatsapp.com)."""
    rng = random.Random(2008)
    net = clinic()
    trace = Trace(EthernetLink(), "eth0", "clinic LAN (mirror port)")
    wg = trace.add_interface("wg0", RawIpLink(), "WireGuard link to the satellite office")
    whatsapp_short_flow(trace, SHORT_FLOW_BASE, net, rng)

    remote = Host("satellite-frontdesk", net.gateway.mac, "10.20.0.14", ttl=128)
    t = dns_lookup(trace, SHORT_FLOW_BASE + 120 * MILLISECOND, remote, net.gateway, rng,
                   "web.whatsapp.com", p.DNS_A,
                   [("web.whatsapp.com", p.DNS_CNAME, 1800, "mmx-ds.cdn.whatsapp.net"),
                    ("mmx-ds.cdn.whatsapp.net", p.DNS_A, 60, WHATSAPP_WEB_V4)],
                   latency_us=19 * MILLISECOND, interface=wg)
    web = net.server("web.whatsapp.com", WHATSAPP_WEB_V4, ttl=55)
    session = TcpSession(trace, remote, web, 62011, 443, rng, rtt_us=44 * MILLISECOND, interface=wg)
    t = session.open(t + MILLISECOND)
    t = tls_handshake(session, t + MILLISECOND, "web.whatsapp.com", server_flight=3300)
    t = session.request_response(t + 3 * MILLISECOND, p.tls_application_data(rng, 510),
                                 p.tls_application_data(rng, 6200))
    session.close(t + 2 * SECOND)
    return trace


# =========================================================================== malformed

def malformed_mix() -> Trace:
    """The WhatsApp short flow (Ethernet, IPv4) interleaved with broken packets, each
    described below. The good packets form a complete flow.

    A correct monitor counts each broken packet under a named decode error, never crashes
    or reads out of bounds, and still reports WhatsApp for 192.168.10.23 from the good
    flow. The lying ClientHello (SNI `tls-liar.example`) must be rejected as malformed or
    parsed without reading past its record; the DNS compression loop must end with an
    error, not a hang."""
    rng = random.Random(2009)
    net = clinic()
    phone, gw = net.dr_lee_iphone, net.gateway
    trace = Trace(EthernetLink())
    base = SHORT_FLOW_BASE
    whatsapp_short_flow(trace, base + 10 * MILLISECOND, net, rng)
    meta = WHATSAPP_G_V4

    def eth(l3: bytes, src: Host = phone, dst_mac: str = gw.mac) -> bytes:
        return p.ethernet(dst_mac, src.mac, p.ETHERTYPE_IPV4, l3)

    udp_probe = p.udp(phone.ip, meta, 50001, 3478, rng.randbytes(24))

    # 1. IPv4 IHL 3 (12-byte header, below the 20-byte minimum): decode.ipv4 bad header length.
    trace.add_frame(base + 2 * MILLISECOND, eth(p.ipv4(phone.ip, meta, p.IPPROTO_UDP, udp_probe, ihl=3)))
    # 2. IPv4 total length 12, smaller than its own 20-byte header.
    trace.add_frame(base + 5 * MILLISECOND,
                    eth(p.ipv4(phone.ip, meta, p.IPPROTO_UDP, udp_probe, total_length=12)))
    # 3. IPv4 truncated by the capture: caplen ends 12 bytes into the IPv4 header (orig_len
    #    says the whole datagram was on the wire).
    whole = eth(p.ipv4(phone.ip, meta, p.IPPROTO_UDP, udp_probe))
    trace.add_frame(base + 30 * MILLISECOND, whole[:14 + 12], original_length=len(whole))
    # 4. IPv6 with a chain of 20 destination-options headers before UDP (a decoder must cap
    #    the chain length or walk it without recursion).
    chain = [(p.IPPROTO_DSTOPTS, b"")] * 20
    udp6 = p.udp(phone.ip6, WHATSAPP_G_V6, 50002, 3478, rng.randbytes(16))
    trace.add_frame(base + 45 * MILLISECOND,
                    p.ethernet(gw.mac, phone.mac, p.ETHERTYPE_IPV6,
                               p.ipv6(phone.ip6, WHATSAPP_G_V6, p.IPPROTO_UDP, udp6,
                                      extension_headers=chain)))
    # 5. TCP data offset 2 (8-byte header, below the 20-byte minimum), to port 443.
    bad_tcp = p.tcp(phone.ip, meta, 51800, 443, rng.getrandbits(32), 0, p.TCP_ACK | p.TCP_PSH,
                    rng.randbytes(40), data_offset=2)
    trace.add_frame(base + 60 * MILLISECOND, eth(p.ipv4(phone.ip, meta, p.IPPROTO_TCP, bad_tcp, ident=7001)))
    # 6. UDP length field 4 (below the 8-byte UDP header) on a DNS query.
    bad_udp = p.udp(phone.ip, gw.ip, 50003, 53,
                    p.dns_message(0x1234, response=False, questions=[("g.whatsapp.net", p.DNS_A)]), length=4)
    trace.add_frame(base + 75 * MILLISECOND, eth(p.ipv4(phone.ip, gw.ip, p.IPPROTO_UDP, bad_udp, ident=7002)))
    # 7. DNS response whose question name is a compression pointer to itself (offset 12) and
    #    whose answer name points at the question: an infinite loop for a naive decoder.
    looped = (struct.pack("!HHHHHH", 0x4A4A, 0x8180, 1, 1, 0, 0) + b"\xc0\x0c" + struct.pack("!HH", 1, 1)
              + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + p.ip_bytes(meta))
    trace.add_frame(base + 90 * MILLISECOND,
                    p.ethernet(phone.mac, gw.mac, p.ETHERTYPE_IPV4,
                               p.ipv4(gw.ip, phone.ip, p.IPPROTO_UDP, p.udp(gw.ip, phone.ip, 53, 50004, looped))))
    # 8. TLS ClientHello whose extensions length (0x7ff0) is far larger than the bytes that
    #    follow, on its own TCP connection (handshake, lying hello, server RST).
    liar_server = net.server("g.whatsapp.net", meta, ttl=55)
    liar = TcpSession(trace, phone, liar_server, 51802, 443, rng, rtt_us=36 * MILLISECOND)
    t = liar.open(base + 120 * MILLISECOND)
    liar.send(t + MILLISECOND, True,
              p.tls_client_hello(rng, "tls-liar.example", ("h2",), extensions_length=0x7FF0), ack=False)
    liar.reset(t + 38 * MILLISECOND)
    # 9. A zero-length frame (incl_len = orig_len = 0).
    trace.add_frame(base + 150 * MILLISECOND, b"", original_length=0)
    # 10. A record whose incl_len (captured bytes) is larger than orig_len (wire length),
    #     impossible from a real capture: a UDP probe with orig_len 20 bytes short.
    probe = eth(p.ipv4(phone.ip, meta, p.IPPROTO_UDP, p.udp(phone.ip, meta, 50005, 3478, rng.randbytes(32)),
                       ident=7003))
    trace.add_frame(base + 170 * MILLISECOND, probe, original_length=len(probe) - 20)
    return trace


# =========================================================================== registry

# =========================================================================== wire shapes

DISCORD_VOICE_CLOUD_V4 = "35.215.130.77"    # a Discord voice server on Google Cloud
DNSCRYPT_RESOLVER_V4 = "51.158.166.97"      # a public DNSCrypt resolver


def _discord_ip_discovery(ssrc: int, answer_address: str | None, port: int) -> bytes:
    """Discord voice IP discovery (Discord developer documentation, "IP Discovery"): type
    (1 request, 2 answer), length 70, SSRC, the address as NUL-padded text (empty in the
    request), port."""
    kind = 1 if answer_address is None else 2
    text = (answer_address or "").encode().ljust(64, b"\0")
    return struct.pack("!HHI", kind, 70, ssrc) + text + struct.pack("!H", port)


def wire_shapes() -> Trace:
    """Two protocols named only by their documented first bytes, from an Android phone.

    `nurse-pixel7` (192.168.10.57) joins with DHCP. It sends two DNSCrypt queries on UDP 443
    to a public DNSCrypt resolver (51.158.166.97, no DNS look-up before): each query is client
    magic + key + nonce + ciphertext (520 bytes), each answer starts with the resolver magic
    `r6fnvWj8` and echoes the client nonce. Then a Discord voice call to a voice server on a
    Google Cloud address (35.215.130.77:50003, outside Discord's own AS): the 74-byte IP
    discovery request and answer (the answer carries the clinic's public address as text),
    an 8-byte latency ping (13 37 CA FE) and its echo every 5 s, and 20 s of RTP PT 120 media
    both ways at 50 packets/s. No name, no TLS: only the bytes say what it is.

    A correct monitor reports: device nurse-pixel7; encrypted DNS (a visibility loss); one
    Discord voice call (no BAA) by the IP-discovery exchange."""
    rng = random.Random(1011)
    net = clinic()
    phone = net.nurse_pixel
    trace = Trace()
    t0 = utc(2025, 4, 8, 9, 12, 5)
    t = dhcp_exchange(trace, t0, phone, net.gateway, rng)

    resolver = net.server("dnscrypt-resolver", DNSCRYPT_RESOLVER_V4, ttl=52)
    client_magic = rng.randbytes(8)
    client_key = rng.randbytes(32)
    dns_port = _ephemeral(rng)
    t += 2 * SECOND
    for _ in range(2):
        nonce = rng.randbytes(12)
        send_udp(trace, t, phone, resolver, dns_port, 443,
                 client_magic + client_key + nonce + rng.randbytes(520 - 52))
        t += 18 * MILLISECOND
        send_udp(trace, t, resolver, phone, 443, dns_port,
                 b"r6fnvWj8" + nonce + rng.randbytes(12) + rng.randbytes(200))
        t += 700 * MILLISECOND

    voice = net.server("discord-voice", DISCORD_VOICE_CLOUD_V4, ttl=50)
    voice_port = _ephemeral(rng)
    ssrc = rng.getrandbits(32)
    t += 3 * SECOND
    send_udp(trace, t, phone, voice, voice_port, 50003, _discord_ip_discovery(ssrc, None, 0))
    t += 30 * MILLISECOND
    send_udp(trace, t, voice, phone, 50003, voice_port,
             _discord_ip_discovery(ssrc, CLINIC_PUBLIC_IP, 40112))
    media_start = t + 200 * MILLISECOND
    for index in range(4):
        ping = bytes([0x13, 0x37, 0xCA, 0xFE]) + struct.pack("!I", index)
        when = media_start + index * 5 * SECOND + 2 * MILLISECOND
        send_udp(trace, when, phone, voice, voice_port, 50003, ping)
        send_udp(trace, when + 31 * MILLISECOND, voice, phone, 50003, voice_port, ping)
    senders = {True: RtpSender(rng, 120, 48000, 50), False: RtpSender(rng, 120, 48000, 50)}
    media_stream(trace, media_start + 10 * MILLISECOND, 20 * SECOND, phone, voice, voice_port,
                 50003, rng, packets_per_second=50, size=(90, 160),
                 payload=lambda from_a, _index, size: senders[from_a].packet(size))
    return trace


SCENARIOS = [
    ("whatsapp_chat_call.pcap", whatsapp_chat_call),
    ("zoom_meeting.pcap", zoom_meeting),
    ("quic_via_dns.pcap", quic_via_dns),
    ("whatsapp_idle_chat.pcap", whatsapp_idle_chat),
    ("web_browsing.pcap", web_browsing),
    ("linktype_vlan.pcap", linktype_vlan),
    ("linktype_qinq.pcap", linktype_qinq),
    ("linktype_sll.pcap", linktype_sll),
    ("linktype_sll2.pcap", linktype_sll2),
    ("linktype_raw.pcap", linktype_raw),
    ("linktype_null.pcap", linktype_null),
    ("linktype_ipv6.pcap", linktype_ipv6),
    ("multi_interface.pcapng", multi_interface),
    ("malformed_mix.pcap", malformed_mix),
    ("wire_shapes.pcap", wire_shapes),
]
