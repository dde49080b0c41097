"""Protected QUIC client Initials (RFC 9001 section 5; RFC 9369 for v2), standard library only.

The captures must be decryptable the way a real client's are, so this holds a small AES-128
(FIPS 197) with GCM (NIST SP 800-38D) in pure Python: slow, but a scenario seals a handful of
packets. ``seal_client_initial`` reproduces the RFC 9001 appendix A.2 packet byte for byte
(checked by ``self_check``, which make_pcaps.py runs before writing).
"""

from __future__ import annotations

import hashlib
import hmac
import struct

QUIC_V1 = 0x00000001
QUIC_V2 = 0x6B3343CF

_SALTS = {
    QUIC_V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
    QUIC_V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
}
_LABEL_PREFIX = {QUIC_V1: b"quic ", QUIC_V2: b"quicv2 "}
_INITIAL_TYPE = {QUIC_V1: 0, QUIC_V2: 1}


# --------------------------------------------------------------------------- AES-128

def _xtime(a: int) -> int:
    a <<= 1
    return (a ^ 0x11B) if a & 0x100 else a


def _make_sbox() -> list[int]:
    # Multiplicative inverse in GF(2^8), then the affine map (FIPS 197 section 5.1.1).
    exp, log = [0] * 255, [0] * 256
    value = 1
    for i in range(255):
        exp[i] = value
        log[value] = i
        value ^= _xtime(value)  # multiply by 3, a generator
    sbox = []
    for a in range(256):
        inverse = 0 if a == 0 else exp[(255 - log[a]) % 255]
        s = inverse
        for shift in range(1, 5):
            s ^= ((inverse << shift) | (inverse >> (8 - shift))) & 0xFF
        sbox.append(s ^ 0x63)
    return sbox


_SBOX = _make_sbox()


def _expand_key(key: bytes) -> list[list[int]]:
    words = [list(key[i:i + 4]) for i in range(0, 16, 4)]
    rcon = 1
    for i in range(4, 44):
        word = list(words[i - 1])
        if i % 4 == 0:
            word = [_SBOX[b] for b in word[1:] + word[:1]]
            word[0] ^= rcon
            rcon = _xtime(rcon)
        words.append([a ^ b for a, b in zip(words[i - 4], word)])
    return [sum(words[r * 4:r * 4 + 4], []) for r in range(11)]


def _encrypt_block(round_keys: list[list[int]], block: bytes) -> bytes:
    state = [b ^ k for b, k in zip(block, round_keys[0])]
    for rnd in range(1, 11):
        state = [_SBOX[b] for b in state]
        # ShiftRows: the state is column-major, byte (row r, column c) at 4c + r.
        state = [state[(4 * (c + r) + r) % 16] for c in range(4) for r in range(4)]
        if rnd != 10:
            mixed = []
            for c in range(4):
                a = state[4 * c:4 * c + 4]
                total = a[0] ^ a[1] ^ a[2] ^ a[3]
                mixed += [a[r] ^ total ^ _xtime(a[r] ^ a[(r + 1) % 4]) for r in range(4)]
            state = mixed
        state = [b ^ k for b, k in zip(state, round_keys[rnd])]
    return bytes(state)


# --------------------------------------------------------------------------- GCM

def _gf_multiply(x: int, y: int) -> int:
    product, v = 0, y
    for i in range(128):
        if (x >> (127 - i)) & 1:
            product ^= v
        v = (v >> 1) ^ (0xE1 << 120) if v & 1 else v >> 1
    return product


def _ghash(h: int, aad: bytes, text: bytes) -> int:
    x = 0
    for data in (aad, text):
        for i in range(0, len(data), 16):
            block = data[i:i + 16].ljust(16, b"\x00")
            x = _gf_multiply(x ^ int.from_bytes(block, "big"), h)
    lengths = struct.pack("!QQ", len(aad) * 8, len(text) * 8)
    return _gf_multiply(x ^ int.from_bytes(lengths, "big"), h)


