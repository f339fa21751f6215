"""The OIDs a trap receiver must know by number (SNMPv2-MIB, IF-MIB, RFC 3584)."""

from __future__ import annotations

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
SNMP_TRAP_ENTERPRISE = "1.3.6.1.6.3.1.1.4.3.0"
SNMP_TRAP_ADDRESS = "1.3.6.1.6.3.18.1.3.0"

_STANDARD = "1.3.6.1.6.3.1.1.5"
COLD_START = f"{_STANDARD}.1"
WARM_START = f"{_STANDARD}.2"
LINK_DOWN = f"{_STANDARD}.3"
LINK_UP = f"{_STANDARD}.4"
AUTHENTICATION_FAILURE = f"{_STANDARD}.5"
EGP_NEIGHBOR_LOSS = f"{_STANDARD}.6"

# snmpTrapOID -> the name the trap is known by (the ``trap`` tag of its results).
STANDARD_TRAPS = {
    COLD_START: "coldStart",
    WARM_START: "warmStart",
    LINK_DOWN: "linkDown",
    LINK_UP: "linkUp",
    AUTHENTICATION_FAILURE: "authenticationFailure",
    EGP_NEIGHBOR_LOSS: "egpNeighborLoss",
}

# IF-MIB columns a linkDown/linkUp trap carries (instance = ifIndex appended).
IF_INDEX = "1.3.6.1.2.1.2.2.1.1"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_ADMIN_STATUS = "1.3.6.1.2.1.2.2.1.7"
IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_ALIAS = "1.3.6.1.2.1.31.1.1.1.18"
INTERFACE_COLUMNS = {
    IF_INDEX: "ifIndex",
    IF_DESCR: "ifDescr",
    IF_ADMIN_STATUS: "ifAdminStatus",
    IF_OPER_STATUS: "ifOperStatus",
    IF_NAME: "ifName",
    IF_ALIAS: "ifAlias",
}
# Scalars named in evidence lines.
SCALARS = {SYS_UPTIME: "sysUpTime.0", SNMP_TRAP_OID: "snmpTrapOID.0", SNMP_TRAP_ADDRESS: "snmpTrapAddress.0"}


def v1_trap_oid(enterprise: str, generic: int, specific: int) -> str:
    """RFC 3584 section 3.1: the snmpTrapOID of an SNMPv1 Trap-PDU."""
    if 0 <= generic < 6:
        return f"{_STANDARD}.{generic + 1}"
    return f"{enterprise}.0.{specific}"


def column_of(oid: str) -> tuple[str, str] | None:
    """``1.3.6.1.2.1.2.2.1.8.7`` -> ``("ifOperStatus", "7")`` for the IF-MIB columns above."""
    base, _, instance = oid.rpartition(".")
    name = INTERFACE_COLUMNS.get(base)
    if name is None or not instance.isdigit():
        return None
    return name, instance


def oid_label(oid: str) -> str:
    """An OID as evidence shows it: by name where known, else as numbers."""
    found = column_of(oid)
    if found is not None:
        return f"{found[0]}.{found[1]}"
    return SCALARS.get(oid, oid)
