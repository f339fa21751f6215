"""ICMP / ICMPv6 echo packets: building requests and reading what comes back.

Everything here is pure byte work on the hot path, so it sticks to ``struct``
and integer arithmetic (no scapy, no per-packet objects beyond one tuple).

A request carries an 8-byte token in its payload, random per echo; a reply is
accepted only if it carries the token of the pending echo, so stray replies
(another pinger on the host, a late reply after the sequence space wrapped)
and blind forgeries are ignored. ICMP errors quote the original IP header and
the first 8 bytes of our ICMP header: that gives back identifier and sequence,
and the quoted destination tells whom the error is about.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Final

ICMP_ECHO_REPLY: Final = 0
ICMP_DEST_UNREACH: Final = 3
ICMP_ECHO_REQUEST: Final = 8
ICMP_TIME_EXCEEDED: Final = 11
ICMP_PARAM_PROBLEM: Final = 12

ICMP6_DEST_UNREACH: Final = 1
ICMP6_PACKET_TOO_BIG: Final = 2
ICMP6_TIME_EXCEEDED: Final = 3
ICMP6_PARAM_PROBLEM: Final = 4
ICMP6_ECHO_REQUEST: Final = 128
ICMP6_ECHO_REPLY: Final = 129

TOKEN_SIZE: Final = 8
MIN_PAYLOAD: Final = TOKEN_SIZE
_HEADER = struct.Struct("!BBHHH")
_TOKEN_WORDS = struct.Struct("!HHHH")

ERROR_TYPES_V4: Final = frozenset({ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED, ICMP_PARAM_PROBLEM})
ERROR_TYPES_V6: Final = frozenset(
    {ICMP6_DEST_UNREACH, ICMP6_PACKET_TOO_BIG, ICMP6_TIME_EXCEEDED, ICMP6_PARAM_PROBLEM}
)

_V4_ERRORS = {
    ICMP_DEST_UNREACH: (
        "destination unreachable",
        {
            0: "net unreachable",
            1: "host unreachable",
            2: "protocol unreachable",
            3: "port unreachable",
            4: "fragmentation needed",
            5: "source route failed",
            6: "destination network unknown",
            7: "destination host unknown",
            9: "network administratively prohibited",
            10: "host administratively prohibited",
            13: "communication administratively prohibited",
        },
    ),
    ICMP_TIME_EXCEEDED: ("time exceeded", {0: "TTL exceeded in transit", 1: "fragment reassembly"}),
    ICMP_PARAM_PROBLEM: ("parameter problem", {}),
}
_V6_ERRORS = {
    ICMP6_DEST_UNREACH: (
        "destination unreachable",
        {
            0: "no route",
            1: "administratively prohibited",
            2: "beyond scope of source",
            3: "address unreachable",
            4: "port unreachable",
            5: "source address failed policy",
            6: "reject route",
        },
    ),
    ICMP6_PACKET_TOO_BIG: ("packet too big", {}),
    ICMP6_TIME_EXCEEDED: ("time exceeded", {0: "hop limit exceeded in transit", 1: "fragment reassembly"}),
    ICMP6_PARAM_PROBLEM: ("parameter problem", {}),
}


def describe_error(family: int, icmp_type: int, code: int) -> str:
    """A reason such as ``destination unreachable: host unreachable (type 3 code 1)``."""
    table = _V6_ERRORS if family == socket.AF_INET6 else _V4_ERRORS
    name, codes = table.get(icmp_type, ("ICMP error", {}))
    detail = codes.get(code)
    label = f"{name}: {detail}" if detail else name
    return f"{label} (type {icmp_type} code {code})"


class EchoTemplate:
    """Builds echo requests for one family and payload size, cheaply.

    The checksum is the ones' complement sum of 16-bit words, so the sum of the
    fixed part (type, padding) is computed once and each packet only adds its
    identifier, sequence and token words. ICMPv6 and ping-socket checksums are
    filled in by the kernel, but computing it anyway costs little and keeps one code path.
    """

    __slots__ = ("_base_sum", "_pad", "_type")

    def __init__(self, family: int, payload_size: int) -> None:
        if payload_size < MIN_PAYLOAD:
            raise ValueError(f"payload size must be at least {MIN_PAYLOAD} bytes")
        self._type = ICMP6_ECHO_REQUEST if family == socket.AF_INET6 else ICMP_ECHO_REQUEST
        pad_len = payload_size - TOKEN_SIZE
        self._pad = bytes((0x40 + i) & 0xFF for i in range(pad_len))
        padded = self._pad + (b"\0" if pad_len % 2 else b"")
        total = self._type << 8
        for (word,) in struct.iter_unpack("!H", padded):
            total += word
        self._base_sum = total

    def build(self, identifier: int, sequence: int, token: bytes) -> bytes:
        """One echo request with ``token`` as the first payload bytes."""
        a, b, c, d = _TOKEN_WORDS.unpack(token)
        total = self._base_sum + identifier + sequence + a + b + c + d
        total = (total & 0xFFFF) + (total >> 16)
        total = (total & 0xFFFF) + (total >> 16)
        checksum = ~total & 0xFFFF
        return _HEADER.pack(self._type, 0, checksum, identifier, sequence) + token + self._pad


def checksum(data: bytes) -> int:
    """RFC 1071 checksum of ``data`` (used by tests to check packets)."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(word for (word,) in struct.iter_unpack("!H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@dataclass(frozen=True, slots=True)
