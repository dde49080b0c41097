"""ClientHellos that no single packet holds: a QUIC ClientHello over two Initials with its CRYPTO
frames scrambled, and a TLS ClientHello over two TCP segments that arrive out of order. Both
are what browsers send since post-quantum key shares (X25519MLKEM768) made the hello ~1.5 KB;
Chrome also cuts its QUIC CRYPTO data into pieces and sends them in random order, with PING
and PADDING frames between them. Nothing but the hello names the service: no DNS lookup, no
address a rule knows.
"""

from __future__ import annotations

import random

import packets as p
import quic_initial as q
from scenarios import SIGNAL_CHAT_V4, _ephemeral, clinic, utc
from traffic import MILLISECOND, SECOND, TcpSession, Trace, dhcp_exchange, media_stream, send_udp

# Signal's storage service behind AWS (an address no rule lists: only the SNI can name it).
SIGNAL_STORAGE_V4 = "13.248.212.111"


def _scrambled_crypto(rng: random.Random, hello: bytes, begin: int, end: int, pieces: int) -> bytes:
    """CRYPTO frames for hello[begin:end] cut into ``pieces`` and shuffled, each followed by a
    PING or a few PADDING bytes (Chrome's Initial layout since version 117)."""
    step = -(-(end - begin) // pieces)
    cuts = [(at, min(step, end - at)) for at in range(begin, end, step)]
    rng.shuffle(cuts)
    frames = b""
    for offset, length in cuts:
        frames += q.crypto_frame(offset, hello[offset:offset + length])
        frames += b"\x01" if rng.random() < 0.5 else b"\x00" * rng.randrange(1, 8)
    return frames


def quic_hello_two_initials() -> Trace:
    """QUIC to Signal whose ClientHello spans two Initials with scrambled CRYPTO frames.

    `nurse-pixel7` (192.168.10.57) joins with DHCP, then, with no DNS lookup in the capture,
    runs ~8 s of QUIC v1 on UDP 443 to 76.223.92.165: two client Initials of 1,250 bytes
    (packet numbers 0 and 1) carrying a 1.5 KB ClientHello (SNI chat.signal.org, ALPN h3, an
    X25519MLKEM768 key share) as CRYPTO frames cut into pieces and shuffled, the first
    Initial holding offsets 0-999, the second the rest; server Initial+Handshake; the client's
    Initial (ACK) + Handshake; then 1-RTT short-header packets both ways (~12/s each way).

    A correct monitor reports: device nurse-pixel7; Signal (no BAA), evidence = the QUIC SNI
    chat.signal.org read from the reassembled ClientHello. nDPI 4.2 alone reads no SNI."""
    rng = random.Random(1101)
    net = clinic()
    phone = net.nurse_pixel
    trace = Trace()
    t0 = utc(2025, 9, 16, 9, 12, 40)

    t = dhcp_exchange(trace, t0, phone, net.gateway, rng, vendor_class="android-dhcp-15")
    signal = net.server("chat.signal.org", SIGNAL_CHAT_V4, ttl=50)
    port = _ephemeral(rng)
    rtt = 21 * MILLISECOND
    client_dcid = rng.randbytes(8)
    client_scid = rng.randbytes(8)
    server_cid = rng.randbytes(8)
    hello = p.tls_client_hello(rng, "chat.signal.org", ("h3",), post_quantum=True)[5:]
    split = 1000
    t += 2 * SECOND
    for number, (begin, end) in enumerate(((0, split), (split, len(hello)))):
        frames = _scrambled_crypto(rng, hello, begin, end, rng.randrange(5, 9))
        send_udp(trace, t, phone, signal, port, 443,
                 q.seal_client_initial(q.QUIC_V1, client_dcid, client_scid, number, frames, size=1250))
        t += 40
    t += rtt
    send_udp(trace, t, signal, phone, 443, port,
             p.quic_long_header(rng, p.QUIC_INITIAL, client_scid, server_cid, 117)
             + p.quic_long_header(rng, p.QUIC_HANDSHAKE, client_scid, server_cid, 1030))
    send_udp(trace, t + 90, signal, phone, 443, port,
             p.quic_long_header(rng, p.QUIC_HANDSHAKE, client_scid, server_cid, 1180))
    t += 2 * MILLISECOND
    handshake = p.quic_long_header(rng, p.QUIC_HANDSHAKE, server_cid, client_scid, 80)
    send_udp(trace, t, phone, signal, port, 443,
             p.quic_long_header(rng, p.QUIC_INITIAL, server_cid, client_scid, 40,
                                pad_to=1250 - len(handshake)) + handshake)
    t += MILLISECOND

    def one_rtt(from_phone: bool, _index: int, size: int) -> bytes:
        return p.quic_short_header(rng, server_cid if from_phone else client_scid, size)

    end = media_stream(trace, t, 8 * SECOND, phone, signal, port, 443, rng,
                       packets_per_second=(11, 13),
                       size=lambda from_phone: rng.randint(40, 380) if from_phone else rng.randint(40, 1250),
                       payload=one_rtt, jitter_us=30 * MILLISECOND, b_start_delay_us=rtt)
    send_udp(trace, end + 5 * MILLISECOND, phone, signal, port, 443, p.quic_short_header(rng, server_cid, 38))
    return trace


def tls_hello_two_segments() -> Trace:
    """TLS to Signal whose ClientHello spans two TCP segments, the second captured first.

    `frontdesk-pc` (192.168.10.31, Windows) joins with DHCP, then, with no DNS lookup in the
    capture, opens TCP 443 to 13.248.212.111 and sends a 1.5 KB ClientHello (SNI
    storage.signal.org, ALPN h2 + http/1.1, an X25519MLKEM768 key share) in two segments of
    1,448 and 50 bytes; the capture point sees the second segment 300 us before the first
    (reordering on the path), then the server's ACK, ServerHello + ChangeCipherSpec +
    encrypted flight, the client's Finished, and a few requests and answers over ~3 s.

    A correct monitor reports: device frontdesk-pc; Signal (no BAA), evidence = the TLS SNI
    storage.signal.org read from the reassembled ClientHello."""
    rng = random.Random(1102)
    net = clinic()
    pc = net.frontdesk_pc
    trace = Trace()
    t0 = utc(2025, 9, 16, 10, 3, 5)

    t = dhcp_exchange(trace, t0, pc, net.gateway, rng, vendor_class="MSFT 5.0")
    storage = net.server("storage.signal.org", SIGNAL_STORAGE_V4, ttl=52)
    session = TcpSession(trace, pc, storage, _ephemeral(rng), 443, rng, rtt_us=28 * MILLISECOND)
    t = session.open(t + 3 * SECOND)
    hello = p.tls_client_hello(rng, "storage.signal.org", post_quantum=True)
    first, second = hello[:session.mss], hello[session.mss:]
    start = session.client_seq
    t += MILLISECOND
    session.client_seq = (start + len(first)) & 0xFFFFFFFF
    session.segment(t, True, p.TCP_ACK | p.TCP_PSH, second)
    session.client_seq = start
    session.segment(t + 300, True, p.TCP_ACK, first)
    session.client_seq = (start + len(hello)) & 0xFFFFFFFF
    t += 300 + session.rtt_us
    t = session.send(t, False, p.tls_server_hello(rng) + p.tls_change_cipher_spec()
                     + p.tls_application_data(rng, 3100))
    t = session.send(t + 2 * MILLISECOND, True, p.tls_change_cipher_spec() + p.tls_application_data(rng, 53))
    for _ in range(3):
        t = session.request_response(t + rng.randrange(200, 900) * MILLISECOND,
                                     p.tls_application_data(rng, rng.randrange(300, 700)),
                                     p.tls_application_stream(rng, rng.randrange(900, 6000)),
                                     server_think_us=35 * MILLISECOND)
    session.close(t + 400 * MILLISECOND)
    return trace


SCENARIOS = [
    ("quic_hello_two_initials.pcap", quic_hello_two_initials),
    ("tls_hello_two_segments.pcap", tls_hello_two_segments),
]
