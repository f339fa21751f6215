"""SNMP v1/v2c messages: aiosnmp's Rust BER codec, our own response walk.

Requests are built with aiosnmp's message classes. Responses are decoded here
rather than with ``aiosnmp.message.SnmpResponse`` because that one discards
every value's type: counters, gauges and the three exception values
(noSuchObject / noSuchInstance / endOfMibView, all ``None`` there) must stay
distinguishable for rates and for errors-as-data.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from aiosnmp.asn1_rust import Decoder
from aiosnmp.asn1_rust import Error as AsnError
from aiosnmp.message import (
    GetBulkRequest,
    GetNextRequest,
    GetRequest,
    SnmpMessage,
    SnmpVarbind,
    SnmpVersion,
)

from monitord.snmp.values import ValueKind, VarBind

_UNIVERSAL, _APPLICATION, _CONTEXT = 0x00, 0x40, 0x80

_KINDS: dict[tuple[int, int], ValueKind] = {
    (_UNIVERSAL, 2): ValueKind.INTEGER,
    (_UNIVERSAL, 4): ValueKind.OCTETS,
    (_UNIVERSAL, 5): ValueKind.NULL,
    (_UNIVERSAL, 6): ValueKind.OID,
    (_APPLICATION, 0): ValueKind.IPADDRESS,
    (_APPLICATION, 1): ValueKind.COUNTER32,
    (_APPLICATION, 2): ValueKind.GAUGE32,
    (_APPLICATION, 3): ValueKind.TIMETICKS,
    (_APPLICATION, 4): ValueKind.OPAQUE,
    (_APPLICATION, 6): ValueKind.COUNTER64,
    (_APPLICATION, 7): ValueKind.GAUGE32,  # UInteger32 (obsolete), same range as Gauge32
    (_CONTEXT, 0): ValueKind.NO_SUCH_OBJECT,
    (_CONTEXT, 1): ValueKind.NO_SUCH_INSTANCE,
    (_CONTEXT, 2): ValueKind.END_OF_MIB_VIEW,
}

# The same table indexed by ``class | number`` (classes are 0x00/0x40/0x80, numbers < 0x40):
# one list lookup per value on the receive path instead of a tuple key and a dict lookup.
KIND_BY_CODE: list[ValueKind] = [ValueKind.OPAQUE] * 256
for (_cls, _number), _kind in _KINDS.items():
    KIND_BY_CODE[_cls | _number] = _kind

VERSIONS = {"1": SnmpVersion.v1, "2c": SnmpVersion.v2c}


class DecodeError(ValueError):
    """A datagram that is not an SNMP response we can read."""


@dataclass(frozen=True, slots=True)
class Response:
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[VarBind]


def encode_get(version: SnmpVersion, community: str, oids: Sequence[str], request_id: int) -> bytes:
    pdu = GetRequest([SnmpVarbind(oid) for oid in oids])
    pdu.request_id = request_id
    return SnmpMessage(version, community, pdu).encode()


def encode_get_next(version: SnmpVersion, community: str, oids: Sequence[str], request_id: int) -> bytes:
    pdu = GetNextRequest([SnmpVarbind(oid) for oid in oids])
    pdu.request_id = request_id
    return SnmpMessage(version, community, pdu).encode()


def encode_get_bulk(
    version: SnmpVersion,
    community: str,
    oids: Sequence[str],
    request_id: int,
    *,
    non_repeaters: int,
    max_repetitions: int,
) -> bytes:
    pdu = GetBulkRequest([SnmpVarbind(oid) for oid in oids], non_repeaters, max_repetitions)
    pdu.request_id = request_id
    return SnmpMessage(version, community, pdu).encode()


def _value(kind: ValueKind, raw: object) -> int | bytes | str | None:
    """Values other than integers and octet strings (the common case, kept inline)."""
    if isinstance(raw, str) and kind is ValueKind.OID:
        return raw.lstrip(".")
    if raw is None or isinstance(raw, int | bytes | str):
        return raw
    if isinstance(raw, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(raw)
    return str(raw)


def decode_response(data: bytes) -> Response:
    """Parse a GetResponse datagram; raises DecodeError for anything else."""
    try:
        dec = Decoder(data)
        dec.enter()
        dec.read()  # version
        dec.read()  # community
        if dec.peek().number != 2:  # not a GetResponse PDU
            raise DecodeError("not a response PDU")
        dec.enter()
        request_id = dec.read()[1]
        error_status = dec.read()[1]
        error_index = dec.read()[1]
        dec.enter()
        varbinds: list[VarBind] = []
        append, read, enter, leave, eof = varbinds.append, dec.read, dec.enter, dec.exit, dec.eof
        kinds = KIND_BY_CODE
        new = tuple.__new__  # VarBind(...) goes through a Python-level __new__; this does not
        while not eof():
            enter()
            oid = read()[1]
            tag, raw = read()
            leave()
            kind = kinds[(tag.cls | tag.number) & 0xFF]
            value = raw if type(raw) is int or type(raw) is bytes else _value(kind, raw)
            append(new(VarBind, (oid[1:] if oid[:1] == "." else oid, kind, value)))
    except AsnError as exc:
        raise DecodeError(str(exc)) from None
    if not isinstance(request_id, int) or not isinstance(error_status, int):
        raise DecodeError("malformed PDU header")
    return Response(request_id, error_status, int(error_index or 0), varbinds)
