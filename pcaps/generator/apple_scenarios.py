"""Apple captures: FaceTime (relay, peer-to-peer, web), APNs, IDS, iMessage attachments,
iCloud sync, a re-addressed device, and look-alikes that must not be taken for Apple.

Like scenarios.py: one function per capture, fixed seed, fixed 2025 base time, docstring =
what the capture represents and what a correct monitor must report (pcaps/README.md repeats
it). There is no public capture of a modern FaceTime call, so the shapes follow the
documented protocol (../shared/research/signatures.md section 1): Apple's published ports
and ranges (HT202078, 102266) and the reverse-engineered QuickRelay / IDS link code of
OpenBubbles/rustpush (src/ids/link.rs): one UDP 5-tuple to the relay multiplexing STUN,
TURN ChannelData (channel id from the AllocBind answer) and QUIC (h3 over an external PSK, the
relay IP as server name, so no SNI); peer-to-peer STUN Binding with 0x8008 (link UUID, 16
bytes) and 0x8007 (cellular RAT, 4 bytes) and MESSAGE-INTEGRITY keyed with the session id;
keepalives as STUN Data indications (CHANNEL-NUMBER 0, DATA = IDS link message, command 3
with an RTT report and a counter, acknowledged with 0x8003); media SRTP with PT 123 (H.264)
and 104 (AAC). Everything encrypted is seeded random bytes.

Where the documentation is silent, the choice is marked "modelled" in the docstring.

Media rates are kept realistic and durations shortened so each file stays near 1.5 MB:
video calls carry video at 60 packets/s each way (600-1000 bytes of RTP) plus audio at
50 packets/s each way (100-160 bytes), audio calls 50 packets/s each way.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import struct

import packets as p
from scenarios import (CLINIC_PUBLIC_IP, _ephemeral, _whatsapp_call_stun, clinic, utc)
from traffic import (BROADCAST, MILLISECOND, SECOND, UNSPECIFIED, Host, RtpSender, TcpSession,
                     Trace, dhcp_exchange, dns_lookup, mdns_announce, media_stream, send_udp,
                     tls_handshake)

# Apple addresses (all in 17.0.0.0/8; APNs in Apple's published 17.57.144.0/22 and
# 17.188.128.0/18; relays in 17.188.x / 17.252.x)
APNS_CNAME = "us-sw-courier-4.push-apple.com.akadns.net"   # as in nDPI's anyconnect-vpn capture
IDS_HOSTS = {
    "init.ess.apple.com": "17.188.166.14",
    "identity.ess.apple.com": "17.188.166.20",
    "profile.ess.apple.com": "17.188.166.25",
    "query.ess.apple.com": "17.188.166.30",
    "static.ess.apple.com": "17.253.21.202",
}
ICLOUD_HOSTS = {
    "p45-content.icloud.com": "17.248.185.12",
    "cvws.icloud-content.com": "17.248.191.40",
    "gateway.icloud.com": "17.248.176.71",
    "p45-ckdatabasews.icloud.com": "17.248.185.36",
}
APPLE_TIME = "17.253.16.125"           # time.apple.com (CNAME time.g.aaplimg.com)
FACETIME_WEB = "17.253.83.201"         # facetime.apple.com (modelled address in 17/8)
FACETIME_WEB_MEDIA = "17.252.107.40"   # WebRTC media server for the web client (modelled)
TETHER_EDGE = "17.253.53.65"           # tether.edge.apple (suricata-verify quic-ack3)
REMOTE_PEER = "198.51.100.77"          # FaceTime peer at home, behind NAT (documentation range)

VIDEO = dict(pt=123, clock=90000, rate=60, size=(600, 1000))
AUDIO = dict(pt=104, clock=48000, rate=50, size=(100, 160))


def apple_hosts(net):
    """Apple devices of these captures, with Apple OUIs or iOS private (locally
    administered) MACs."""
    return dict(
        dr_patel_iphone=Host("dr-patel-iphone", "a6:5b:0e:73:c1:48", "192.168.10.45", ttl=64),
        nurse_ipad=Host("nurse-ipad", "8c:85:90:3e:51:a7", "192.168.10.52", ttl=64),
        exam_room_mac=Host("exam-room-mac", "a4:83:e7:19:6d:02", "192.168.10.47", ttl=64),
        reception_iphone=Host("reception-iphone", "36:e1:9a:52:0c:7f", "192.168.10.29", ttl=64),
        billing_iphone=Host("billing-iphone", "bc:d0:74:58:a2:19", "192.168.10.38", ttl=64),
        dr_kim_macbook=Host("dr-kim-macbook", "3c:22:fb:84:0e:6a", "192.168.10.61", ttl=64),
    )


def _tls_app(rng: random.Random, low: int, high: int) -> bytes:
    return p.tls_application_data(rng, rng.randrange(low, high))


# =========================================================================== APNs

class Apns:
    """An APNs ("courier") connection on TCP 5223. TLS 1.3 application-data records only:
    the binary APNs frames (Connect, FilterTopics, SendMessage, KeepAlive...) are inside."""

    def __init__(self, trace: Trace, device: Host, server: Host, rng: random.Random, *,
                 rtt_us: int = 28 * MILLISECOND):
        self.rng = rng
        self.session = TcpSession(trace, device, server, _ephemeral(rng), 5223, rng, rtt_us=rtt_us)

    def keepalive(self, t: int) -> int:
        """KeepAlive from the device (~60-byte record), KeepAliveAck (~22 bytes)."""
        return self.session.request_response(t, _tls_app(self.rng, 52, 70), _tls_app(self.rng, 21, 26))

    def incoming(self, t: int, low: int, high: int) -> int:
        """A push delivered to the device, then the device's ack-sized record."""
        self.session.send(t, False, _tls_app(self.rng, low, high), ack=False)
        t += self.rng.randrange(2 * MILLISECOND, 9 * MILLISECOND)
        return self.session.send(t, True, _tls_app(self.rng, 38, 50))

    def outgoing(self, t: int, low: int, high: int) -> int:
        """A SendMessage from the device, then the server's ack-sized record."""
        return self.session.request_response(t, _tls_app(self.rng, low, high), _tls_app(self.rng, 36, 48))

    def connect(self, t: int) -> int:
        """A new connection: TCP handshake, ClientHello (SNI courier.push.apple.com, ALPN
        apns-security-v3), server flight with certificate chain and CertificateRequest,
        client certificate + Finished, then Connect/ConnectAck and FilterTopics."""
        s, rng = self.session, self.rng
        t = s.open(t)
        t = s.request_response(t + MILLISECOND,
                               p.tls_client_hello(rng, "courier.push.apple.com", ("apns-security-v3",)),
                               p.tls_server_hello(rng) + p.tls_change_cipher_spec()
                               + p.tls_application_data(rng, 3870))
        t = s.send(t + 2 * MILLISECOND, True,
                   p.tls_change_cipher_spec() + p.tls_application_data(rng, 1620))
        t = s.request_response(t + MILLISECOND, _tls_app(rng, 320, 360), _tls_app(rng, 100, 130))
        return s.send(t + 3 * MILLISECOND, True, _tls_app(rng, 540, 600))


def apns_new(trace: Trace, t: int, net, device: Host, rng: random.Random, courier_n: int,
             address: str) -> tuple[Apns, int]:
    """DNS <n>-courier.push.apple.com (CNAME to Akamai, A in 17.57.144.0/22) and a new
    APNs connection to the answer."""
    name = f"{courier_n}-courier.push.apple.com"
    t = dns_lookup(trace, t, device, net.gateway, rng, name, p.DNS_A,
                   [(name, p.DNS_CNAME, 3600, APNS_CNAME), (APNS_CNAME, p.DNS_A, 60, address)])
    apns = Apns(trace, device, net.server("courier", address, ttl=54), rng)
    return apns, apns.connect(t + 2 * MILLISECOND)


# =========================================================================== HTTPS helpers

def https_exchange(trace: Trace, t: int, net, device: Host, rng: random.Random, name: str,
                   address: str, exchanges, *, rtt_ms: int = 24, resolve: bool = True,
                   cname: str | None = None, close: bool = True) -> int:
    """DNS (optional) + TCP + TLS 1.3 (SNI ``name``, ALPN h2) + request/response pairs
    ``exchanges`` = [(request bytes, response bytes, think ms)] + FIN."""
    if resolve:
        answers = ([(name, p.DNS_CNAME, 300, cname), (cname, p.DNS_A, 60, address)] if cname
                   else [(name, p.DNS_A, 300, address)])
        t = dns_lookup(trace, t, device, net.gateway, rng, name, p.DNS_A, answers)
    server = net.server(name, address, ttl=54)
    session = TcpSession(trace, device, server, _ephemeral(rng), 443, rng, rtt_us=rtt_ms * MILLISECOND)
    t = session.open(t + MILLISECOND)
    t = tls_handshake(session, t + MILLISECOND, name, server_flight=rng.randrange(3300, 4200))
    for request, response, think_ms in exchanges:
        t = session.request_response(t + 2 * MILLISECOND, p.tls_application_stream(rng, request),
                                     p.tls_application_stream(rng, response),
                                     server_think_us=think_ms * MILLISECOND)
    if close:
        t = session.close(t + rng.randrange(200, 900) * MILLISECOND)
    return t


