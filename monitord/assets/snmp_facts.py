"""What an SNMP agent says it is: ENTITY-MIB's chassis entry, sysDescr and sysObjectID.

ENTITY-MIB (RFC 6933) lists every physical part of a device; the chassis is the
entry of class ``chassis(3)``, else the first entry contained in nothing. Its
model name, serial number and hardware, firmware and software revisions are
what the register is compared with. The session is the SNMP probe's own (same
shared socket, same v1/v2c/v3 credentials as the target's ``snmp`` settings);
an agent without ENTITY-MIB still gives sysDescr and sysObjectID.
"""

from __future__ import annotations

from monitord.snmp.profiles import read_system
from monitord.snmp.table import Column, walk_columns
from probes.base import ProbeTarget
from probes.snmp import SnmpProbe, SnmpSettings

ENT_PHYSICAL = "1.3.6.1.2.1.47.1.1.1.1"
CONTAINED_IN = f"{ENT_PHYSICAL}.4"
CLASS = f"{ENT_PHYSICAL}.5"
CHASSIS = 3
# entPhysical column -> the fact it gives
COLUMNS: dict[str, str] = {
    f"{ENT_PHYSICAL}.8": "hardware_rev",
    f"{ENT_PHYSICAL}.9": "firmware_rev",
    f"{ENT_PHYSICAL}.10": "software_rev",
    f"{ENT_PHYSICAL}.11": "serial",
    f"{ENT_PHYSICAL}.12": "vendor",
    f"{ENT_PHYSICAL}.13": "model",
}
MAX_VALUE = 255


def _order(index: str) -> tuple[int, ...]:
    return tuple(int(p) for p in index.split(".") if p.isdigit())


def chassis_index(columns: dict[str, Column]) -> str | None:
    """The chassis entry's index: class chassis(3) first, else the first top-level entry."""
    classes = columns.get(CLASS, {})
    for index in sorted(classes, key=_order):
        if classes[index].as_int() == CHASSIS:
            return index
    contained = columns.get(CONTAINED_IN, {})
    for index in sorted(contained, key=_order):
        if contained[index].as_int() == 0:
            return index
    return None


def entity_facts(columns: dict[str, Column]) -> dict[str, str]:
    index = chassis_index(columns)
    if index is None:
        return {}
    facts: dict[str, str] = {}
    for column, name in COLUMNS.items():
        found = columns.get(column, {}).get(index)
        if found is None or found.missing:
            continue
        text = found.as_text().strip()[:MAX_VALUE]
        if text:
            facts[name] = text
    return facts


async def discover_snmp(probe: SnmpProbe, target: ProbeTarget, settings: SnmpSettings) -> dict[str, str]:
    """The facts the agent gives; raises SnmpError/WalkError when it does not answer."""
    session = await probe.session(target, settings)
    system = await read_system(session)
    facts = {"sys_descr": system.descr.strip()[:MAX_VALUE], "sys_object_id": system.object_id}
    columns = await walk_columns(session, [CONTAINED_IN, CLASS, *COLUMNS], settings.max_repetitions)
    facts.update(entity_facts(columns))
    return {name: value for name, value in facts.items() if value}
