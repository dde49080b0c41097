"""Capture file writers: classic libpcap (microsecond) and pcapng (SHB, one IDB per
interface, EPB). Standard library only; output depends only on the records written.

Formats: https://www.tcpdump.org/manpages/pcap-savefile.5.html and
draft-ietf-opsawg-pcapng (section 4.1 SHB, 4.2 IDB, 4.3 EPB). Both writers emit
little-endian files, as tcpdump/dumpcap on x86 do.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

# Link-layer header types (https://www.tcpdump.org/linktypes.html)
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

DEFAULT_SNAPLEN = 262144


class PcapWriter:
    """Classic pcap, magic 0xa1b2c3d4 (microsecond timestamps), version 2.4."""

    def __init__(self, stream: BinaryIO, linktype: int, snaplen: int = DEFAULT_SNAPLEN):
        self._stream = stream
        stream.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))

    def write(self, timestamp_us: int, data: bytes, original_length: int | None = None) -> None:
        """One record. ``original_length`` defaults to len(data); a different value writes a
        truncated record (incl_len < orig_len) or a deliberately bogus one (incl_len > orig_len)."""
        seconds, micros = divmod(timestamp_us, 1_000_000)
        orig = len(data) if original_length is None else original_length
        self._stream.write(struct.pack("<IIII", seconds, micros, len(data), orig))
        self._stream.write(data)


class PcapngWriter:
    """pcapng with one section; interfaces are added before their first packet."""

    def __init__(self, stream: BinaryIO, application: str = "baawatch pcaps/generator"):
        self._stream = stream
        self._interfaces = 0
        options = self._option(4, application.encode("utf-8")) + self._option_end()
        body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + options
        self._block(0x0A0D0D0A, body)

    @staticmethod
    def _option(code: int, value: bytes) -> bytes:
        return struct.pack("<HH", code, len(value)) + value + b"\x00" * ((-len(value)) % 4)

    @staticmethod
    def _option_end() -> bytes:
        return b"\x00\x00\x00\x00"

    def _block(self, block_type: int, body: bytes) -> None:
        body += b"\x00" * ((-len(body)) % 4)
        total = 12 + len(body)
        self._stream.write(struct.pack("<II", block_type, total) + body + struct.pack("<I", total))

    def add_interface(self, linktype: int, name: str, description: str = "",
                      snaplen: int = DEFAULT_SNAPLEN) -> int:
        """Interface Description Block with if_name, optional if_description and
        if_tsresol = 6 (microseconds). Returns the interface id."""
        options = self._option(2, name.encode("utf-8"))
        if description:
            options += self._option(3, description.encode("utf-8"))
        options += self._option(9, b"\x06") + self._option_end()
        self._block(0x00000001, struct.pack("<HHI", linktype, 0, snaplen) + options)
        self._interfaces += 1
        return self._interfaces - 1

    def write(self, interface_id: int, timestamp_us: int, data: bytes,
              original_length: int | None = None) -> None:
        """Enhanced Packet Block (no options)."""
        if not 0 <= interface_id < self._interfaces:
            raise ValueError(f"unknown interface {interface_id}")
        orig = len(data) if original_length is None else original_length
        padded = data + b"\x00" * ((-len(data)) % 4)
        body = struct.pack("<IIIII", interface_id, timestamp_us >> 32, timestamp_us & 0xFFFFFFFF,
                           len(data), orig) + padded
        self._block(0x00000006, body)