def tls_upload(session: TcpSession, t: int, total: int, duration_us: int, rng: random.Random,
               burst: int = 16384) -> int:
    """``total`` bytes of application data from the client paced over ``duration_us``:
    16 KB records, each acknowledged by the server."""
    count = max(1, -(-total // burst))
    step = duration_us // count
    start = t
    for index in range(count):
        size = min(burst, total - index * burst)
        t = session.send(max(t + 100, start + index * step), True, p.tls_application_data(rng, size))
    return t


# =========================================================================== FaceTime relay

class RelayLink:
    """A FaceTime QuickRelay session on one UDP 5-tuple device:ephemeral <-> relay:port.

    Order (rustpush src/ids/link.rs): the allocation (relay IP/port, token, key) came over
    APNs; the device sends a STUN Binding request (MESSAGE-INTEGRITY keyed from the
    allocation, FINGERPRINT; modelled: the relay's reachability check) and gets a Binding
    success with XOR-MAPPED-ADDRESS; opens QUIC v1 (client Initial padded to 1200 bytes,
    external PSK so the server flight has no certificate and the ClientHello no SNI), sends
    h3 SETTINGS and PUT /QR/AllocBind, gets the answer with the TURN channel id, opens
    GET /QR/Indications. Media then runs as QUIC DATAGRAMs (short header) while the link
    comes up and afterwards as TURN ChannelData frames whose payload is the QR header
    (device -> relay: 0x20 0x40 + relay link id; relay -> device: 0x80 0x45, attributes,
    stream id, participant id) + an SRTP packet. QUIC keeps carrying control (ACKs, IDS pod
    link messages, indications) at ~1 packet/s each way, a STUN Binding refresh every 10 s
    (modelled), and PUT /QR/UnAllocBind + CONNECTION_CLOSE at the end."""

    def __init__(self, trace: Trace, device: Host, relay: Host, relay_port: int,
                 rng: random.Random, *, rtt_us: int = 21 * MILLISECOND, port: int | None = None):
        self.trace, self.device, self.relay, self.relay_port, self.rng = trace, device, relay, relay_port, rng
        self.port = port or _ephemeral(rng)
        self.rtt = rtt_us
        self.key = rng.randbytes(32)
        self.client_cid = rng.randbytes(8)
        self.server_cid = rng.randbytes(8)
        self.channel = 0x4000 | rng.getrandbits(14)
        self.link_id = rng.getrandbits(16).to_bytes(2, "big")
        self.participant = rng.randbytes(8)
        self.stream_ids: dict[int, bytes] = {}
        self.stun_count = 0
        self.counts = {"stun": 0, "quic_long": 0, "quic_short": 0, "channeldata": 0}

    def up(self, t: int, payload: bytes, kind: str) -> None:
        self.counts[kind] += 1
        send_udp(self.trace, t, self.device, self.relay, self.port, self.relay_port, payload)

    def down(self, t: int, payload: bytes, kind: str) -> None:
        self.counts[kind] += 1
        send_udp(self.trace, t, self.relay, self.device, self.relay_port, self.port, payload)

    def short(self, from_device: bool, length: int) -> bytes:
        return p.quic_short_header(self.rng, self.server_cid if from_device else self.client_cid, length)

    def binding(self, t: int) -> int:
        tid = self.rng.randbytes(12)
        self.up(t, p.stun_message_auth(p.STUN_BINDING_REQUEST, tid, [], self.key), "stun")
        t += self.rtt + self.rng.randrange(2000)
        self.down(t, p.stun_message_auth(p.STUN_BINDING_SUCCESS, tid, [
            (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(CLINIC_PUBLIC_IP, 52000 + self.port % 9000, tid))],
            self.key), "stun")
        return t

    def open(self, t: int) -> int:
        rng, rtt = self.rng, self.rtt
        t = self.binding(t) + 2 * MILLISECOND
        dcid = rng.randbytes(8)
        self.up(t, p.quic_long_header(rng, p.QUIC_INITIAL, dcid, self.client_cid, 0, pad_to=1200), "quic_long")
        t += rtt
        self.down(t, p.quic_long_header(rng, p.QUIC_INITIAL, self.client_cid, self.server_cid, 123)
                  + p.quic_long_header(rng, p.QUIC_HANDSHAKE, self.client_cid, self.server_cid, 88), "quic_long")
        t += MILLISECOND
        handshake = p.quic_long_header(rng, p.QUIC_HANDSHAKE, self.server_cid, self.client_cid, 58)
        self.up(t, p.quic_long_header(rng, p.QUIC_INITIAL, self.server_cid, self.client_cid, 26,
                                      pad_to=1200 - len(handshake)) + handshake, "quic_long")
        self.up(t + 300, self.short(True, 64), "quic_short")                        # h3 SETTINGS, QPACK
        self.up(t + 600, self.short(True, rng.randrange(560, 640)), "quic_short")   # PUT /QR/AllocBind
        t += rtt
        self.down(t, self.short(False, 38), "quic_short")                           # HANDSHAKE_DONE, ACK
        self.down(t + 200, self.short(False, 58), "quic_short")                     # h3 SETTINGS
        t += 4 * MILLISECOND
        self.down(t, self.short(False, rng.randrange(380, 460)), "quic_short")      # AllocBind answer
        t += MILLISECOND
        self.up(t, self.short(True, 32), "quic_short")
        self.up(t + 300, self.short(True, 118), "quic_short")                       # GET /QR/Indications
        t += rtt
        self.down(t, self.short(False, 30), "quic_short")
        return t + 2 * MILLISECOND

    def frame(self, from_device: bool, pt: int, rtp: bytes) -> bytes:
        if from_device:
            header = b"\x20\x40" + self.link_id
        else:
            stream = self.stream_ids.setdefault(pt, self.rng.getrandbits(16).to_bytes(2, "big"))
            header = b"\x80\x45\x00\x00" + stream + self.participant
        return p.turn_channel_data(self.channel, header + rtp)

    def media(self, t: int, duration_us: int, streams, *, quic_us: int = 3 * SECOND) -> int:
        """Media for ``duration_us``: QUIC DATAGRAMs for the first ``quic_us``, then
        ChannelData; ``streams`` are dicts (pt, clock, rate, size)."""
        rng = self.rng
        end = t
        for stream in streams:
            senders = {True: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"]),
                       False: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"])}
            split = int(quic_us * stream["rate"] / SECOND)
            kinds = {"quic_short": 0, "channeldata": 0}

            def payload(from_device: bool, index: int, size: int, stream=stream, senders=senders,
                        split=split, kinds=kinds) -> bytes:
                rtp = senders[from_device].packet(size, marker=index % 30 == 29)
                if index < split:
                    kinds["quic_short"] += 1
                    return self.short(from_device, len(rtp) + 26)   # pod header + DATAGRAM frame + tag
                kinds["channeldata"] += 1
                return self.frame(from_device, stream["pt"], rtp)

            end = max(end, media_stream(self.trace, t, duration_us, self.device, self.relay, self.port,
                                        self.relay_port, rng, packets_per_second=stream["rate"],
                                        size=stream["size"], payload=payload,
                                        jitter_us=3 * MILLISECOND, b_start_delay_us=self.rtt))
            for kind, count in kinds.items():
                self.counts[kind] += count
        self.control(t + 500 * MILLISECOND, end)
        return end

    def control(self, start: int, end: int) -> None:
        """QUIC control (~1 packet/s each way) and a STUN Binding refresh every 10 s."""
        rng = self.rng
        when = start
        while when < end:
            self.up(when, self.short(True, rng.randrange(30, 90)), "quic_short")
            self.down(when + self.rtt + rng.randrange(3000), self.short(False, rng.randrange(30, 120)), "quic_short")
            when += rng.randrange(800, 1200) * MILLISECOND
        refresh = start + 10 * SECOND
        while refresh < end - SECOND:
            self.binding(refresh)
            refresh += 10 * SECOND

    def close(self, t: int) -> int:
        self.up(t, self.short(True, self.rng.randrange(130, 160)), "quic_short")      # PUT /QR/UnAllocBind
        t += self.rtt
        self.down(t, self.short(False, 70), "quic_short")
        t += MILLISECOND
        self.up(t, self.short(True, 45), "quic_short")                                  # CONNECTION_CLOSE
        return t


def facetime_call_setup(apns: Apns, t: int) -> int:
    """The push burst that starts a call (modelled sizes): the device's IDS message asking
    for a QuickRelay allocation, the FaceTime invitation (per-device encrypted, ~1.9 KB),
    the allocation answer and the callee's accept as pushes, each acknowledged."""
    t = apns.outgoing(t, 640, 760)
    t = apns.outgoing(t + 40 * MILLISECOND, 1800, 2100)
    t = apns.incoming(t + 180 * MILLISECOND, 600, 760)
    return apns.incoming(t + 900 * MILLISECOND, 420, 560)


def relay_call_capture(*, seed: int, base: int, device_key: str, relay_ip: str, relay_port: int,
                       apns_ip: str, duration_us: int, streams) -> tuple[Trace, RelayLink]:
    rng = random.Random(seed)
    net = clinic()
    device = apple_hosts(net)[device_key]
    trace = Trace()
    t = dhcp_exchange(trace, base, device, net.gateway, rng)
    apns = Apns(trace, device, net.server("courier", apns_ip, ttl=54), rng)
    t = apns.keepalive(t + 1800 * MILLISECOND)
    t = apns.incoming(t + 2500 * MILLISECOND, 180, 260)
    t = facetime_call_setup(apns, t + 3 * SECOND)
    relay = net.server("quickrelay", relay_ip, ttl=55)
    link = RelayLink(trace, device, relay, relay_port, rng)
    t = link.open(t + 150 * MILLISECOND)
    end = link.media(t, duration_us, streams)
    apns.keepalive(t + duration_us // 2)
    t = link.close(end + 30 * MILLISECOND)
    t = apns.outgoing(t + 120 * MILLISECOND, 480, 560)     # call ended
    apns.keepalive(t + 4 * SECOND)
    return trace, link


def facetime_relay_video() -> Trace:
    """FaceTime video call through an Apple relay from an iPhone.

    `dr-patel-iphone` (192.168.10.45, private MAC a6:5b:0e:73:c1:48) does DHCP (option 12)
    and has an APNs connection already up (TCP 5223 to 17.57.144.84, mid-stream: TLS
    application-data records only): a keepalive, a push, then the call's push burst. The
    relay address came over APNs (no DNS): one UDP 5-tuple to 17.188.167.41:3478 carries a
    STUN Binding request/success (MESSAGE-INTEGRITY, FINGERPRINT), QUIC v1 (Initial without
    readable SNI, Handshake, short headers) and TURN ChannelData (channel 0x4000-0x7FFF) with
    SRTP PT 123 (H.264, 60 packets/s, 600-1000 bytes) and PT 104 (AAC, 50 packets/s) both
    ways for 12 s, then UnAllocBind + CONNECTION_CLOSE and an APNs message.

    A correct monitor reports: one FaceTime call encounter, kind call, video, device
    dr-patel-iphone (IP, MAC, DHCP name), duration ~12 s; APNs counted as "Apple device
    online", never alerted."""
    trace, _ = relay_call_capture(seed=3001, base=utc(2025, 8, 4, 9, 12, 5), device_key="dr_patel_iphone",
                                  relay_ip="17.188.167.41", relay_port=3478, apns_ip="17.57.144.84",
                                  duration_us=12 * SECOND, streams=[VIDEO, AUDIO])
    return trace


def facetime_relay_audio() -> Trace:
    """FaceTime audio call through an Apple relay from an iPad.

    `nurse-ipad` (192.168.10.52, Apple OUI 8c:85:90:3e:51:a7): DHCP, APNs mid-stream to
    17.188.136.51:5223 (keepalives, a push, the call's push burst), then one UDP 5-tuple to
    the relay 17.252.98.16:3480: STUN Binding (MESSAGE-INTEGRITY, FINGERPRINT), QUIC v1
    long headers then short headers, TURN ChannelData with SRTP PT 104 (AAC, 50 packets/s
    each way, 100-160 bytes of RTP) for 60 s, UnAllocBind, CONNECTION_CLOSE.

    A correct monitor reports: one FaceTime call encounter, kind call, audio, device
    nurse-ipad, duration ~60 s; APNs counted, never alerted."""
    trace, _ = relay_call_capture(seed=3002, base=utc(2025, 8, 4, 11, 40, 31), device_key="nurse_ipad",
                                  relay_ip="17.252.98.16", relay_port=3480, apns_ip="17.188.136.51",
                                  duration_us=60 * SECOND, streams=[AUDIO])
    return trace


# =========================================================================== FaceTime P2P

def link_message(command: int, parameters, key: bytes) -> bytes:
    """IDS link message (rustpush LinkRawMessage): command, parameters length, 16 zero
    bytes, TLV parameters, then HmacDigest (0x09, HMAC-SHA1 keyed with the session id over
    everything before that parameter)."""
    body = b"".join(struct.pack("!HH", kind, len(value)) + value for kind, value in parameters)
    body += struct.pack("!HH", 0x09, 20) + b"\x00" * 20
    raw = struct.pack("!HH", command, len(body)) + b"\x00" * 16 + body
    digest = hmac.new(key, raw[:-24], hashlib.sha1).digest()
    return raw[:-20] + digest


def keepalive_indication(command: int, counter: int, rtt_report: bytes, key: bytes, rng) -> bytes:
    """STUN Data indication (0x0017) with CHANNEL-NUMBER (0x000C, 4 zero bytes) and DATA
    (0x0013) = link message (command 3 keepalive / 0x8003 ack: RTT report + counter)."""
    message = link_message(command, [(0x0A, rtt_report), (0x01, struct.pack("!H", counter))], key)
    return p.stun_message(p.STUN_DATA_INDICATION, rng.randbytes(12),
                          [(p.STUN_ATTR_CHANNEL_NUMBER, b"\x00\x00\x00\x00"), (p.STUN_ATTR_DATA, message)])


def facetime_p2p_call() -> Trace:
    """FaceTime video call that moves from the relay to a direct peer-to-peer path.

    `exam-room-mac` (192.168.10.47, Apple OUI a4:83:e7:19:6d:02): DHCP, APNs mid-stream to
    17.57.145.12:5223 with the call's push burst, a 2 s relay leg to 17.188.171.9:3479 (shape
    of facetime_relay_video; the relay 5-tuple stays up with QUIC control until the call
    ends). Then 192.168.10.47:16393 <-> 198.51.100.77:16402 (the remote peer's NAT): STUN
    Binding requests both ways with 0x8008 (IDSStunAttributeLinkUUID, 16 bytes), 0x8007
    (IDSStunAttributeCellularRAT, 4 bytes, 0 = Wi-Fi), MESSAGE-INTEGRITY, FINGERPRINT (the
    Mac's first request is unanswered: the peer's NAT is not open yet), successes with
    XOR-MAPPED-ADDRESS + 0x8008; then SRTP PT 123 (H.264, 60/s, 600-1000 bytes) and PT 104
    (AAC, 50/s) with separate SSRCs, both ways, 10 s; every 5 s each side sends a STUN Data
    indication (0x0017, CHANNEL-NUMBER + DATA: link keepalive, command 3) answered by one
    carrying the ack (0x8003).

    A correct monitor reports: one FaceTime call encounter (relay leg and P2P leg joined),
    kind call, video, device exam-room-mac, ~12 s; the P2P leg is identified by the 16-byte
    0x8008 with 0x8007; APNs counted, never alerted."""
    rng = random.Random(3003)
    net = clinic()
    mac = apple_hosts(net)["exam_room_mac"]
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 8, 5, 15, 3, 44), mac, net.gateway, rng)
    apns = Apns(trace, mac, net.server("courier", "17.57.145.12", ttl=54), rng)
    t = apns.keepalive(t + 1500 * MILLISECOND)
    t = facetime_call_setup(apns, t + 2 * SECOND)
    relay = net.server("quickrelay", "17.188.171.9", ttl=55)
    link = RelayLink(trace, mac, relay, 3479, rng)
    t = link.open(t + 150 * MILLISECOND)
    t_relay_end = link.media(t, 2 * SECOND, [VIDEO, AUDIO], quic_us=SECOND)

    # Peer-to-peer leg (candidates were exchanged over the relay's IDS link).
    peer = net.server("facetime-peer", REMOTE_PEER, ttl=49)
    local_port, peer_port = 16393, 16402
    key = rng.randbytes(16)                      # session id: MESSAGE-INTEGRITY key
    mac_uuid, peer_uuid = rng.randbytes(16), rng.randbytes(16)
    rtt = 34 * MILLISECOND

    def to_peer(when: int, data: bytes) -> None:
        send_udp(trace, when, mac, peer, local_port, peer_port, data)

    def from_peer(when: int, data: bytes) -> None:
        send_udp(trace, when, peer, mac, peer_port, local_port, data)

    def request(uuid: bytes, tid: bytes) -> bytes:
        return p.stun_message_auth(p.STUN_BINDING_REQUEST, tid, [(0x8008, uuid), (0x8007, b"\x00\x00\x00\x00")], key)

    def success(uuid: bytes, tid: bytes, address: str, port: int) -> bytes:
        return p.stun_message_auth(p.STUN_BINDING_SUCCESS, tid, [
            (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(address, port, tid)), (0x8008, uuid)], key)

    t = t_relay_end - 1200 * MILLISECOND
    to_peer(t, request(mac_uuid, rng.randbytes(12)))                 # dropped by the peer's NAT
    t += 16 * MILLISECOND
    tid = rng.randbytes(12)
    from_peer(t, request(peer_uuid, tid))
    to_peer(t + 400, success(mac_uuid, tid, REMOTE_PEER, peer_port))
    t += SECOND - 16 * MILLISECOND
    tid = rng.randbytes(12)
    to_peer(t, request(mac_uuid, tid))
    from_peer(t + rtt, success(peer_uuid, tid, CLINIC_PUBLIC_IP, 41633))
    t += rtt + 3 * MILLISECOND

    p2p_start = max(t, t_relay_end + 5 * MILLISECOND)
    duration = 10 * SECOND
    end = p2p_start
    for stream in (VIDEO, AUDIO):
        senders = {True: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"]),
                   False: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"])}
        end = max(end, media_stream(
            trace, p2p_start, duration, mac, peer, local_port, peer_port, rng,
            packets_per_second=stream["rate"], size=stream["size"], jitter_us=4 * MILLISECOND,
            payload=lambda from_mac, index, size, s=senders: s[from_mac].packet(size, marker=index % 30 == 29),
            b_start_delay_us=rtt))
    counter = {True: 0, False: 0}
    for tick in range(1, int(duration / (5 * SECOND)) + 1):
        for from_mac, offset in ((True, 0), (False, 1700 * MILLISECOND)):
            when = p2p_start + tick * 5 * SECOND - 3 * SECOND + offset
            counter[from_mac] += 1
            ts = rng.getrandbits(32).to_bytes(4, "big")
            ping = keepalive_indication(3, counter[from_mac], ts + b"\x00" * 8, key, rng)
            ack = keepalive_indication(0x8003, counter[from_mac],
                                       b"\x00" * 4 + ts + rng.randrange(200, 900).to_bytes(4, "big"), key, rng)
            if from_mac:
                to_peer(when, ping)
                from_peer(when + rtt, ack)
            else:
                from_peer(when, ping)
                to_peer(when + 600, ack)
    link.control(t_relay_end + SECOND, end)
    t = link.close(end + 40 * MILLISECOND)
    apns.outgoing(t + 100 * MILLISECOND, 480, 560)
    return trace


# =========================================================================== FaceTime on the web

def facetime_web_join() -> Trace:
    """A Windows PC joins a FaceTime link in a browser (FaceTime on the web).

    `frontdesk-pc` (192.168.10.31, HP OUI 3c:52:82:17:a4:90, TTL 128): DHCP; DNS A
    facetime.apple.com -> 17.253.83.201; TLS on 443 (SNI facetime.apple.com, ALPN h2),
    ServerHello, the web app download; then WebRTC to 17.252.107.40:3483 (an Apple address in
    17/8, UDP 3478-3497; media server address modelled): STUN Binding requests (USERNAME,
    GOOG-NETWORK-INFO, ICE-CONTROLLING, USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY,
    FINGERPRINT) and successes (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT), a DTLS
    1.2 handshake (records 16 fe fd; use_srtp), then SRTP PT 96 (video, 60/s, 600-1000 bytes)
    and PT 111 (Opus, 50/s, 90-150 bytes) both ways for 11 s, with consent-freshness Binding
    requests every ~5 s.

    A correct monitor reports: device frontdesk-pc; FaceTime (web) call, strong evidence
    from SNI facetime.apple.com, with the media flow to 17/8 joined as the call's flow
    (~11 s, video)."""
    rng = random.Random(3004)
    net = clinic()
    pc = net.frontdesk_pc
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 8, 6, 8, 21, 9), pc, net.gateway, rng, vendor_class="MSFT 5.0")
    t = https_exchange(trace, t + 3 * SECOND, net, pc, rng, "facetime.apple.com", FACETIME_WEB,
                       [(620, 48000, 30), (540, 96000, 20), (700, 3200, 60)], rtt_ms=19, close=False)
    server = net.server("facetime-web-media", FACETIME_WEB_MEDIA, ttl=55)
    port, server_port, rtt = _ephemeral(rng), 3483, 19 * MILLISECOND
    local_ufrag, remote_ufrag = "K7pd", "qX9mT2rWc0aZ"
    key = b"Fh3Rk0V9sLq2Xw8Ny5Tc1Bpe"       # the remote ICE password (modelled)

    def up(when: int, data: bytes) -> None:
        send_udp(trace, when, pc, server, port, server_port, data)

    def down(when: int, data: bytes) -> None:
        send_udp(trace, when, server, pc, server_port, port, data)

    def binding(when: int, nominate: bool) -> None:
        tid = rng.randbytes(12)
        attributes = [(p.STUN_ATTR_USERNAME, f"{remote_ufrag}:{local_ufrag}".encode("ascii")),
                      (0xC057, b"\x00\x01\x00\x0a"),
                      (p.STUN_ATTR_ICE_CONTROLLING, rng.randbytes(8))]
        if nominate:
            attributes.append((p.STUN_ATTR_USE_CANDIDATE, b""))
        attributes.append((p.STUN_ATTR_PRIORITY, struct.pack("!I", 0x6E7F1EFF)))
        up(when, p.stun_message_auth(p.STUN_BINDING_REQUEST, tid, attributes, key))
        down(when + rtt, p.stun_message_auth(p.STUN_BINDING_SUCCESS, tid, [
            (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(CLINIC_PUBLIC_IP, 61284, tid))], key))

    t += 800 * MILLISECOND
    binding(t, False)
    t += 50 * MILLISECOND
    binding(t, True)
    t += rtt + 2 * MILLISECOND
    # DTLS 1.2: the browser is the client.
    seq = {True: 0, False: 0}

    def record(from_pc: bool, content_type: int, epoch: int, body: bytes) -> bytes:
        data = p.dtls_record(content_type, epoch, seq[from_pc] if epoch == 0 else 0, body)
        if epoch == 0:
            seq[from_pc] += 1
        return data

    up(t, record(True, p.TLS_HANDSHAKE, 0, p.dtls_handshake(1, 0, p.dtls_client_hello_body(rng))))
    t += rtt
    certificate = rng.randbytes(410)
    down(t, record(False, p.TLS_HANDSHAKE, 0, p.dtls_handshake(2, 0, p.dtls_server_hello_body(rng)))
         + record(False, p.TLS_HANDSHAKE, 0, p.dtls_handshake(
             11, 1, (len(certificate) + 3).to_bytes(3, "big") + len(certificate).to_bytes(3, "big") + certificate)))
    # the rest of the server flight in a second datagram
    down(t + 60, record(False, p.TLS_HANDSHAKE, 0, p.dtls_handshake(
             12, 2, b"\x03\x00\x1d\x20" + rng.randbytes(32) + b"\x04\x03\x00\x47" + rng.randbytes(71)))
         + record(False, p.TLS_HANDSHAKE, 0, p.dtls_handshake(13, 3, b"\x01\x40\x00\x04\x04\x03\x08\x04\x00\x00"))
         + record(False, p.TLS_HANDSHAKE, 0, p.dtls_handshake(14, 4, b"")))
    t += 3 * MILLISECOND
    client_cert = rng.randbytes(405)
    up(t, record(True, p.TLS_HANDSHAKE, 0, p.dtls_handshake(
            11, 1, (len(client_cert) + 3).to_bytes(3, "big") + len(client_cert).to_bytes(3, "big") + client_cert))
       + record(True, p.TLS_HANDSHAKE, 0, p.dtls_handshake(16, 2, b"\x20" + rng.randbytes(32)))
       + record(True, p.TLS_HANDSHAKE, 0, p.dtls_handshake(15, 3, b"\x04\x03\x00\x47" + rng.randbytes(71)))
       + record(True, p.TLS_CHANGE_CIPHER_SPEC, 0, b"\x01")
       + record(True, p.TLS_HANDSHAKE, 1, rng.randbytes(40)))
    t += rtt
    down(t, record(False, p.TLS_CHANGE_CIPHER_SPEC, 0, b"\x01") + record(False, p.TLS_HANDSHAKE, 1, rng.randbytes(40)))
    media_start = t + 5 * MILLISECOND
    duration = 11 * SECOND
    end = media_start
    for stream in (dict(pt=96, clock=90000, rate=60, size=(600, 1000)),
                   dict(pt=111, clock=48000, rate=50, size=(90, 150))):
        senders = {True: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"]),
                   False: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"])}
        end = max(end, media_stream(
            trace, media_start, duration, pc, server, port, server_port, rng,
            packets_per_second=stream["rate"], size=stream["size"], jitter_us=4 * MILLISECOND,
            payload=lambda from_pc, index, size, s=senders: s[from_pc].packet(size, marker=index % 30 == 29),
            b_start_delay_us=rtt))
    when = media_start + 4500 * MILLISECOND
    while when < end - SECOND:
        binding(when, False)
        when += rng.randrange(4000, 6000) * MILLISECOND
    return trace


# =========================================================================== negatives / presence

def apple_idle_phone() -> Trace:
    """An idle iPhone: a negative for FaceTime and iMessage.

    `reception-iphone` (192.168.10.29, private MAC 36:e1:9a:52:0c:7f): DHCP, mDNS
    announcement reception-iphone.local, DNS 12-courier.push.apple.com (CNAME
    us-sw-courier-4.push-apple.com.akadns.net, A 17.57.146.53), a new APNs connection on TCP
    5223 (ClientHello SNI courier.push.apple.com, ALPN apns-security-v3; ServerHello; client
    certificate; Connect/ConnectAck, FilterTopics), DNS time.apple.com + one NTP exchange with
    17.253.16.125, then an APNs keepalive every ~60 s for 10 minutes.

    A correct monitor reports: device reception-iphone; apple-push (presence) counted, no
    FaceTime, no iMessage, no alert."""
    rng = random.Random(3005)
    net = clinic()
    phone = apple_hosts(net)["reception_iphone"]
    trace = Trace()
    t0 = utc(2025, 8, 7, 7, 30, 2)
    t = dhcp_exchange(trace, t0, phone, net.gateway, rng)
    t = mdns_announce(trace, t + 200 * MILLISECOND, phone)
    apns, t = apns_new(trace, t + 700 * MILLISECOND, net, phone, rng, 12, "17.57.146.53")
    t = _ntp_exchange(trace, t + 600 * MILLISECOND, net, phone, rng)
    while True:
        t += rng.randrange(55, 66) * SECOND
        if t > t0 + 600 * SECOND:
            break
        t = apns.keepalive(t)
    return trace


def _ntp_exchange(trace: Trace, t: int, net, device: Host, rng: random.Random) -> int:
    t = dns_lookup(trace, t, device, net.gateway, rng, "time.apple.com", p.DNS_A,
                   [("time.apple.com", p.DNS_CNAME, 3600, "time.g.aaplimg.com"),
                    ("time.g.aaplimg.com", p.DNS_A, 300, APPLE_TIME)])
    server = net.server("time.apple.com", APPLE_TIME, ttl=57)
    port = _ephemeral(rng)
    sent = t + 2 * MILLISECOND
    send_udp(trace, sent, device, server, port, 123, p.ntp(3, sent))
    received = sent + 9 * MILLISECOND
    send_udp(trace, received + 9 * MILLISECOND, server, device, 123, port,
             p.ntp(4, received + 30, stratum=1, reference_id=b"GPSs", origin_us=sent, receive_us=received))
    return received + 9 * MILLISECOND


def apple_identity_registration() -> Trace:
    """iMessage/FaceTime being enabled on an iPhone: IDS registration, no call, no message.

    `dr-lee-iphone` (192.168.10.23, 5a:3c:9e:41:07:2d): DHCP; DNS 27-courier.push.apple.com
    and a new APNs connection (SNI courier.push.apple.com, ALPN apns-security-v3); DNS + TLS
    (SNI, ALPN h2) to init.ess.apple.com (bag), plain HTTP GET
    http://static.ess.apple.com/identity/validation/cert-1.0.plist, TLS to
    identity.ess.apple.com (initializeValidation, register), profile.ess.apple.com
    (authenticateDS, idsGetHandles) and query.ess.apple.com; all in 17.0.0.0/8.

    A correct monitor reports: device dr-lee-iphone; "iMessage/FaceTime enabled on this
    device" (IDS, informational, low confidence) and apple-push presence; no call, no
    message, no alert."""
    rng = random.Random(3006)
    net = clinic()
    phone = net.dr_lee_iphone
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 8, 8, 13, 5, 40), phone, net.gateway, rng)
    apns, t = apns_new(trace, t + 900 * MILLISECOND, net, phone, rng, 27, "17.57.145.131")
    t = https_exchange(trace, t + 400 * MILLISECOND, net, phone, rng, "init.ess.apple.com",
                       IDS_HOSTS["init.ess.apple.com"], [(410, 9400, 40)])
    # validation certificate over plain HTTP
    t = dns_lookup(trace, t + 50 * MILLISECOND, phone, net.gateway, rng, "static.ess.apple.com", p.DNS_A,
                   [("static.ess.apple.com", p.DNS_A, 300, IDS_HOSTS["static.ess.apple.com"])])
    static = net.server("static.ess.apple.com", IDS_HOSTS["static.ess.apple.com"], ttl=57)
    http = TcpSession(trace, phone, static, _ephemeral(rng), 80, rng, rtt_us=14 * MILLISECOND)
    t = http.open(t + MILLISECOND)
    import base64
    body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
            b"\t<key>cert-data</key>\n\t<data>" + base64.b64encode(rng.randbytes(900)) + b"</data>\n"
            b"</dict>\n</plist>\n")
    t = http.request_response(
        t + MILLISECOND,
        p.http_request("GET", "static.ess.apple.com", "/identity/validation/cert-1.0.plist",
                       [("Accept", "*/*"), ("User-Agent", "com.apple.identityservicesd CFNetwork/1494.0.7 Darwin/23.4.0"),
                        ("Connection", "keep-alive")]),
        p.http_response("200 OK", body, [("Content-Type", "application/x-plist")]))
    http.close(t + 2 * SECOND, from_client=False)
    t = https_exchange(trace, t + 80 * MILLISECOND, net, phone, rng, "identity.ess.apple.com",
                       IDS_HOSTS["identity.ess.apple.com"], [(1900, 1300, 90), (4300, 3600, 220)])
    t = https_exchange(trace, t + 150 * MILLISECOND, net, phone, rng, "profile.ess.apple.com",
                       IDS_HOSTS["profile.ess.apple.com"], [(1500, 2100, 120), (900, 1200, 60)])
    t = https_exchange(trace, t + 300 * MILLISECOND, net, phone, rng, "query.ess.apple.com",
                       IDS_HOSTS["query.ess.apple.com"], [(1100, 2400, 70)])
    t = apns.incoming(t + 600 * MILLISECOND, 300, 420)
    apns.keepalive(t + 20 * SECOND)
    return trace


