"""Decoding what net-snmp's snmptrap and snmpinform send, and refusing what is not a
notification: every malformed datagram raises ``Malformed`` with the word it is counted under."""

from __future__ import annotations

import pytest

from monitord.intake.traps.decode import RESPONSE, Malformed, decode_community, version_of
from monitord.snmp.values import ValueKind
from tests.intake.traps import ber
from tests.intake.traps.netsnmp import IF_ALIAS, LINK_DOWN, capture, interface

TARGET = "udp:127.0.0.1:{port}"


def test_v2c_link_down_from_snmptrap() -> None:
    data = capture(["snmptrap", "-v2c", "-c", "public", TARGET, "", LINK_DOWN, *interface(3, alias="uplink")])
    message = decode_community(data)
    note = message.notification
    assert (message.community, message.response) == (b"public", None)
    assert (note.version, note.inform, note.trap_oid) == ("2c", False, LINK_DOWN)
    assert note.uptime_ticks is not None and note.uptime_ticks > 0
    assert [(v.oid, v.kind, v.value) for v in note.varbinds] == [
        ("1.3.6.1.2.1.2.2.1.1.3", ValueKind.INTEGER, 3),
        ("1.3.6.1.2.1.2.2.1.7.3", ValueKind.INTEGER, 1),
        ("1.3.6.1.2.1.2.2.1.8.3", ValueKind.INTEGER, 2),
        (f"{IF_ALIAS}.3", ValueKind.OCTETS, b"uplink"),
    ]
    assert note.evidence()[-1] == "ifAlias.3 = uplink (octets)"


def test_v1_enterprise_trap_is_converted_as_rfc3584_says() -> None:
    data = capture(
        ["snmptrap", "-v1", "-c", "s3cret", TARGET, "1.3.6.1.4.1.318", "192.0.2.9", "6", "5", "",
         "1.3.6.1.4.1.318.2.1", "s", "on battery"]
    )  # fmt: skip
    note = decode_community(data).notification
    assert (note.version, note.trap_oid, note.agent_address) == ("1", "1.3.6.1.4.1.318.0.5", "192.0.2.9")
    assert note.evidence() == ("1.3.6.1.4.1.318.2.1 = on battery (octets)",)


@pytest.mark.parametrize(
    ("generic", "oid"), [(0, "1.3.6.1.6.3.1.1.5.1"), (2, LINK_DOWN), (4, "1.3.6.1.6.3.1.1.5.5")]
)
def test_v1_generic_traps_are_the_standard_trap_oids(generic: int, oid: str) -> None:
    data = capture(
        ["snmptrap", "-v1", "-c", "public", TARGET, "1.3.6.1.4.1.8072", "127.0.0.1", str(generic), "0", ""]
    )
    assert decode_community(data).notification.trap_oid == oid


def test_inform_is_answered_with_the_same_message_as_a_response_pdu() -> None:
    data = ber.message(1, b"public", 0xA6, ber.standard_varbinds())
    message = decode_community(data)
    assert message.notification.inform
    assert message.response is not None
    changed = [i for i, (a, b) in enumerate(zip(data, message.response, strict=True)) if a != b]
    assert len(changed) == 1 and message.response[changed[0]] == RESPONSE


def test_binary_octets_show_as_hex_in_evidence() -> None:
    mac = bytes.fromhex("00000c07ac01")
    binds = [*ber.standard_varbinds(), ber.varbind(ber.oid("1.3.6.1.4.1.9.9.1"), ber.octets(mac))]
    note = decode_community(ber.message(1, b"public", 0xA7, binds)).notification
    assert note.evidence() == ("1.3.6.1.4.1.9.9.1 = 0x00000c07ac01 (octets)",)


GOOD = ber.message(1, b"public", 0xA7, ber.standard_varbinds())
V1_PDU = ber.tlv(
    0xA4,
    ber.oid("1.3.6.1.4.1.8072") + ber.tlv(0x40, bytes(4)) + ber.integer(0) + ber.integer(0)
    + ber.timeticks(5) + ber.tlv(0x30, b""),
)  # fmt: skip

MALFORMED = [
    ("empty", b"", "truncated"),
    ("text", b"hello, trap receiver", "not_snmp"),
    ("one byte", b"\x30", "truncated"),
    ("cut short", GOOD[:-3], "truncated"),
    ("trailing bytes", GOOD + b"\x00\x00", "bad_length"),
    ("five length octets", b"\x30\x85\x00\x00\x00\x00\x10" + bytes(16), "bad_length"),
    ("indefinite length", b"\x30\x80" + GOOD[2:] + b"\x00\x00", "bad_length"),
    ("no version", ber.tlv(0x30, ber.octets(b"public")), "not_snmp"),
    ("version 2", ber.message(2, b"public", 0xA7, ber.standard_varbinds()), "bad_version"),
    ("version 99", ber.message(99, b"public", 0xA7, ber.standard_varbinds()), "bad_version"),
    ("no community", ber.tlv(0x30, ber.integer(1) + ber.integer(5)), "not_snmp"),
    ("GetRequest", ber.message(1, b"public", 0xA0, ber.standard_varbinds()), "not_notification"),
    ("Response", ber.message(1, b"public", 0xA2, ber.standard_varbinds()), "not_notification"),
    (
        "v1 Trap-PDU in v2c",
        ber.tlv(0x30, ber.integer(1) + ber.octets(b"public") + V1_PDU),
        "not_notification",
    ),
    ("v2 trap in v1", ber.message(0, b"public", 0xA7, ber.standard_varbinds()), "not_notification"),
    ("no varbinds", ber.message(1, b"public", 0xA7, []), "no_trap_oid"),
    ("only sysUpTime", ber.message(1, b"public", 0xA7, ber.standard_varbinds()[:1]), "no_trap_oid"),
    ("trap OID first", ber.message(1, b"public", 0xA7, ber.standard_varbinds()[::-1]), "no_trap_oid"),
    (
        "snmpTrapOID not an OID",
        ber.message(
            1,
            b"public",
            0xA7,
            [ber.standard_varbinds()[0], ber.varbind(ber.oid("1.3.6.1.6.3.1.1.4.1.0"), ber.integer(5))],
        ),
        "no_trap_oid",
    ),
    (
        "varbind name not an OID",
        ber.message(1, b"public", 0xA7, [ber.varbind(ber.integer(1), ber.integer(2))]),
        "bad_varbind",
    ),
    ("PDU cut inside", GOOD[:20] + bytes(len(GOOD) - 20), "bad_ber"),
]


@pytest.mark.parametrize(
    ("data", "reason"), [(d, r) for _, d, r in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_datagrams_raise_with_their_reason(data: bytes, reason: str) -> None:
    with pytest.raises(Malformed) as raised:
        version_of(data)
        decode_community(data)
    assert raised.value.reason == reason


def test_the_table_starts_from_a_datagram_that_decodes() -> None:
    assert decode_community(GOOD).notification.trap_oid == "1.3.6.1.6.3.1.1.5.1"
