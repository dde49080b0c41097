"""Call mechanisms that span flows or lose a direction: P2P legs that leave from the socket of
a relay exchange, and a capture point that sees only the traffic toward the clinic.

Like the other scenario modules: one function per capture, fixed seed, fixed 2025 base time,
docstring = what the capture represents and what a correct monitor must report. The shapes
follow research/call-protocols.md (WhatsApp: relay Allocates and P2P checks from one local
socket; section 6: one-way captures) and RFC 8445 (ICE checks from the host candidate's base).
"""

from __future__ import annotations

import random

import packets as p
from facetime_scenarios import facetime_relay_no_quic
from scenarios import (CLINIC_PUBLIC_IP, WHATSAPP_CHAT_V4, WHATSAPP_RELAY_V4, _ephemeral, _noise_frame,
                       _whatsapp_call_stun, _whatsapp_chat_open, clinic, utc, whatsapp_chat_call,
                       zoom_meeting)
from traffic import (MILLISECOND, SECOND, RtpSender, Trace, dhcp_exchange, dns_lookup, media_stream,
                     send_udp)

# The other party of a call, behind its home router (documentation ranges, RFC 5737 and 3849).
REMOTE_PEER_V4 = "198.51.100.77"
REMOTE_PEER_V6 = "2001:db8:77:1::5"
REMOTE_PEER_PORT = 53211
# A Meta relay's IPv6 address (Meta's 2a03:2880::/32).
WHATSAPP_RELAY_V6 = "2a03:2880:f22c:81:face:b00c:0:3478"
# Any service's port that is none of ours, for the port reused after a call.
OTHER_APP_PORT = 40890


def _ice_checks(trace: Trace, t: int, a, b, a_port: int, b_port: int, rng: random.Random,
                count: int = 3, family: int = 4) -> int:
    """ICE connectivity checks between two candidates, as WhatsApp's P2P legs show them: 44-byte
    Binding requests carrying only MESSAGE-INTEGRITY, answered by Binding successes with
    XOR-MAPPED-ADDRESS (research/call-protocols.md, WhatsApp)."""
    rtt = 31 * MILLISECOND
    for _ in range(count):
        tid = rng.randbytes(12)
        send_udp(trace, t, a, b, a_port, b_port, p.stun_message(p.STUN_BINDING_REQUEST, tid, [
            (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))]), family=family)
        send_udp(trace, t + rtt, b, a, b_port, a_port, p.stun_message(p.STUN_BINDING_SUCCESS, tid, [
            (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(a.address(family), a_port, tid)),
            (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))]), family=family)
        t += 50 * MILLISECOND
    return t + rtt


def _relay_keepalives(trace: Trace, t: int, until: int, phone, relay, port: int,
                      rng: random.Random, family: int = 4) -> None:
    """WhatsApp's relay keeps the allocation while the call goes P2P: a 0x0804 request
    (attribute 0x4000) answered by 0x0805 every 10 s."""
    while t < until:
        tid = rng.randbytes(12)
        send_udp(trace, t, phone, relay, port, 3478,
                 p.stun_message(0x0804, tid, [(0x4000, rng.randbytes(16))]), family=family)
        send_udp(trace, t + 39 * MILLISECOND, relay, phone, 3478, port,
                 p.stun_message(0x0805, tid, [(0x4000, rng.randbytes(16))]), family=family)
        t += 10 * SECOND


def _p2p_media(trace: Trace, t: int, seconds: int, a, b, a_port: int, b_port: int,
               rng: random.Random, family: int = 4) -> int:
    """WhatsApp's SRTP (PT 120, 48 kHz, 50 packets/s each way) straight between the peers."""
    senders = {True: RtpSender(rng, 120, 48000, 50), False: RtpSender(rng, 120, 48000, 50)}
    return media_stream(trace, t, seconds * SECOND, a, b, a_port, b_port, rng,
                        packets_per_second=50, size=(150, 210), family=family,
                        payload=lambda from_a, index, size: senders[from_a].packet(size, marker=index == 0))