def imessage_attachment() -> Trace:
    """An iMessage with an attachment sent from an iPhone.

    `dr-lee-iphone` (192.168.10.23): DHCP; APNs mid-stream to 17.57.144.120:5223: a
    keepalive, then a push burst (3 records of 300-700 bytes from the server, each followed
    by an ack-sized record from the phone); 1.5 s later DNS p45-content.icloud.com (A
    17.248.185.12) and one HTTPS connection (SNI p45-content.icloud.com, ALPN h2): a small
    authorize request, then ~400 KB up in 16 KB records over ~3 s, a short answer; ~1 s after
    the upload one APNs send from the phone (~800-byte record: the message carrying the
    attachment's key and URL) and the server's ack-sized record.

    A correct monitor reports: device dr-lee-iphone; "iMessage attachment possible"
    (iCloud content upload next to APNs activity), low confidence; apple-push counted."""
    rng = random.Random(3007)
    net = clinic()
    phone = net.dr_lee_iphone
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 8, 8, 16, 44, 12), phone, net.gateway, rng)
    apns = Apns(trace, phone, net.server("courier", "17.57.144.120", ttl=54), rng)
    t = apns.keepalive(t + 2 * SECOND)
    t += 6 * SECOND
    for _ in range(3):
        t = apns.incoming(t, 300, 700) + rng.randrange(60, 200) * MILLISECOND
    name = "p45-content.icloud.com"
    t = dns_lookup(trace, t + 1500 * MILLISECOND, phone, net.gateway, rng, name, p.DNS_A,
                   [(name, p.DNS_A, 300, ICLOUD_HOSTS[name])])
    session = TcpSession(trace, phone, net.server(name, ICLOUD_HOSTS[name], ttl=54), _ephemeral(rng), 443,
                         rng, rtt_us=23 * MILLISECOND)
    t = session.open(t + MILLISECOND)
    t = tls_handshake(session, t + MILLISECOND, name, server_flight=3900)
    t = session.request_response(t + 2 * MILLISECOND, p.tls_application_data(rng, 1450),
                                 p.tls_application_data(rng, 2100), server_think_us=40 * MILLISECOND)
    t = tls_upload(session, t + 3 * MILLISECOND, 400 * 1024, 3 * SECOND, rng)
    t = session.send(t + 60 * MILLISECOND, False, p.tls_application_data(rng, 820))
    t_close = t + 2 * SECOND
    t = apns.outgoing(t + SECOND, 760, 860)
    session.close(t_close)
    apns.keepalive(t + 15 * SECOND)
    return trace