def aes128_gcm_seal(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    round_keys = _expand_key(key)
    h = int.from_bytes(_encrypt_block(round_keys, b"\x00" * 16), "big")
    counter = int.from_bytes(nonce + b"\x00\x00\x00\x01", "big")
    sealed = bytearray()
    for i in range(0, len(plaintext), 16):
        counter = (counter & ~0xFFFFFFFF) | ((counter + 1) & 0xFFFFFFFF)
        stream = _encrypt_block(round_keys, counter.to_bytes(16, "big"))
        sealed += bytes(a ^ b for a, b in zip(plaintext[i:i + 16], stream))
    first_counter = nonce + b"\x00\x00\x00\x01"
    tag = _ghash(h, aad, bytes(sealed)) ^ int.from_bytes(_encrypt_block(round_keys, first_counter), "big")
    return bytes(sealed) + tag.to_bytes(16, "big")


# --------------------------------------------------------------------------- Initial keys

def _expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    return hmac.new(secret, info + b"\x01", hashlib.sha256).digest()[:length]


def client_initial_keys(version: int, dcid: bytes) -> tuple[bytes, bytes, bytes]:
    """(key, iv, hp) of the client's Initial packets (RFC 9001 section 5.2)."""
    initial_secret = hmac.new(_SALTS[version], dcid, hashlib.sha256).digest()
    client = _expand_label(initial_secret, b"client in", 32)
    prefix = _LABEL_PREFIX[version]
    return (_expand_label(client, prefix + b"key", 16), _expand_label(client, prefix + b"iv", 12),
            _expand_label(client, prefix + b"hp", 16))


def _varint(value: int) -> bytes:
    if value < 0x40:
        return bytes([value])
    if value < 0x4000:
        return struct.pack("!H", 0x4000 | value)
    return struct.pack("!I", 0x80000000 | value)


def crypto_frame(offset: int, data: bytes) -> bytes:
    """CRYPTO frame (RFC 9000 section 19.6)."""
    return b"\x06" + _varint(offset) + _varint(len(data)) + data


def seal_client_initial(version: int, dcid: bytes, scid: bytes, packet_number: int,
                        frames: bytes, size: int = 1200, pn_length: int = 2) -> bytes:
    """A client Initial whose payload is ``frames`` followed by PADDING so the datagram is
    ``size`` bytes (RFC 9000 section 14.1: at least 1200)."""
    key, iv, hp = client_initial_keys(version, dcid)
    first = 0xC0 | (_INITIAL_TYPE[version] << 4) | (pn_length - 1)
    header = struct.pack("!BI", first, version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    header += b"\x00"  # no token
    payload_length = size - len(header) - 2 - pn_length - 16
    if payload_length < len(frames):
        raise ValueError("frames do not fit the Initial")
    payload = frames + b"\x00" * (payload_length - len(frames))
    header += struct.pack("!H", 0x4000 | (pn_length + len(payload) + 16))
    pn_offset = len(header)
    number = packet_number.to_bytes(pn_length, "big")
    header += number
    nonce = iv[:-pn_length] + bytes(a ^ b for a, b in zip(iv[-pn_length:], number))
    sealed = aes128_gcm_seal(key, nonce, header, payload)
    # The sample starts 4 bytes past the packet number's start (RFC 9001 section 5.4.2).
    sample = sealed[4 - pn_length:20 - pn_length]
    mask = _encrypt_block(_expand_key(hp), sample)
    protected = bytearray(header + sealed)
    protected[0] ^= mask[0] & 0x0F
    for i in range(pn_length):
        protected[pn_offset + i] ^= mask[1 + i]
    return bytes(protected)


def self_check() -> None:
    """Fails loudly unless the RFC 9001 appendix A.2 packet comes out exactly."""
    dcid = bytes.fromhex("8394c8f03e515708")
    crypto = bytes.fromhex(
        "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
        "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
        "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
        "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
        "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
        "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
        "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
        "75300901100f088394c8f03e51570806048000ffff")
    packet = seal_client_initial(QUIC_V1, dcid, b"", 2, crypto, pn_length=4)
    if not (packet.startswith(bytes.fromhex("c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"))
            and packet.endswith(bytes.fromhex("e221af44860018ab0856972e194cd934"))):
        raise AssertionError("QUIC Initial sealing does not reproduce RFC 9001 appendix A.2")