def whatsapp_p2p_call() -> Trace:
    """Two WhatsApp calls that go peer to peer after their relay exchange.

    `dr-lee-iphone` (192.168.10.23, 2001:db8:10:10:583c:9eff:fe41:72d) resolves g.whatsapp.net
    (A 31.13.66.56) and keeps its WhatsApp chat connection to it on TCP 5222 open throughout.
    Call 1 (IPv4): the relay exchange (Allocate, Binding, 0x0800) with the Meta relay
    157.240.27.52:3478 from one local port, a 0x0804 keep-alive every 10 s, and from the same
    port ICE checks and 40 s of SRTP (PT 120) straight to the other party at
    198.51.100.77:53211 (its home router). Call 2, twelve minutes later, over IPv6: the same
    with the relay [2a03:2880:f22c:81:face:b00c:0:3478]:3478 and the peer
    [2001:db8:77:1::5]:53211, 30 s of SRTP.
    Controls: `frontdesk-pc` sends random UDP from its own port to the same remote peer during
    call 1, and the phone's call-1 port sends random UDP to another host eight minutes after
    call 1's relay flow went quiet (a port reused by another app).

    A correct monitor reports: two WhatsApp calls for dr-lee-iphone, in one WhatsApp encounter
    with the chat; the relay flows by address and WhatsApp's STUN, the direct legs by their
    socket (the device's address and port of the relay exchange): nDPI 4.2 keeps no socket
    cache for IPv6. Nothing for frontdesk-pc or for the reused port."""
    rng = random.Random(4101)
    net = clinic()
    phone, desk = net.dr_lee_iphone, net.frontdesk_pc
    trace = Trace()
    t0 = utc(2025, 10, 6, 9, 12, 40)

    t = dhcp_exchange(trace, t0, phone, net.gateway, rng)
    t = dhcp_exchange(trace, t + 400 * MILLISECOND, desk, net.gateway, rng, vendor_class="MSFT 5.0")
    relay = net.server("relay", WHATSAPP_RELAY_V4, ip6=WHATSAPP_RELAY_V6, ttl=55)
    peer = net.server("peer-router", REMOTE_PEER_V4, ip6=REMOTE_PEER_V6, ttl=49)
    chat_server = net.server("chatd", WHATSAPP_CHAT_V4, ttl=55)
    # The chat connection (TCP 5222) is open all along, as the app keeps it; calls arrive over it.
    t = dns_lookup(trace, t + 300 * MILLISECOND, phone, net.gateway, rng, "g.whatsapp.net",
                   p.DNS_A, [("g.whatsapp.net", p.DNS_A, 60, WHATSAPP_CHAT_V4)])
    chat, t_chat = _whatsapp_chat_open(trace, t + 2 * MILLISECOND, phone, chat_server, rng)

    # Call 1: relay exchange, then the direct leg from the same socket.
    port = _ephemeral(rng)
    t = _whatsapp_call_stun(trace, t + 150 * SECOND, phone, relay, port, rng)
    t_ice = _ice_checks(trace, t + 120 * MILLISECOND, phone, peer, port, REMOTE_PEER_PORT, rng)
    call_end = _p2p_media(trace, t_ice + 10 * MILLISECOND, 40, phone, peer, port, REMOTE_PEER_PORT, rng)
    _relay_keepalives(trace, t + 10 * SECOND, call_end, phone, relay, port, rng)
    # Control: another device's socket talks to the same peer.
    desk_port = _ephemeral(rng)
    for index in range(30):
        when = t_ice + index * 400 * MILLISECOND
        send_udp(trace, when, desk, peer, desk_port, REMOTE_PEER_PORT, rng.randbytes(rng.randrange(60, 300)))
        send_udp(trace, when + 33 * MILLISECOND, peer, desk, REMOTE_PEER_PORT, desk_port,
                 rng.randbytes(rng.randrange(60, 300)))
    # Control: the call's port reused by another app, long after the call.
    other = net.server("other-host", "192.0.2.80", ttl=51)
    t_reuse = call_end + 8 * 60 * SECOND
    for index in range(30):
        when = t_reuse + index * 300 * MILLISECOND
        send_udp(trace, when, phone, other, port, OTHER_APP_PORT, rng.randbytes(rng.randrange(80, 400)))
        send_udp(trace, when + 41 * MILLISECOND, other, phone, OTHER_APP_PORT, port,
                 rng.randbytes(rng.randrange(80, 400)))

    # Call 2, over IPv6: the phone's global address, no NAT.
    t2 = t_reuse + 3 * 60 * SECOND
    port6 = _ephemeral(rng)
    t2 = _whatsapp_call_stun(trace, t2, phone, relay, port6, rng, family=6)
    t2_ice = _ice_checks(trace, t2 + 110 * MILLISECOND, phone, peer, port6, REMOTE_PEER_PORT, rng,
                         family=6)
    end = _p2p_media(trace, t2_ice + 10 * MILLISECOND, 30, phone, peer, port6, REMOTE_PEER_PORT,
                     rng, family=6)
    _relay_keepalives(trace, t2 + 10 * SECOND, end, phone, relay, port6, rng, family=6)

    while t_chat < end - 60 * SECOND:
        t_chat = chat.request_response(t_chat + rng.randrange(40 * SECOND, 90 * SECOND),
                                       _noise_frame(rng, 30, 260), _noise_frame(rng, 20, 90))
    chat.close(end + SECOND)
    return trace