def icloud_photos_sync() -> Trace:
    """iCloud Photos upload from an iPhone: a negative for iMessage attachments.

    `billing-iphone` (192.168.10.38, Apple OUI bc:d0:74:58:a2:19): DHCP; APNs mid-stream to
    17.57.146.20:5223 with one keepalive; five minutes later, with APNs silent: DNS + TLS
    (SNI) gateway.icloud.com and p45-ckdatabasews.icloud.com (CloudKit requests, small),
    p45-content.icloud.com (authorize requests for each photo) and cvws.icloud-content.com
    (three connections, two in parallel, one later) uploading six photos of 150-230 KB,
    ~1.2 MB over ~60 s.

    A correct monitor reports: device billing-iphone; iCloud (content/CloudKit) use,
    informational; no iMessage attachment (no APNs activity near the uploads); no alert."""
    rng = random.Random(3008)
    net = clinic()
    phone = apple_hosts(net)["billing_iphone"]
    trace = Trace()
    t0 = utc(2025, 8, 11, 10, 2, 50)
    t = dhcp_exchange(trace, t0, phone, net.gateway, rng)
    apns = Apns(trace, phone, net.server("courier", "17.57.146.20", ttl=54), rng)
    apns.keepalive(t + 2 * SECOND)
    t = t0 + 302 * SECOND
    t = https_exchange(trace, t, net, phone, rng, "gateway.icloud.com", ICLOUD_HOSTS["gateway.icloud.com"],
                       [(900, 2600, 50), (700, 1500, 40)])
    # CloudKit database connection, kept open for the whole sync
    ck_name = "p45-ckdatabasews.icloud.com"
    t = dns_lookup(trace, t + 100 * MILLISECOND, phone, net.gateway, rng, ck_name, p.DNS_A,
                   [(ck_name, p.DNS_A, 300, ICLOUD_HOSTS[ck_name])])
    ck = TcpSession(trace, phone, net.server(ck_name, ICLOUD_HOSTS[ck_name], ttl=54), _ephemeral(rng), 443, rng,
                    rtt_us=22 * MILLISECOND)
    t = ck.open(t + MILLISECOND)
    t = tls_handshake(ck, t + MILLISECOND, ck_name, server_flight=3700)
    t = ck.request_response(t + 2 * MILLISECOND, p.tls_application_data(rng, 2300),
                            p.tls_application_data(rng, 4100), server_think_us=70 * MILLISECOND)
    content_name = "p45-content.icloud.com"
    t = dns_lookup(trace, t + 50 * MILLISECOND, phone, net.gateway, rng, content_name, p.DNS_A,
                   [(content_name, p.DNS_A, 300, ICLOUD_HOSTS[content_name])])
    content = TcpSession(trace, phone, net.server(content_name, ICLOUD_HOSTS[content_name], ttl=54),
                         _ephemeral(rng), 443, rng, rtt_us=23 * MILLISECOND)
    t = content.open(t + MILLISECOND)
    t = tls_handshake(content, t + MILLISECOND, content_name, server_flight=3900)
    cv_name = "cvws.icloud-content.com"
    t = dns_lookup(trace, t + 20 * MILLISECOND, phone, net.gateway, rng, cv_name, p.DNS_A,
                   [(cv_name, p.DNS_A, 300, ICLOUD_HOSTS[cv_name])])
    cv_server = net.server(cv_name, ICLOUD_HOSTS[cv_name], ttl=54)
    chunk_sessions = []
    for _ in range(2):
        s = TcpSession(trace, phone, cv_server, _ephemeral(rng), 443, rng, rtt_us=25 * MILLISECOND)
        t_open = s.open(t + MILLISECOND)
        tls_handshake(s, t_open + MILLISECOND, cv_name, server_flight=3600)
        chunk_sessions.append(s)
    start = t + 300 * MILLISECOND
    photo_times = [0, 4, 16, 23, 38, 46]
    last = start
    for index, offset in enumerate(photo_times):
        when = start + offset * SECOND
        when = content.request_response(when, p.tls_application_data(rng, rng.randrange(1300, 1700)),
                                        p.tls_application_data(rng, rng.randrange(2500, 3500)),
                                        server_think_us=30 * MILLISECOND)
        if index == 4:      # a third chunk connection, opened later
            s = TcpSession(trace, phone, cv_server, _ephemeral(rng), 443, rng, rtt_us=25 * MILLISECOND)
            when = s.open(when + MILLISECOND)
            when = tls_handshake(s, when + MILLISECOND, cv_name, server_flight=3600)
            chunk_sessions.append(s)
        session = chunk_sessions[index % 2] if index < 4 else chunk_sessions[2]
        when = tls_upload(session, when + 5 * MILLISECOND, rng.randrange(150_000, 230_000),
                          rng.randrange(2500, 4000) * MILLISECOND, rng)
        when = session.send(when + 40 * MILLISECOND, False, p.tls_application_data(rng, rng.randrange(300, 500)))
        when = ck.request_response(when + 200 * MILLISECOND, p.tls_application_data(rng, rng.randrange(1800, 2600)),
                                   p.tls_application_data(rng, rng.randrange(1500, 2500)),
                                   server_think_us=50 * MILLISECOND)
        last = max(last, when)
    for session in chunk_sessions + [content, ck]:
        last = session.close(last + rng.randrange(1, 3) * SECOND)
    return trace


