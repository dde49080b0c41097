"""FaceTime calls laid out in the ways the other captures do not show, and look-alikes.

Each capture exercises the evidence-weighing FaceTime behaviour (docs/heuristics.md) with a
shape no single rule of the earlier detector covered: a relay on Apple's documented
3478-3497 without QUIC, IPv6, an audio-only call at a low rate, a VLAN-tagged peer-to-peer
leg, legacy RTP straight to a relay; and the look-alikes it must let pass. Like
apple_scenarios.py: one function per capture, fixed seed, fixed 2025 base time, docstring =
what the capture represents and what a correct monitor must report. Shapes follow the
documented protocol (research/signatures.md section 1: HT202078's ports, rustpush's link
code, the AVConference payload types 100/123/104/108/20); what the documentation leaves open
is marked "modelled".
"""

from __future__ import annotations

import random

import packets as p
import quic_initial as q
from apple_scenarios import AUDIO, VIDEO, Apns, apple_hosts, facetime_call_setup
from scenarios import CLINIC_PUBLIC_IP, _ephemeral, clinic, utc
from traffic import (MILLISECOND, SECOND, EthernetLink, Host, RtpSender, Trace, dhcp_exchange,
                     media_stream, send_udp)

EVS = dict(pt=108, clock=16000, rate=50, size=(60, 90))   # EVS audio, 20 ms frames


