"""What every SNMP session offers, whatever the version underneath.

The probe and the profiles talk to this protocol only; ``client.V2cSession``
(aiosnmp codec, shared socket) and ``v3.V3Session`` (pysnmp 7) implement it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from monitord.snmp.values import VarBind


class SnmpSession(Protocol):
    """Requests against one agent; failures raise ``monitord.snmp.errors.SnmpError``."""

    @property
    def supports_bulk(self) -> bool:
        """False for SNMPv1, which has no GETBULK."""
        ...

    async def get(self, oids: Sequence[str]) -> list[VarBind]:
        """One GET; missing objects come back as exception-kind varbinds."""
        ...

    async def get_next(self, oids: Sequence[str]) -> list[VarBind]:
        """One GETNEXT."""
        ...

    async def get_bulk(self, oids: Sequence[str], max_repetitions: int) -> list[VarBind]:
        """One GETBULK with non-repeaters 0 (rows of ``len(oids)`` varbinds)."""
        ...
