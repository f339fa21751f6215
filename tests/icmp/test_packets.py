"""Echo packets and the parsing of replies and quoted ICMP errors (pure byte logic).

scapy builds the reference packets here: it is the independent implementation
our hand-rolled hot-path code is checked against.
"""

from __future__ import annotations

import socket

import pytest
from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, IPv6
from scapy.packet import Raw

from monitord.icmp import packets

TOKEN = bytes.fromhex("0102030405060708")


@pytest.mark.parametrize("size", [8, 9, 56, 1000])
def test_request_checksum_matches_scapy(size: int) -> None:
    built = packets.EchoTemplate(socket.AF_INET, size).build(0xBEEF, 0x1234, TOKEN)
    reference = ICMP(bytes(ICMP(type=8, id=0xBEEF, seq=0x1234) / Raw(built[8:])))
    assert len(built) == 8 + size
    assert built[2:4] == bytes(reference)[2:4]
    assert packets.checksum(built) == 0


def test_payload_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        packets.EchoTemplate(socket.AF_INET, 4)


def test_echo_reply_v4_with_ip_header() -> None:
    wire = bytes(IP(src="127.0.0.5", dst="127.0.0.1") / ICMP(type=0, id=7, seq=9) / Raw(TOKEN + b"pad"))
    reply = packets.parse_v4(wire, "127.0.0.5", has_ip_header=True)
    assert reply == packets.Reply(7, 9, TOKEN, "127.0.0.5", "127.0.0.5")


def test_time_exceeded_v4_quotes_the_original_echo() -> None:
    original = IP(src="127.0.0.1", dst="127.0.0.77") / ICMP(type=8, id=7, seq=9) / Raw(TOKEN)
    wire = bytes(IP(src="127.0.0.254", dst="127.0.0.1") / ICMP(type=11, code=0) / original)
    reply = packets.parse_v4(wire, "127.0.0.254", has_ip_header=True)
    assert reply is not None
    assert (reply.identifier, reply.sequence, reply.token) == (7, 9, TOKEN)
    assert (reply.about, reply.sender, reply.error_type, reply.error_code) == (
        "127.0.0.77",
        "127.0.0.254",
        11,
        0,
    )


def test_error_quoting_only_eight_bytes_has_no_token() -> None:
    original = bytes(IP(src="127.0.0.1", dst="127.0.0.77") / ICMP(type=8, id=7, seq=9))[:28]
    wire = bytes(IP(src="127.0.0.254", dst="127.0.0.1") / ICMP(type=3, code=1)) + original
    reply = packets.parse_v4(wire, "127.0.0.254", has_ip_header=True)
    assert reply is not None and reply.token is None and reply.error_type == 3


def test_error_about_someone_elses_udp_is_ignored() -> None:
    from scapy.layers.inet import UDP

    original = IP(src="127.0.0.1", dst="127.0.0.77") / UDP(sport=1, dport=2)
    wire = bytes(IP(src="127.0.0.254", dst="127.0.0.1") / ICMP(type=3, code=3) / original)
    assert packets.parse_v4(wire, "127.0.0.254", has_ip_header=True) is None


def test_echo_request_is_not_a_reply() -> None:
    wire = bytes(ICMP(type=8, id=7, seq=9) / Raw(TOKEN))
    assert packets.parse_v4(wire, "127.0.0.1", has_ip_header=False) is None


def test_v6_echo_reply_and_unreachable() -> None:
    echo = bytes(ICMPv6EchoReply(id=3, seq=4, data=TOKEN))
    assert packets.parse_v6(echo, "::1") == packets.Reply(3, 4, TOKEN, "::1", "::1")
    original = IPv6(src="::1", dst="fd00::77") / ICMPv6EchoRequest(id=3, seq=4, data=TOKEN)
    error = bytes(ICMPv6DestUnreach(code=3) / original)
    reply = packets.parse_v6(error, "fd00::1")
    assert reply is not None
    assert (
        reply.identifier,
        reply.sequence,
        reply.token,
        reply.about,
        reply.error_type,
        reply.error_code,
    ) == (3, 4, TOKEN, "fd00::77", 1, 3)


def test_truncated_packets_are_ignored() -> None:
    assert packets.parse_v4(b"\x45" + b"\0" * 10, "127.0.0.1", has_ip_header=True) is None
    assert packets.parse_v6(b"\x81\0", "::1") is None


@pytest.mark.parametrize(
    ("family", "icmp_type", "code", "expected"),
    [
        (socket.AF_INET, 3, 1, "destination unreachable: host unreachable (type 3 code 1)"),
        (socket.AF_INET, 11, 0, "time exceeded: TTL exceeded in transit (type 11 code 0)"),
        (socket.AF_INET6, 1, 3, "destination unreachable: address unreachable (type 1 code 3)"),
        (socket.AF_INET, 3, 99, "destination unreachable (type 3 code 99)"),
    ],
)
def test_error_descriptions(family: int, icmp_type: int, code: int, expected: str) -> None:
    assert packets.describe_error(family, icmp_type, code) == expected