class Udp:
    """One UDP 5-tuple device:port <-> server:port (either address family)."""

    def __init__(self, trace: Trace, device, server, port: int, server_port: int, family: int = 4):
        self.trace, self.device, self.server = trace, device, server
        self.port, self.server_port, self.family = port, server_port, family

    def up(self, t: int, data: bytes) -> None:
        send_udp(self.trace, t, self.device, self.server, self.port, self.server_port, data,
                 family=self.family)

    def down(self, t: int, data: bytes) -> None:
        send_udp(self.trace, t, self.server, self.device, self.server_port, self.port, data,
                 family=self.family)

    def binding(self, t: int, rng: random.Random, key: bytes, rtt: int, attributes=()) -> int:
        """STUN Binding request and success (MESSAGE-INTEGRITY keyed from the allocation,
        FINGERPRINT; XOR-MAPPED-ADDRESS = the clinic's public address)."""
        tid = rng.randbytes(12)
        self.up(t, p.stun_message_auth(p.STUN_BINDING_REQUEST, tid, list(attributes), key))
        mapped = CLINIC_PUBLIC_IP if self.family == 4 else self.device.ip6
        self.down(t + rtt, p.stun_message_auth(p.STUN_BINDING_SUCCESS, tid, [
            (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(mapped, 52011, tid))], key))
        return t + rtt

    def media(self, t: int, duration_us: int, streams, rng: random.Random, rtt: int, *,
              wrap=None) -> int:
        """SRTP both ways for each stream (dicts pt, clock, rate, size); ``wrap`` frames each
        packet (TURN ChannelData), else the SRTP goes as it is."""
        end = t
        for stream in streams:
            senders = {True: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"]),
                       False: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"])}

            def payload(from_device: bool, index: int, size: int, senders=senders) -> bytes:
                rtp = senders[from_device].packet(size, marker=index % 30 == 29)
                return wrap(rtp) if wrap else rtp

            end = max(end, media_stream(self.trace, t, duration_us, self.device, self.server,
                                        self.port, self.server_port, rng,
                                        packets_per_second=stream["rate"], size=stream["size"],
                                        payload=payload, jitter_us=3 * MILLISECOND,
                                        family=self.family, b_start_delay_us=rtt))
        return end


def _call_prelude(trace: Trace, rng: random.Random, base: int, device, apns_ip: str) -> tuple[int, Apns]:
    """DHCP, an APNs connection already up (mid-stream), a keepalive and the call's push burst."""
    net = clinic()
    t = dhcp_exchange(trace, base, device, net.gateway, rng)
    apns = Apns(trace, device, net.server("courier", apns_ip, ttl=54), rng)
    t = apns.keepalive(t + 1500 * MILLISECOND)
    return facetime_call_setup(apns, t + 2 * SECOND), apns


def facetime_relay_no_quic() -> Trace:
    """FaceTime video call through an Apple relay on a documented port, without QUIC.

    `reception-iphone` (192.168.10.29, private MAC 36:e1:9a:52:0c:7f): DHCP, APNs mid-stream
    to 17.57.146.20:5223 with the call's push burst; then one UDP 5-tuple to the relay
    17.252.76.20:3487 (inside Apple's 3478-3497): a STUN Binding request/success
    (MESSAGE-INTEGRITY, FINGERPRINT), a refresh every 10 s, and TURN ChannelData (channel
    0x4000-0x7FFF) whose data is the SRTP packet itself (RFC 8656 section 12.4; modelled: no
    QuickRelay header, no QUIC control session) with PT 123 (H.264, 60/s, 600-1000 bytes)
    and PT 104 (AAC, 50/s) both ways for 15 s.

    A correct monitor reports: one FaceTime call, high confidence, video, device
    reception-iphone; evidence: Apple address, relay port, STUN/TURN, FaceTime payload types
    inside ChannelData, the media rate. APNs counted, never alerted."""
    rng = random.Random(3101)
    net = clinic()
    device = apple_hosts(net)["reception_iphone"]
    trace = Trace()
    t, apns = _call_prelude(trace, rng, utc(2025, 9, 2, 10, 4, 11), device, "17.57.146.20")
    relay = net.server("quickrelay", "17.252.76.20", ttl=55)
    link, rtt, key = Udp(trace, device, relay, _ephemeral(rng), 3487), 23 * MILLISECOND, rng.randbytes(32)
    channel = 0x4000 | rng.getrandbits(12)   # RFC 8656 section 12: 0x4000-0x4FFF
    t = link.binding(t + 150 * MILLISECOND, rng, key, rtt) + 2 * MILLISECOND
    end = link.media(t, 15 * SECOND, [VIDEO, AUDIO], rng, rtt,
                     wrap=lambda rtp: p.turn_channel_data(channel, rtp))
    for refresh in (t + 10 * SECOND,):
        link.binding(refresh, rng, key, rtt)
    apns.outgoing(end + 150 * MILLISECOND, 480, 560)
    return trace


def facetime_ipv6_relay() -> Trace:
    """FaceTime video call over IPv6 through an Apple relay in 2620:149::/32.

    `dr-lee-iphone` (MAC 5a:3c:9e:41:07:2d, 192.168.10.23 and, on the clinic's IPv6 LAN, the
    unique local address fd10:10:10:10:583c:9eff:fe41:72d: a clinical network by default) joins
    with DHCP and has APNs up over IPv4 (17.57.144.90:5223, the call's push burst); the
    relay allocation names 2620:149:a44:1102::18 port 3481: one IPv6 UDP 5-tuple carries a STUN
    Binding request/success (XOR-MAPPED-ADDRESS of family IPv6), QUIC v1 long headers (client
    Initial padded to 1200 bytes, no SNI: external PSK; server Initial + Handshake), then TURN
    ChannelData with SRTP PT 123 and 104 both ways for 12 s.

    A correct monitor reports: one FaceTime call, high confidence, video, device dr-lee-iphone,
    flow addresses IPv6; APNs counted, never alerted."""
    rng = random.Random(3102)
    net = clinic()
    device = Host("dr-lee-iphone", net.dr_lee_iphone.mac, net.dr_lee_iphone.ip,
                  ip6="fd10:10:10:10:583c:9eff:fe41:72d", ttl=64)
    trace = Trace()
    t, apns = _call_prelude(trace, rng, utc(2025, 9, 2, 14, 30, 2), device, "17.57.144.90")
    relay = net.server("quickrelay", "17.252.0.1", ip6="2620:149:a44:1102::18", ttl=55)
    link, rtt, key = Udp(trace, device, relay, _ephemeral(rng), 3481, family=6), 27 * MILLISECOND, rng.randbytes(32)
    t = link.binding(t + 150 * MILLISECOND, rng, key, rtt) + 2 * MILLISECOND
    client_cid, server_cid = rng.randbytes(8), rng.randbytes(8)
    link.up(t, p.quic_long_header(rng, p.QUIC_INITIAL, rng.randbytes(8), client_cid, 0, pad_to=1200))
    t += rtt
    link.down(t, p.quic_long_header(rng, p.QUIC_INITIAL, client_cid, server_cid, 123)
              + p.quic_long_header(rng, p.QUIC_HANDSHAKE, client_cid, server_cid, 88))
    t += MILLISECOND
    link.up(t, p.quic_long_header(rng, p.QUIC_HANDSHAKE, server_cid, client_cid, 58))
    channel = 0x4000 | rng.getrandbits(12)   # RFC 8656 section 12: 0x4000-0x4FFF
    end = link.media(t + 5 * MILLISECOND, 12 * SECOND, [VIDEO, AUDIO], rng, rtt,
                     wrap=lambda rtp: p.turn_channel_data(channel, rtp))
    apns.outgoing(end + 150 * MILLISECOND, 480, 560)
    return trace


def facetime_audio_relay_low_rate() -> Trace:
    """FaceTime audio-only call through an Apple relay at a low rate, without QUIC.

    `billing-iphone` (192.168.10.38, Apple OUI bc:d0:74:58:a2:19): DHCP, APNs mid-stream to
    17.57.145.77:5223 with the call's push burst, then one UDP 5-tuple to the relay
    17.188.180.33:3491: STUN Binding request/success, then TURN ChannelData carrying SRTP
    PT 108 (EVS, 50 packets/s each way, 60-90 bytes: about 40 kbit/s each way with the
    framing, far below video) for 40 s, a Binding refresh every 10 s.

    A correct monitor reports: one FaceTime call, high confidence, audio (not video), device
    billing-iphone; APNs counted, never alerted."""
    rng = random.Random(3103)
    net = clinic()
    device = apple_hosts(net)["billing_iphone"]
    trace = Trace()
    t, apns = _call_prelude(trace, rng, utc(2025, 9, 3, 9, 0, 41), device, "17.57.145.77")
    relay = net.server("quickrelay", "17.188.180.33", ttl=55)
    link, rtt, key = Udp(trace, device, relay, _ephemeral(rng), 3491), 25 * MILLISECOND, rng.randbytes(32)
    channel = 0x4000 | rng.getrandbits(12)   # RFC 8656 section 12: 0x4000-0x4FFF
    t = link.binding(t + 150 * MILLISECOND, rng, key, rtt) + 2 * MILLISECOND
    end = link.media(t, 40 * SECOND, [EVS], rng, rtt, wrap=lambda rtp: p.turn_channel_data(channel, rtp))
    for refresh in range(1, 4):
        link.binding(t + refresh * 10 * SECOND, rng, key, rtt)
    apns.outgoing(end + 150 * MILLISECOND, 480, 560)
    return trace


def facetime_p2p_vlan() -> Trace:
    """A FaceTime peer-to-peer leg on a VLAN-tagged link (802.1Q VLAN 30), UDP 16393.

    `exam-room-mac` (192.168.10.47, a4:83:e7:19:6d:02) on the clinic's staff VLAN 30 (every
    frame tagged): DHCP, then 192.168.10.47:16393 <-> 198.51.100.91:16399 (the remote peer's
    NAT, both ports in Apple's 16393-16402): STUN Binding requests both ways with 0x8008
    (IDSStunAttributeLinkUUID, 16 bytes), 0x8007 (IDSStunAttributeCellularRAT, 4 bytes),
    MESSAGE-INTEGRITY, FINGERPRINT and successes, then SRTP PT 123 (H.264, 60/s) and PT 104
    (AAC, 50/s) both ways for 12 s. No relay leg and no APNs in the capture (modelled: the
    capture starts after the call moved off the relay).

    A correct monitor reports: one FaceTime call, high confidence, video, device exam-room-mac,
    VLAN 30 in the flow."""
    rng = random.Random(3104)
    net = clinic()
    mac = apple_hosts(net)["exam_room_mac"]
    trace = Trace(EthernetLink([(p.ETHERTYPE_VLAN, 30)]))
    t = dhcp_exchange(trace, utc(2025, 9, 4, 16, 12, 9), mac, net.gateway, rng)
    peer = net.server("facetime-peer", "198.51.100.91", ttl=49)
    leg, rtt, key = Udp(trace, mac, peer, 16393, 16399), 31 * MILLISECOND, rng.randbytes(16)
    mac_uuid, peer_uuid = rng.randbytes(16), rng.randbytes(16)
    t += 2 * SECOND
    for uuid, from_mac in ((mac_uuid, True), (peer_uuid, False)):
        tid = rng.randbytes(12)
        request = p.stun_message_auth(p.STUN_BINDING_REQUEST, tid, [(0x8008, uuid), (0x8007, b"\x00\x00\x00\x00")], key)
        answer_to = "198.51.100.91" if from_mac else CLINIC_PUBLIC_IP
        success = p.stun_message_auth(p.STUN_BINDING_SUCCESS, tid, [
            (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(answer_to, 16399 if from_mac else 41702, tid)),
            (0x8008, peer_uuid if from_mac else mac_uuid)], key)
        (leg.up if from_mac else leg.down)(t, request)
        (leg.down if from_mac else leg.up)(t + rtt, success)
        t += rtt + 5 * MILLISECOND
    leg.media(t + 3 * MILLISECOND, 12 * SECOND, [VIDEO, AUDIO], rng, rtt)
    return trace


def facetime_legacy_rtp_relay() -> Trace:
    """Legacy FaceTime media straight to an Apple relay: plain RTP, no STUN, no QUIC.

    `nurse-ipad` (192.168.10.52, 8c:85:90:3e:51:a7): DHCP, APNs mid-stream to
    17.188.136.51:5223 with the call's push burst, then 192.168.10.52:<ephemeral> <->
    17.252.60.9:3484 (inside Apple's 3478-3497): RTP (not wrapped in TURN) with PT 104 (AAC,
    50/s, 100-160 bytes) both ways for 20 s (modelled: a media relay conversation whose
    allocation came over APNs, with no STUN on the 5-tuple).

    A correct monitor reports: one FaceTime call, high confidence, audio, device nurse-ipad;
    APNs counted, never alerted."""
    rng = random.Random(3105)
    net = clinic()
    device = apple_hosts(net)["nurse_ipad"]
    trace = Trace()
    t, apns = _call_prelude(trace, rng, utc(2025, 9, 5, 13, 20, 17), device, "17.188.136.51")
    relay = net.server("quickrelay", "17.252.60.9", ttl=55)
    link = Udp(trace, device, relay, _ephemeral(rng), 3484)
    end = link.media(t + 200 * MILLISECOND, 20 * SECOND, [AUDIO], rng, 22 * MILLISECOND)
    apns.outgoing(end + 150 * MILLISECOND, 480, 560)
    return trace


# =========================================================================== look-alikes

def lookalike_webrtc_opus() -> Trace:
    """WebRTC with Opus and VP8 to a TURN server that is not Apple's: a look-alike.

    `frontdesk-pc` (192.168.10.31, Windows): DHCP, then UDP to 198.51.100.120:3478 (a
    telehealth vendor's TURN server, documentation range, no DNS in the capture): ICE STUN
    Binding requests (USERNAME, ICE-CONTROLLING, PRIORITY, USE-CANDIDATE, MESSAGE-INTEGRITY,
    FINGERPRINT) and successes, a DTLS 1.2 ClientHello/ServerHello with use_srtp, then SRTP
    PT 96 (VP8, 30/s, 500-900 bytes) and PT 111 (Opus, 50/s) both ways for 15 s.

    A correct monitor reports: device frontdesk-pc; NOT FaceTime (no Apple address, no Apple
    STUN attributes, not FaceTime's payload types), no alert."""
    rng = random.Random(3111)
    net = clinic()
    pc = net.frontdesk_pc
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 9, 8, 11, 2, 33), pc, net.gateway, rng, vendor_class="MSFT 5.0")
    turn = net.server("turn", "198.51.100.120", ttl=52)
    link, rtt, key = Udp(trace, pc, turn, _ephemeral(rng), 3478), 18 * MILLISECOND, rng.randbytes(24)
    t += 2 * SECOND
    for nominate in (False, True):
        attributes = [(p.STUN_ATTR_USERNAME, b"r9Qw:Lp3x"), (p.STUN_ATTR_ICE_CONTROLLING, rng.randbytes(8)),
                      (p.STUN_ATTR_PRIORITY, b"\x6e\x7f\x1e\xff")]
        if nominate:
            attributes.append((p.STUN_ATTR_USE_CANDIDATE, b""))
        t = link.binding(t, rng, key, rtt, attributes) + 30 * MILLISECOND
    link.up(t, p.dtls_record(p.TLS_HANDSHAKE, 0, 0, p.dtls_handshake(1, 0, p.dtls_client_hello_body(rng))))
    t += rtt
    link.down(t, p.dtls_record(p.TLS_HANDSHAKE, 0, 0, p.dtls_handshake(2, 0, p.dtls_server_hello_body(rng))))
    t += 5 * MILLISECOND
    link.media(t, 15 * SECOND, [dict(pt=96, clock=90000, rate=30, size=(500, 900)),
                                dict(pt=111, clock=48000, rate=50, size=(90, 150))], rng, rtt)
    return trace


