"""SNMPv1/v2c notifications off the wire: aiosnmp's Rust BER codec, our own PDU walk.

The same codec the SNMP probe reads responses with (``monitord.snmp.codec``), so
values keep their SMI type. An inform is acknowledged with the Response PDU RFC
3416 (4.2.7) asks for: same request-id, error-status and error-index 0 and the
same varbinds, which is the received message with one byte changed (the PDU tag
0xA6 becomes 0xA2; an inform carries error-status/index 0 already). Anything that
is not a v1 Trap-PDU, an SNMPv2-Trap-PDU or an InformRequest raises
``Malformed`` with a short reason word, which the receiver counts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiosnmp.asn1_rust import Decoder
from aiosnmp.asn1_rust import Error as AsnError

from monitord.intake.traps.notification import Notification
from monitord.intake.traps.oids import SNMP_TRAP_OID, SYS_UPTIME, v1_trap_oid
from monitord.snmp.codec import KIND_BY_CODE
from monitord.snmp.values import ValueKind, VarBind

V1, V2C, V3 = 0, 1, 3
TRAP_V1, INFORM, TRAP_V2 = 0xA4, 0xA6, 0xA7
RESPONSE = 0xA2
_NOTIFICATION_TAGS = frozenset({TRAP_V1, INFORM, TRAP_V2})


class Malformed(ValueError):
    """Not a notification we can read; ``reason`` is the word it is counted under."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CommunityMessage:
    """A decoded v1/v2c notification, its community and (for an inform) the acknowledgement."""

    notification: Notification
    community: bytes
    response: bytes | None


def _header(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the TLV at ``pos``; definite lengths only."""
    if pos + 2 > len(data):
        raise Malformed("truncated")
    tag = data[pos]
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise Malformed("bad_length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise Malformed("truncated")
    return tag, pos, end


def version_of(data: bytes) -> int:
    """The msgVersion of an SNMP message (0 v1, 1 v2c, 3 v3) without decoding the rest."""
    if not data:
        raise Malformed("truncated", "empty datagram")
    if data[0] != 0x30:
        raise Malformed("not_snmp", "not a BER sequence")
    _, start, end = _header(data, 0)
    if end != len(data):
        raise Malformed("bad_length", "trailing bytes after the message")
    tag, vstart, vend = _header(data, start)
    if tag != 0x02 or not 0 < vend - vstart <= 2:
        raise Malformed("not_snmp", "no version number")
    return int.from_bytes(data[vstart:vend], "big", signed=True)


def pdu_offset(data: bytes) -> int:
    """Where the PDU tag sits: after the message header, the version and the community."""
    _, start, _ = _header(data, 0)
    _, _, after_version = _header(data, start)
    tag, _, after_community = _header(data, after_version)
    if tag != 0x04:
        raise Malformed("not_snmp", "no community string")
    return after_community


def _value(kind: ValueKind, raw: object) -> int | bytes | str | None:
    if type(raw) is int or type(raw) is bytes:
        return raw
    if isinstance(raw, str):
        return raw.lstrip(".") if kind is ValueKind.OID else raw
    if raw is None:
        return None
    if isinstance(raw, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(raw)
    return str(raw)


def _varbinds(dec: Decoder) -> list[VarBind]:
    varbinds: list[VarBind] = []
    append, read, enter, leave, eof = varbinds.append, dec.read, dec.enter, dec.exit, dec.eof
    kinds = KIND_BY_CODE
    new = tuple.__new__
    enter()
    while not eof():
        enter()
        tag, oid = read()
        if tag.number != 6 or not isinstance(oid, str):
            raise Malformed("bad_varbind", "a varbind name is not an OID")
        vtag, raw = read()
        leave()
        kind = kinds[(vtag.cls | vtag.number) & 0xFF]
        append(new(VarBind, (oid[1:] if oid[:1] == "." else oid, kind, _value(kind, raw))))
    leave()
    return varbinds


def decode_community(data: bytes) -> CommunityMessage:
    """Decode a v1 or v2c trap or inform; raises ``Malformed``."""
    version = version_of(data)
    if version not in (V1, V2C):
        raise Malformed("bad_version", f"version {version}")
    offset = pdu_offset(data)
    pdu_tag = data[offset]
    if pdu_tag not in _NOTIFICATION_TAGS:
        raise Malformed("not_notification", f"PDU type 0x{pdu_tag:02x}")
    if (pdu_tag == TRAP_V1) != (version == V1):
        raise Malformed("not_notification", "a v1 trap in a v2c message or the other way round")
    try:
        dec = Decoder(data)
        dec.enter()
        dec.read()
        community = dec.read()[1]
        dec.enter()
        notification = _v1(dec) if pdu_tag == TRAP_V1 else _v2(dec, pdu_tag == INFORM)
        dec.exit()
    except Malformed:
        raise
    except (AsnError, ValueError, TypeError, IndexError, OverflowError) as exc:
        raise Malformed("bad_ber", str(exc)) from None
    if not isinstance(community, bytes):
        raise Malformed("not_snmp", "community is not an octet string")
    response = data[:offset] + bytes((RESPONSE,)) + data[offset + 1 :] if pdu_tag == INFORM else None
    return CommunityMessage(notification, community, response)


def _v1(dec: Decoder) -> Notification:
    enterprise = dec.read()[1]
    agent = dec.read()[1]
    generic = dec.read()[1]
    specific = dec.read()[1]
    ticks = dec.read()[1]
    if not isinstance(enterprise, str) or not isinstance(generic, int) or not isinstance(specific, int):
        raise Malformed("bad_pdu", "Trap-PDU header fields of the wrong type")
    enterprise = enterprise.lstrip(".")
    varbinds = _varbinds(dec)
    return Notification(
        version="1",
        inform=False,
        trap_oid=v1_trap_oid(enterprise, generic, specific),
        uptime_ticks=ticks if isinstance(ticks, int) else None,
        varbinds=tuple(varbinds),
        principal="community",
        agent_address=str(agent) if agent is not None else None,
    )


def _v2(dec: Decoder, inform: bool) -> Notification:
    request_id = dec.read()[1]
    dec.read()  # error-status
    dec.read()  # error-index
    if not isinstance(request_id, int):
        raise Malformed("bad_pdu", "request-id is not an integer")
    return from_varbinds("2c", inform, _varbinds(dec), "community")


def from_varbinds(version: str, inform: bool, varbinds: list[VarBind], principal: str) -> Notification:
    """RFC 3416 4.2.6: the first varbind is sysUpTime.0, the second snmpTrapOID.0."""
    if len(varbinds) < 2 or varbinds[1].oid != SNMP_TRAP_OID or varbinds[1].kind is not ValueKind.OID:
        raise Malformed("no_trap_oid", "the second varbind is not snmpTrapOID.0")
    uptime = varbinds[0]
    if uptime.oid != SYS_UPTIME:
        raise Malformed("no_trap_oid", "the first varbind is not sysUpTime.0")
    return Notification(
        version=version,
        inform=inform,
        trap_oid=str(varbinds[1].value),
        uptime_ticks=uptime.value if isinstance(uptime.value, int) else None,
        varbinds=tuple(varbinds[2:]),
        principal=principal,
    )