# =========================================================================== re-addressed device

def facetime_readdress() -> Trace:
    """One MacBook, two addresses: a FaceTime call after a DHCP re-address.

    `dr-kim-macbook` (Apple OUI 3c:22:fb:84:0e:6a) gets 192.168.10.61 by DHCP (option 12
    dr-kim-macbook), has APNs mid-stream (17.57.144.77:5223, a keepalive) and registers with
    identity.ess.apple.com (DNS + TLS SNI). At +40 s it renews (unicast REQUEST from .61),
    the server answers DHCPNAK (broadcast), and a new DISCOVER/OFFER/REQUEST/ACK (same MAC,
    same host name, option 50 asking for .61) gives 192.168.10.88. From .88: DNS
    33-courier.push.apple.com and a new APNs connection (SNI courier.push.apple.com), the
    call's push burst, then a relay FaceTime audio call on one UDP 5-tuple to
    17.252.34.201:3490 (STUN, QUIC, ChannelData with PT 104 at 50 packets/s each way) for 20 s.

    A correct monitor reports: ONE device (MAC 3c:22:fb:84:0e:6a, name dr-kim-macbook) with
    addresses .61 then .88; IDS registration (informational); one FaceTime call encounter,
    audio, ~20 s, attributed to dr-kim-macbook."""
    rng = random.Random(3009)
    net = clinic()
    old = apple_hosts(net)["dr_kim_macbook"]
    new = Host(old.name, old.mac, "192.168.10.88", ttl=64)
    trace = Trace()
    t0 = utc(2025, 8, 12, 14, 20, 0)
    t = dhcp_exchange(trace, t0, old, net.gateway, rng)
    apns_old = Apns(trace, old, net.server("courier", "17.57.144.77", ttl=54), rng)
    t = apns_old.keepalive(t + 2 * SECOND)
    t = https_exchange(trace, t + 3 * SECOND, net, old, rng, "identity.ess.apple.com",
                       IDS_HOSTS["identity.ess.apple.com"], [(1900, 1300, 90), (4300, 3600, 220)])
    # Renewal refused, then a new lease with another address.
    t = t0 + 40 * SECOND
    xid = rng.getrandbits(32)
    send_udp(trace, t, old, net.gateway, 68, 67,
             p.dhcp(p.DHCP_REQUEST, xid, old.mac, client_ip=old.ip, host_name=old.name))
    t += 3 * MILLISECOND
    send_udp(trace, t, net.gateway, BROADCAST, 67, 68,
             p.dhcp(6, xid, old.mac, reply=True, server_id=net.gateway.ip, broadcast=True))   # DHCPNAK
    xid = rng.getrandbits(32)
    t += 400 * MILLISECOND
    request = dict(host_name=new.name)
    reply = dict(reply=True, your_ip=new.ip, server_id=net.gateway.ip, lease_seconds=86400,
                 subnet_mask="255.255.255.0", router=net.gateway.ip, dns_servers=[net.gateway.ip],
                 domain_name="clinic.lan")
    send_udp(trace, t, new, BROADCAST, 68, 67, p.dhcp(p.DHCP_DISCOVER, xid, new.mac, requested_ip=old.ip, **request),
             src_ip=UNSPECIFIED, ip_options={"ttl": 64, "tos": 0x10})
    t += 4 * MILLISECOND
    send_udp(trace, t, net.gateway, new, 67, 68, p.dhcp(p.DHCP_OFFER, xid, new.mac, **reply))
    t += 2 * MILLISECOND
    send_udp(trace, t, new, BROADCAST, 68, 67,
             p.dhcp(p.DHCP_REQUEST, xid, new.mac, requested_ip=new.ip, server_id=net.gateway.ip, **request),
             src_ip=UNSPECIFIED, ip_options={"ttl": 64, "tos": 0x10})
    t += 4 * MILLISECOND
    send_udp(trace, t, net.gateway, new, 67, 68, p.dhcp(p.DHCP_ACK, xid, new.mac, **reply))
    apns, t = apns_new(trace, t + 1200 * MILLISECOND, net, new, rng, 33, "17.57.146.144")
    t = facetime_call_setup(apns, t + 6 * SECOND)
    link = RelayLink(trace, new, net.server("quickrelay", "17.252.34.201", ttl=55), 3490, rng)
    t = link.open(t + 150 * MILLISECOND)
    end = link.media(t, 20 * SECOND, [AUDIO])
    t = link.close(end + 30 * MILLISECOND)
    apns.outgoing(t + 120 * MILLISECOND, 480, 560)
    return trace