def lookalike_game_center() -> Trace:
    """A Game-Center-like short UDP exchange on 16384 with an Apple host: a look-alike.

    `dr-patel-iphone` (192.168.10.45): DHCP, then 192.168.10.45:16384 <-> 17.173.254.222:16384
    (Apple's FaceTime and Game Center share 16384-16387, HT202078): a STUN Binding
    request/success and six short datagrams (40-120 random bytes, modelled game
    session setup) over 2 s, then nothing. No media rate, no RTP.

    A correct monitor reports: device dr-patel-iphone; NOT FaceTime (Apple's address and the
    same legacy port at both ends, but no media), no alert."""
    rng = random.Random(3112)
    net = clinic()
    phone = apple_hosts(net)["dr_patel_iphone"]
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 9, 9, 12, 40, 0), phone, net.gateway, rng)
    server = net.server("game-center", "17.173.254.222", ttl=55)
    link, rtt = Udp(trace, phone, server, 16384, 16384), 24 * MILLISECOND
    t = link.binding(t + 3 * SECOND, rng, rng.randbytes(16), rtt) + 40 * MILLISECOND
    for index in range(3):
        link.up(t, rng.randbytes(rng.randrange(40, 120)))
        link.down(t + rtt, rng.randbytes(rng.randrange(40, 120)))
        t += 700 * MILLISECOND
    return trace