class Reply:
    """What an incoming ICMP message says about one of our echoes.

    ``error_type`` is None for an echo reply; for an ICMP error it is the type
    and ``error_code`` the code, ``sender`` the router that sent it, and
    ``about`` the quoted destination (the probed address). ``token`` is None when
    the error quoted too little of our payload to carry it.
    """

    identifier: int
    sequence: int
    token: bytes | None
    sender: str
    about: str
    error_type: int | None = None
    error_code: int = 0


def _ipv4_header_len(packet: bytes, offset: int) -> int:
    return (packet[offset] & 0x0F) * 4


def parse_v4(packet: bytes, sender: str, has_ip_header: bool) -> Reply | None:
    """Read an ICMPv4 message (with its IP header on raw sockets, without on ping sockets).

    Returns None for anything that is not an echo reply or an error quoting an echo request.
    """
    offset = _ipv4_header_len(packet, 0) if has_ip_header else 0
    if len(packet) < offset + 8:
        return None
    icmp_type, code, _, identifier, sequence = _HEADER.unpack_from(packet, offset)
    if icmp_type == ICMP_ECHO_REPLY:
        token = packet[offset + 8 : offset + 8 + TOKEN_SIZE]
        if len(token) < TOKEN_SIZE:
            return None
        return Reply(identifier, sequence, token, sender, sender)
    if icmp_type not in ERROR_TYPES_V4:
        return None
    quoted = offset + 8
    if len(packet) < quoted + 20:
        return None
    inner_len = _ipv4_header_len(packet, quoted)
    if packet[quoted + 9] != socket.IPPROTO_ICMP or len(packet) < quoted + inner_len + 8:
        return None
    about = socket.inet_ntop(socket.AF_INET, packet[quoted + 16 : quoted + 20])
    inner = quoted + inner_len
    inner_type, _, _, identifier, sequence = _HEADER.unpack_from(packet, inner)
    if inner_type != ICMP_ECHO_REQUEST:
        return None
    token = packet[inner + 8 : inner + 8 + TOKEN_SIZE]
    return Reply(
        identifier, sequence, token if len(token) == TOKEN_SIZE else None, sender, about, icmp_type, code
    )


def parse_v6(packet: bytes, sender: str) -> Reply | None:
    """Read an ICMPv6 message (sockets never include the IPv6 header)."""
    if len(packet) < 8:
        return None
    icmp_type, code, _, identifier, sequence = _HEADER.unpack_from(packet, 0)
    if icmp_type == ICMP6_ECHO_REPLY:
        token = packet[8 : 8 + TOKEN_SIZE]
        if len(token) < TOKEN_SIZE:
            return None
        return Reply(identifier, sequence, token, sender, sender)
    if icmp_type not in ERROR_TYPES_V6:
        return None
    quoted = 8  # 4 unused/MTU/pointer bytes follow the header we already unpacked
    if len(packet) < quoted + 40 + 8 or packet[quoted + 6] != socket.IPPROTO_ICMPV6:
        return None
    about = socket.inet_ntop(socket.AF_INET6, packet[quoted + 24 : quoted + 40])
    inner = quoted + 40
    inner_type, _, _, identifier, sequence = _HEADER.unpack_from(packet, inner)
    if inner_type != ICMP6_ECHO_REQUEST:
        return None
    token = packet[inner + 8 : inner + 8 + TOKEN_SIZE]
    return Reply(
        identifier, sequence, token if len(token) == TOKEN_SIZE else None, sender, about, icmp_type, code
    )