# =========================================================================== look-alikes

def lookalike_jabber_5223() -> Trace:
    """XMPP over TLS on TCP 5223 to a non-Apple server: a look-alike.

    `exam-room-2` (192.168.10.42, Dell OUI, TTL 128): DHCP; DNS A chat.example.org ->
    198.51.100.20; TCP 5223 with TLS from the first byte (legacy XMPP SSL port): ClientHello
    SNI chat.example.org, ALPN xmpp-client, ServerHello, then small records both ways for
    ~4 minutes (stanzas, presence, whitespace keepalives).

    A correct monitor reports: device exam-room-2; a TLS session to chat.example.org; NOT
    APNs (not 17.0.0.0/8, SNI not courier.push.apple.com), no FaceTime/iMessage."""
    rng = random.Random(3010)
    net = clinic()
    pc = net.exam_room_2
    trace = Trace()
    t0 = utc(2025, 8, 13, 9, 0, 15)
    t = dhcp_exchange(trace, t0, pc, net.gateway, rng, vendor_class="MSFT 5.0")
    t = dns_lookup(trace, t + 2 * SECOND, pc, net.gateway, rng, "chat.example.org", p.DNS_A,
                   [("chat.example.org", p.DNS_A, 3600, "198.51.100.20")])
    session = TcpSession(trace, pc, net.server("chat.example.org", "198.51.100.20", ttl=51), _ephemeral(rng),
                         5223, rng, rtt_us=42 * MILLISECOND)
    t = session.open(t + MILLISECOND)
    t = session.request_response(t + MILLISECOND, p.tls_client_hello(rng, "chat.example.org", ("xmpp-client",)),
                                 p.tls_server_hello(rng) + p.tls_change_cipher_spec() + p.tls_application_data(rng, 2900))
    t = session.send(t + 2 * MILLISECOND, True, p.tls_change_cipher_spec() + p.tls_application_data(rng, 53))
    for request, response in ((180, 420), (310, 260), (220, 180), (160, 900)):    # stream, SASL, bind, roster
        t = session.request_response(t + 5 * MILLISECOND, p.tls_application_data(rng, request),
                                     p.tls_application_data(rng, response))
    end = t0 + 245 * SECOND
    while True:
        t += rng.randrange(8, 35) * SECOND
        if t > end:
            break
        choice = rng.random()
        if choice < 0.4:
            t = session.request_response(t, p.tls_application_data(rng, rng.randrange(20, 40)),
                                         p.tls_application_data(rng, rng.randrange(20, 40)))
        elif choice < 0.7:
            t = session.send(t, False, p.tls_application_data(rng, rng.randrange(150, 600)))
        else:
            t = session.request_response(t, p.tls_application_data(rng, rng.randrange(150, 500)),
                                         p.tls_application_data(rng, rng.randrange(60, 200)))
    session.close(end + SECOND)
    return trace