def _turn_allocate(trace: Trace, t: int, device, server, port: int, server_port: int, realm: str,
                   rng: random.Random) -> int:
    """A TURN allocation with long-term credentials (RFC 8656 section 7.2, RFC 8489 section
    9.2): an Allocate without credentials, the server's 401 with REALM and NONCE, the
    Allocate again with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY, the success with
    XOR-RELAYED-ADDRESS and XOR-MAPPED-ADDRESS."""
    rtt = 47 * MILLISECOND
    transport = [(p.STUN_ATTR_REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))]
    tid = rng.randbytes(12)
    send_udp(trace, t, device, server, port, server_port, p.stun_message(p.STUN_ALLOCATE_REQUEST, tid, transport))
    nonce = rng.randbytes(16).hex().encode("ascii")
    send_udp(trace, t + rtt, server, device, server_port, port, p.stun_message(0x0113, tid, [
        (p.STUN_ATTR_ERROR_CODE, bytes([0, 0, 4, 1]) + b"Unauthorized"),
        (p.STUN_ATTR_NONCE, nonce), (p.STUN_ATTR_REALM, realm.encode("ascii"))]))
    t += rtt + 5 * MILLISECOND
    tid = rng.randbytes(12)
    send_udp(trace, t, device, server, port, server_port, p.stun_message(p.STUN_ALLOCATE_REQUEST, tid, transport + [
        (p.STUN_ATTR_USERNAME, rng.randbytes(8).hex().encode("ascii")),
        (p.STUN_ATTR_REALM, realm.encode("ascii")), (p.STUN_ATTR_NONCE, nonce),
        (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))]))
    send_udp(trace, t + rtt, server, device, server_port, port, p.stun_message(p.STUN_ALLOCATE_SUCCESS, tid, [
        (p.STUN_ATTR_XOR_RELAYED_ADDRESS, p.stun_xor_address(server.ip, 49170, tid)),
        (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(CLINIC_PUBLIC_IP, 41900, tid)),
        (p.STUN_ATTR_MESSAGE_INTEGRITY, rng.randbytes(20))]))
    return t + rtt + 5 * MILLISECOND


