"""Decoded SNMP values with their type kept, so "no such object" is told from a real value.

aiosnmp's own decoder turns noSuchObject, noSuchInstance and endOfMibView all
into ``None`` and drops the type of every value; ours keeps the BER tag so
counters are known as counters and each exception value is reported by name.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class ValueKind(enum.Enum):
    """The SMI type of a value, or which exception value the agent sent instead."""

    INTEGER = "integer"
    OCTETS = "octets"
    NULL = "null"
    OID = "oid"
    IPADDRESS = "ipaddress"
    COUNTER32 = "counter32"
    GAUGE32 = "gauge32"
    TIMETICKS = "timeticks"
    OPAQUE = "opaque"
    COUNTER64 = "counter64"
    NO_SUCH_OBJECT = "noSuchObject"
    NO_SUCH_INSTANCE = "noSuchInstance"
    END_OF_MIB_VIEW = "endOfMibView"


EXCEPTION_KINDS = frozenset({ValueKind.NO_SUCH_OBJECT, ValueKind.NO_SUCH_INSTANCE, ValueKind.END_OF_MIB_VIEW})
COUNTER_KINDS = frozenset({ValueKind.COUNTER32, ValueKind.COUNTER64})

Value = int | bytes | str | None


class VarBind(NamedTuple):
    """One OID (dotted, no leading dot) and its value.

    A named tuple rather than a frozen dataclass: thousands are built per
    second on the receive path and tuple construction is several times cheaper.
    """

    oid: str
    kind: ValueKind
    value: Value

    @property
    def missing(self) -> bool:
        """True for noSuchObject / noSuchInstance / endOfMibView."""
        return self.kind in EXCEPTION_KINDS

    def as_int(self) -> int | None:
        return self.value if isinstance(self.value, int) else None

    def as_text(self) -> str:
        """Octet strings as text (invalid UTF-8 replaced), other values as ``str``."""
        if isinstance(self.value, bytes):
            return self.value.decode("utf-8", "replace").rstrip("\x00")
        return "" if self.value is None else str(self.value)


def normalize_oid(oid: str) -> str:
    """``.1.3.6`` and ``1.3.6`` both become ``1.3.6``; anything else is a ValueError."""
    text = oid.strip().lstrip(".")
    parts = text.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{oid!r} is not a numeric OID like 1.3.6.1.2.1.1.3.0")
    return text


def oid_key(oid: str) -> tuple[int, ...]:
    """Sort key: OIDs order by their numeric arcs, not as strings."""
    return tuple(int(p) for p in oid.split("."))


def in_subtree(oid: str, base: str) -> bool:
    """True if ``oid`` lies strictly below ``base``."""
    return oid.startswith(base) and len(oid) > len(base) and oid[len(base)] == "."
