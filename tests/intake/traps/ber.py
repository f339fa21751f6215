"""Hand-made BER for the malformed-datagram table: the pieces of an SNMP message, any of
which a test may get wrong on purpose."""

from __future__ import annotations


def tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(raw))) + raw + content


def integer(value: int) -> bytes:
    return tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def octets(value: bytes) -> bytes:
    return tlv(0x04, value)


def oid(text: str) -> bytes:
    arcs = [int(p) for p in text.split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for value in arcs[2:]:
        chunk = [value & 0x7F]
        rest = value >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def timeticks(value: int) -> bytes:
    return tlv(0x43, value.to_bytes(4, "big"))


def varbind(name: bytes, value: bytes) -> bytes:
    return tlv(0x30, name + value)


def message(
    version: int, community: bytes, pdu_tag: int, varbinds: list[bytes], request_id: int = 7
) -> bytes:
    pdu = tlv(pdu_tag, integer(request_id) + integer(0) + integer(0) + tlv(0x30, b"".join(varbinds)))
    return tlv(0x30, integer(version) + octets(community) + pdu)


def standard_varbinds(trap_oid: str = "1.3.6.1.6.3.1.1.5.1") -> list[bytes]:
    return [
        varbind(oid("1.3.6.1.2.1.1.3.0"), timeticks(1234)),
        varbind(oid("1.3.6.1.6.3.1.1.4.1.0"), oid(trap_oid)),
    ]