def lookalike_teams_stun_8008() -> Trace:
    """A Microsoft Teams call whose STUN carries 0x8008 (MS-VERSION, 4 bytes): a look-alike.

    `frontdesk-pc` (192.168.10.31): DHCP; DNS A teams.microsoft.com -> 52.113.194.132; TLS
    (SNI teams.microsoft.com); then UDP 192.168.10.31:50020 <-> 52.113.50.10:3478: STUN
    Binding requests with USERNAME, 0x8008 (value 0x00000006), 0x8054 (4 bytes), 0x8070
    (4 bytes), MESSAGE-INTEGRITY, FINGERPRINT; successes with XOR-MAPPED-ADDRESS, 0x8008,
    MESSAGE-INTEGRITY, FINGERPRINT; then RTP PT 111 (audio, 50/s, 110-190 bytes) and PT 122
    (video, 25/s, 500-1000 bytes) both ways for 20 s.

    A correct monitor reports: device frontdesk-pc; Microsoft Teams (BAA possible under the
    clinic's enterprise plan); NOT FaceTime (0x8008 is 4 bytes, no 0x8007, peer not Apple)."""
    rng = random.Random(3011)
    net = clinic()
    pc = net.frontdesk_pc
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 8, 13, 10, 30, 0), pc, net.gateway, rng, vendor_class="MSFT 5.0")
    t = https_exchange(trace, t + 2 * SECOND, net, pc, rng, "teams.microsoft.com", "52.113.194.132",
                       [(700, 5200, 40), (900, 2600, 30)], rtt_ms=12, close=False)
    relay = net.server("teams-transport-relay", "52.113.50.10", ttl=53)
    port, rtt = 50020, 12 * MILLISECOND
    key = rng.randbytes(16)
    username = rng.randbytes(24).hex().encode("ascii")
    t += 600 * MILLISECOND
    for attempt in range(3):
        tid = rng.randbytes(12)
        send_udp(trace, t, pc, relay, port, 3478, p.stun_message_auth(p.STUN_BINDING_REQUEST, tid, [
            (p.STUN_ATTR_USERNAME, username), (0x8008, struct.pack("!I", 6)),
            (0x8054, struct.pack("!I", rng.getrandbits(32))), (0x8070, struct.pack("!I", 2))], key))
        send_udp(trace, t + rtt, relay, pc, 3478, port, p.stun_message_auth(p.STUN_BINDING_SUCCESS, tid, [
            (p.STUN_ATTR_XOR_MAPPED_ADDRESS, p.stun_xor_address(CLINIC_PUBLIC_IP, 50020, tid)),
            (0x8008, struct.pack("!I", 6))], key))
        t += 60 * MILLISECOND
    media_start = t + 20 * MILLISECOND
    for stream in (dict(pt=111, clock=16000, rate=50, size=(110, 190)),
                   dict(pt=122, clock=90000, rate=25, size=(500, 1000))):
        senders = {True: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"]),
                   False: RtpSender(rng, stream["pt"], stream["clock"], stream["rate"])}
        media_stream(trace, media_start, 20 * SECOND, pc, relay, port, 3478, rng,
                     packets_per_second=stream["rate"], size=stream["size"], jitter_us=3 * MILLISECOND,
                     payload=lambda from_pc, index, size, s=senders: s[from_pc].packet(size, marker=index % 25 == 24),
                     b_start_delay_us=rtt)
    return trace


