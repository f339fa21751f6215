"""A received trap or inform, whatever the SNMP version it came in."""

from __future__ import annotations

from dataclasses import dataclass

from monitord.intake.traps.oids import oid_label
from monitord.snmp.values import VarBind

EVIDENCE_VALUE = 120  # characters of one varbind value kept in an evidence line


@dataclass(frozen=True, slots=True)
class Notification:
    """What a device said: the trap's OID, its uptime and its varbinds.

    ``varbinds`` excludes sysUpTime.0 and snmpTrapOID.0 (they are ``uptime_ticks``
    and ``trap_oid``). ``principal`` names the credential that was accepted (the
    v3 user; for v1/v2c the word "community", never the community itself).
    """

    version: str  # "1", "2c" or "3"
    inform: bool
    trap_oid: str
    uptime_ticks: int | None
    varbinds: tuple[VarBind, ...]
    principal: str
    agent_address: str | None = None  # SNMPv1 agent-addr

    def evidence(self) -> tuple[str, ...]:
        """One line per varbind, for the ticket."""
        return tuple(_line(v) for v in self.varbinds)


def _line(varbind: VarBind) -> str:
    raw = varbind.value
    value = varbind.as_text()
    if isinstance(raw, bytes) and not value.isprintable():
        value = "0x" + raw.hex()  # a MAC address, a binary index: readable as hex only
    if len(value) > EVIDENCE_VALUE:
        value = value[: EVIDENCE_VALUE - 1] + "…"
    return f"{oid_label(varbind.oid)} = {value} ({varbind.kind.value})"