def lookalike_icloud_quic_sni() -> Trace:
    """iCloud over QUIC with an SNI to 17.0.0.0/8 at a steady rate both ways: a look-alike.

    `billing-mac` (192.168.10.36): DHCP, then QUIC v1 on UDP 443 to 17.248.176.71: a client
    Initial (1250 bytes, sealed with the version's initial keys) whose ClientHello names
    gateway.icloud.com (ALPN h3), server Initial + Handshake, the client's Initial +
    Handshake, then 1-RTT short headers both ways for 10 s at 30 packets/s each way (200-1200
    bytes: a sync, in both directions).

    A correct monitor reports: device billing-mac; iCloud (SNI gateway.icloud.com, no BAA),
    NOT FaceTime: QUIC that names its server is not a relay's."""
    rng = random.Random(3113)
    net = clinic()
    mac = net.billing_mac
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 9, 10, 8, 15, 5), mac, net.gateway, rng)
    icloud = net.server("gateway.icloud.com", "17.248.176.71", ttl=56)
    port, rtt = _ephemeral(rng), 14 * MILLISECOND
    dcid, client_cid, server_cid = rng.randbytes(8), rng.randbytes(8), rng.randbytes(8)
    hello = p.tls_client_hello(rng, "gateway.icloud.com", ("h3",))[5:]
    t += 2 * SECOND
    send_udp(trace, t, mac, icloud, port, 443,
             q.seal_client_initial(q.QUIC_V1, dcid, client_cid, 0, q.crypto_frame(0, hello), size=1250))
    t += rtt
    send_udp(trace, t, icloud, mac, 443, port,
             p.quic_long_header(rng, p.QUIC_INITIAL, client_cid, server_cid, 117)
             + p.quic_long_header(rng, p.QUIC_HANDSHAKE, client_cid, server_cid, 1030))
    t += 2 * MILLISECOND
    handshake = p.quic_long_header(rng, p.QUIC_HANDSHAKE, server_cid, client_cid, 80)
    send_udp(trace, t, mac, icloud, port, 443,
             p.quic_long_header(rng, p.QUIC_INITIAL, server_cid, client_cid, 40, pad_to=1250 - len(handshake))
             + handshake)
    media_stream(trace, t + MILLISECOND, 10 * SECOND, mac, icloud, port, 443, rng, packets_per_second=30,
                 size=(200, 1200),
                 payload=lambda up, _i, size: p.quic_short_header(rng, server_cid if up else client_cid, size),
                 jitter_us=10 * MILLISECOND, b_start_delay_us=rtt)
    return trace


SCENARIOS = [
    ("facetime_relay_no_quic.pcap", facetime_relay_no_quic),
    ("facetime_ipv6_relay.pcap", facetime_ipv6_relay),
    ("facetime_audio_relay_low_rate.pcap", facetime_audio_relay_low_rate),
    ("facetime_p2p_vlan.pcap", facetime_p2p_vlan),
    ("facetime_legacy_rtp_relay.pcap", facetime_legacy_rtp_relay),
    ("lookalike_webrtc_opus.pcap", lookalike_webrtc_opus),
    ("lookalike_game_center.pcap", lookalike_game_center),
    ("lookalike_icloud_quic_sni.pcap", lookalike_icloud_quic_sni),
]