def telegram_turn_call() -> Trace:
    """A Telegram call through a TURN relay outside Telegram's published address list, then
    its direct leg; and a TURN allocation with another realm as the control.

    `nurse-pixel7` (192.168.10.57): a TURN allocation with long-term credentials to
    203.0.113.150:1400 whose 401 answer names the realm telegram.org (as Telegram's relays do,
    research/call-protocols.md), 20 s of media as TURN ChannelData on it, then from the same
    local port ICE checks and 20 s of RTP straight to the other party at 198.51.100.77:53211.
    `frontdesk-pc` (192.168.10.31) allocates on a TURN server at 192.0.2.90:3478 with the
    realm example.org and sends 10 s of ChannelData.

    A correct monitor reports: one Telegram call for nurse-pixel7 (the relay flow by its realm
    wherever the relay sits, the direct leg by its socket); nothing for frontdesk-pc."""
    rng = random.Random(4102)
    net = clinic()
    nurse, desk = net.nurse_pixel, net.frontdesk_pc
    trace = Trace()
    t0 = utc(2025, 10, 20, 15, 41, 3)
    t = dhcp_exchange(trace, t0, nurse, net.gateway, rng)
    t = dhcp_exchange(trace, t + 300 * MILLISECOND, desk, net.gateway, rng, vendor_class="MSFT 5.0")
    relay = net.server("telegram-relay", "203.0.113.150", ttl=50)
    peer = net.server("peer-router", REMOTE_PEER_V4, ttl=49)
    port = _ephemeral(rng)
    t = _turn_allocate(trace, t + 2 * SECOND, nurse, relay, port, 1400, "telegram.org", rng)
    channel = 0x4000 | rng.getrandbits(12)
    senders = {True: RtpSender(rng, 111, 48000, 50), False: RtpSender(rng, 111, 48000, 50)}
    t = media_stream(trace, t + 20 * MILLISECOND, 20 * SECOND, nurse, relay, port, 1400, rng,
                     packets_per_second=50, size=(90, 160),
                     payload=lambda from_a, index, size: p.turn_channel_data(channel, senders[from_a].packet(size)))
    t = _ice_checks(trace, t + 200 * MILLISECOND, nurse, peer, port, REMOTE_PEER_PORT, rng)
    _p2p_media(trace, t + 10 * MILLISECOND, 20, nurse, peer, port, REMOTE_PEER_PORT, rng)

    other = net.server("turn-example", "192.0.2.90", ttl=52)
    desk_port = _ephemeral(rng)
    t = _turn_allocate(trace, t0 + 5 * SECOND, desk, other, desk_port, 3478, "example.org", rng)
    channel = 0x4000 | rng.getrandbits(12)
    media_stream(trace, t + 20 * MILLISECOND, 10 * SECOND, desk, other, desk_port, 3478, rng,
                 packets_per_second=50, size=(90, 160),
                 payload=lambda _from_a, _index, size: p.turn_channel_data(channel, rng.randbytes(size)))
    return trace


def _downstream(trace: Trace, gateway_mac: str) -> list:
    """The frames the gateway forwarded to the clinic: what a span port that mirrors only one
    direction of the uplink records."""
    mac = bytes.fromhex(gateway_mac.replace(":", ""))
    return [record for record in trace.records if record.frame[6:12] == mac]


def one_way_capture() -> Trace:
    """A capture point that sees only the traffic toward the clinic (a span port mirroring one
    direction of the uplink), during three calls of the other captures, five minutes apart: a WhatsApp call
    through a Meta relay (whatsapp_chat_call.pcap), a Zoom meeting's media from 170.114.46.32
    on UDP 8801 (zoom_meeting.pcap) and a FaceTime video call through an Apple relay on 3487
    (facetime_relay_no_quic.pcap). Every frame sent by a clinic device is left out, so each
    flow's first packet comes from the service's server.

    A correct monitor takes the clinic device for the client of each flow (the server side
    known from addresses, not from who sent first) and reports the WhatsApp call (STUN
    attributes, Meta relay), the Zoom meeting (UDP 8801 to Zoom's range) and the FaceTime
    call (Apple's relay address and port, STUN/TURN, FaceTime's payload types), each for the
    device's address."""
    net = clinic()
    trace = Trace()
    base = utc(2025, 10, 14, 8, 30, 0)
    # One after the other, five minutes apart, each moved from its own capture's date.
    for index, build in enumerate((whatsapp_chat_call, zoom_meeting, facetime_relay_no_quic)):
        records = _downstream(build(), net.gateway.mac)
        shift = base + index * 300 * SECOND - min(record.time_us for record in records)
        for record in records:
            trace.add_frame(record.time_us + shift, record.frame, record.original_length)
    return trace


SCENARIOS = [
    ("whatsapp_p2p_call.pcap", whatsapp_p2p_call),
    ("telegram_turn_call.pcap", telegram_turn_call),
    ("one_way_capture.pcap", one_way_capture),
]