def lookalike_apple_udp() -> Trace:
    """UDP to and inside 17.0.0.0/8 that is not FaceTime: a look-alike.

    `billing-mac` (192.168.10.36): DHCP; DNS tether.edge.apple -> 17.253.53.65 and QUIC v1 on
    UDP 443 to it (client Initial, server Initial+Handshake, short headers both ways for
    ~5 s); DNS time.apple.com + NTP with 17.253.16.125. Two lab endpoints numbered inside
    17/8 on the LAN side (17.2.0.10, 17.2.0.11, Polycom OUI 00:04:f2): H.225 call signalling
    on TCP 1720 (TPKT + Q.931 Setup/Call Proceeding/Alerting/Connect; H.225 user-user bytes
    are placeholders) and 20 s of RTP PT 0 (G.711, 50/s, 172 bytes) on UDP 5004 <-> 5004,
    Release Complete. `frontdesk-pc` (Windows) fetches http://captive.apple.com/hotspot-detect.html.

    A correct monitor reports: devices billing-mac and frontdesk-pc; Apple presence at most;
    NO FaceTime, no alert (QUIC on 443, NTP, RTP between two LAN hosts in 17.2.0.0/24, HTTP
    captive probe)."""
    rng = random.Random(3012)
    net = clinic()
    mac, pc = net.billing_mac, net.frontdesk_pc
    trace = Trace()
    t0 = utc(2025, 8, 14, 8, 10, 0)
    t = dhcp_exchange(trace, t0, mac, net.gateway, rng)
    t = dns_lookup(trace, t + SECOND, mac, net.gateway, rng, "tether.edge.apple", p.DNS_A,
                   [("tether.edge.apple", p.DNS_A, 300, TETHER_EDGE)])
    edge = net.server("tether.edge.apple", TETHER_EDGE, ttl=57)
    port, rtt = _ephemeral(rng), 9 * MILLISECOND
    dcid, cid_c, cid_s = rng.randbytes(8), rng.randbytes(8), rng.randbytes(8)
    t += 2 * MILLISECOND
    send_udp(trace, t, mac, edge, port, 443, p.quic_long_header(rng, p.QUIC_INITIAL, dcid, cid_c, 0, pad_to=1250))
    t += rtt
    send_udp(trace, t, edge, mac, 443, port, p.quic_long_header(rng, p.QUIC_INITIAL, cid_c, cid_s, 117)
             + p.quic_long_header(rng, p.QUIC_HANDSHAKE, cid_c, cid_s, 1050))
    send_udp(trace, t + 80, edge, mac, 443, port, p.quic_long_header(rng, p.QUIC_HANDSHAKE, cid_c, cid_s, 1190))
    send_udp(trace, t + 160, edge, mac, 443, port, p.quic_long_header(rng, p.QUIC_HANDSHAKE, cid_c, cid_s, 420))
    t += 2 * MILLISECOND
    hs = p.quic_long_header(rng, p.QUIC_HANDSHAKE, cid_s, cid_c, 80)
    send_udp(trace, t, mac, edge, port, 443,
             p.quic_long_header(rng, p.QUIC_INITIAL, cid_s, cid_c, 40, pad_to=1250 - len(hs)) + hs)
    end = media_stream(trace, t + MILLISECOND, 5 * SECOND, mac, edge, port, 443, rng, packets_per_second=(20, 30),
                       size=lambda up: rng.randint(40, 600) if up else rng.randint(40, 1300),
                       payload=lambda up, _i, size: p.quic_short_header(rng, cid_s if up else cid_c, size),
                       jitter_us=20 * MILLISECOND, b_start_delay_us=rtt)
    t = _ntp_exchange(trace, end + 2 * SECOND, net, mac, rng)

    # H.323 lab endpoints numbered inside 17/8, both on the LAN side.
    lab_a = Host("lab-endpoint-a", "00:04:f2:1a:10:10", "17.2.0.10", ttl=64)
    lab_b = Host("lab-endpoint-b", "00:04:f2:1b:10:11", "17.2.0.11", ttl=64)
    call_ref = rng.getrandbits(15)

    def q931(message_type: int, from_caller: bool, ies: bytes) -> bytes:
        reference = call_ref | (0 if from_caller else 0x8000)
        body = b"\x08\x02" + struct.pack("!HB", reference, message_type) + ies
        return struct.pack("!BBH", 3, 0, len(body) + 4) + body

    def user_user() -> bytes:
        data = b"\x05" + rng.randbytes(rng.randrange(40, 90))
        return b"\x7e" + struct.pack("!H", len(data)) + data

    h225 = TcpSession(trace, lab_a, lab_b, _ephemeral(rng), 1720, rng, rtt_us=MILLISECOND)
    t_lab = h225.open(t0 + 12 * SECOND)
    t_lab = h225.send(t_lab + MILLISECOND, True,
                      q931(0x05, True, b"\x04\x03\x88\x90\xa5" + b"\x28\x05lab-a" + user_user()))
    for message_type in (0x02, 0x01, 0x07):     # Call Proceeding, Alerting, Connect
        t_lab = h225.send(t_lab + rng.randrange(5, 400) * MILLISECOND, False, q931(message_type, False, user_user()))
    senders = {True: RtpSender(rng, 0, 8000, 50, auth_tag=0), False: RtpSender(rng, 0, 8000, 50, auth_tag=0)}
    t_lab = media_stream(trace, t_lab + 30 * MILLISECOND, 20 * SECOND, lab_a, lab_b, 5004, 5004, rng,
                         packets_per_second=50, size=(172, 172), jitter_us=MILLISECOND,
                         payload=lambda a, index, size: senders[a].packet(size, marker=index == 0),
                         b_start_delay_us=2 * MILLISECOND)
    t_lab = h225.send(t_lab + 50 * MILLISECOND, True, q931(0x5A, True, b"\x08\x02\x80\x90" + user_user()))
    h225.close(t_lab + 10 * MILLISECOND)

    # A Windows PC probing captive.apple.com.
    t_pc = dhcp_exchange(trace, t0 + 3 * SECOND, pc, net.gateway, rng, vendor_class="MSFT 5.0")
    t_pc = dns_lookup(trace, t_pc + 700 * MILLISECOND, pc, net.gateway, rng, "captive.apple.com", p.DNS_A,
                      [("captive.apple.com", p.DNS_A, 300, "17.253.17.207")])
    http = TcpSession(trace, pc, net.server("captive.apple.com", "17.253.17.207", ttl=57), _ephemeral(rng), 80,
                      rng, rtt_us=10 * MILLISECOND)
    t_pc = http.open(t_pc + MILLISECOND)
    t_pc = http.request_response(
        t_pc + MILLISECOND,
        p.http_request("GET", "captive.apple.com", "/hotspot-detect.html",
                       [("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"), ("Accept", "*/*"),
                        ("Connection", "close")]),
        p.http_response("200 OK", b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>",
                        [("Content-Type", "text/html")]))
    http.close(t_pc + 3 * MILLISECOND, from_client=False)
    return trace


def lookalike_stun_facetime_ports() -> Trace:
    """A WhatsApp call from FaceTime's documented port range: a look-alike.

    `nurse-pixel7` (192.168.10.57, Android): DHCP; a WhatsApp call from local UDP port 16395
    (inside FaceTime's 16393-16402) to the Meta relay 157.240.27.52:3478: Allocate, Binding
    (USERNAME, PRIORITY, ICE-CONTROLLING, 0x4000, MESSAGE-INTEGRITY, FINGERPRINT), WhatsApp's
    0x0800/0x0801, then 20 s of RTP PT 120 (50/s each way, 150-210 bytes).

    A correct monitor reports: device nurse-pixel7; a WhatsApp call (~20 s, no BAA); NOT
    FaceTime (the peer is Meta, no Apple attributes)."""
    rng = random.Random(3013)
    net = clinic()
    phone = net.nurse_pixel
    trace = Trace()
    t = dhcp_exchange(trace, utc(2025, 8, 14, 12, 0, 30), phone, net.gateway, rng, vendor_class="android-dhcp-14")
    relay = net.server("relay", "157.240.27.52", ttl=55)
    port = 16395
    t = _whatsapp_call_stun(trace, t + 3 * SECOND, phone, relay, port, rng)
    senders = {True: RtpSender(rng, 120, 48000, 50), False: RtpSender(rng, 120, 48000, 50)}
    media_stream(trace, t, 20 * SECOND, phone, relay, port, 3478, rng, packets_per_second=50, size=(150, 210),
                 payload=lambda a, index, size: senders[a].packet(size, marker=index == 0),
                 b_start_delay_us=25 * MILLISECOND)
    return trace


SCENARIOS = [
    ("facetime_relay_video.pcap", facetime_relay_video),
    ("facetime_relay_audio.pcap", facetime_relay_audio),
    ("facetime_p2p_call.pcap", facetime_p2p_call),
    ("facetime_web_join.pcap", facetime_web_join),
    ("apple_idle_phone.pcap", apple_idle_phone),
    ("apple_identity_registration.pcap", apple_identity_registration),
    ("imessage_attachment.pcap", imessage_attachment),
    ("icloud_photos_sync.pcap", icloud_photos_sync),
    ("facetime_readdress.pcap", facetime_readdress),
    ("lookalike_jabber_5223.pcap", lookalike_jabber_5223),
    ("lookalike_teams_stun_8008.pcap", lookalike_teams_stun_8008),
    ("lookalike_apple_udp.pcap", lookalike_apple_udp),
    ("lookalike_stun_facetime_ports.pcap", lookalike_stun_facetime_ports),
]
