"""What each polling profile reads, as numeric OIDs (no MIB files needed).

``system`` is read on every poll: sysUpTime is what tells a device restart
from a counter wrap. ``interfaces`` walks IF-MIB's ifTable and ifXTable in
multi-column GETBULKs; ``host`` walks HOST-RESOURCES processor load and
storage; custom profiles are lists of named scalar OIDs from the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from monitord.snmp.errors import SnmpError, SnmpErrorStatus
from monitord.snmp.rates import Sample
from monitord.snmp.session import SnmpSession
from monitord.snmp.table import NO_SUCH_NAME, Column, walk_columns
from monitord.snmp.values import ValueKind, VarBind

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"

IF_TABLE = "1.3.6.1.2.1.2.2.1"
IF_X_TABLE = "1.3.6.1.2.1.31.1.1.1"
IF_COLUMNS: dict[str, str] = {
    "descr": f"{IF_TABLE}.2",
    "speed": f"{IF_TABLE}.5",
    "admin": f"{IF_TABLE}.7",
    "oper": f"{IF_TABLE}.8",
    "in_octets32": f"{IF_TABLE}.10",
    "in_ucast32": f"{IF_TABLE}.11",
    "in_discards": f"{IF_TABLE}.13",
    "in_errors": f"{IF_TABLE}.14",
    "out_octets32": f"{IF_TABLE}.16",
    "out_ucast32": f"{IF_TABLE}.17",
    "out_discards": f"{IF_TABLE}.19",
    "out_errors": f"{IF_TABLE}.20",
    "name": f"{IF_X_TABLE}.1",
    "in_octets64": f"{IF_X_TABLE}.6",
    "in_ucast64": f"{IF_X_TABLE}.7",
    "out_octets64": f"{IF_X_TABLE}.10",
    "out_ucast64": f"{IF_X_TABLE}.11",
    "high_speed": f"{IF_X_TABLE}.15",
    "alias": f"{IF_X_TABLE}.18",
    "discontinuity": f"{IF_X_TABLE}.19",
}
# Counter name -> (64-bit column, 32-bit fallback column).
IF_COUNTERS: dict[str, tuple[str | None, str]] = {
    "in_octets": ("in_octets64", "in_octets32"),
    "out_octets": ("out_octets64", "out_octets32"),
    "in_ucast_pkts": ("in_ucast64", "in_ucast32"),
    "out_ucast_pkts": ("out_ucast64", "out_ucast32"),
    "in_errors": (None, "in_errors"),
    "out_errors": (None, "out_errors"),
    "in_discards": (None, "in_discards"),
    "out_discards": (None, "out_discards"),
}

HR_PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1.2"
HR_STORAGE = "1.3.6.1.2.1.25.2.3.1"
HR_STORAGE_COLUMNS = {
    "type": f"{HR_STORAGE}.2",
    "descr": f"{HR_STORAGE}.3",
    "units": f"{HR_STORAGE}.4",
    "size": f"{HR_STORAGE}.5",
    "used": f"{HR_STORAGE}.6",
}
HR_STORAGE_TYPES = {
    "1.3.6.1.2.1.25.2.1.2": "ram",
    "1.3.6.1.2.1.25.2.1.3": "virtual_memory",
    "1.3.6.1.2.1.25.2.1.4": "fixed_disk",
    "1.3.6.1.2.1.25.2.1.5": "removable_disk",
    "1.3.6.1.2.1.25.2.1.9": "flash",
}

CustomType = Literal["gauge", "counter", "text"]


@dataclass(frozen=True, slots=True)
class SystemInfo:
    descr: str
    object_id: str
    name: str
    uptime_ticks: int


@dataclass(frozen=True, slots=True)
class InterfaceSample:
    index: str
    name: str
    descr: str
    alias: str
    admin_status: int | None
    oper_status: int | None
    speed_bps: float | None
    counters: dict[str, Sample] = field(default_factory=dict)
    discontinuity_ticks: int | None = None


@dataclass(frozen=True, slots=True)
class StorageSample:
    index: str
    descr: str
    kind: str
    size_bytes: int
    used_bytes: int


@dataclass(frozen=True, slots=True)
class HostSample:
    cpu_loads: list[int]
    storages: list[StorageSample]


@dataclass(frozen=True, slots=True)
class CustomOid:
    name: str
    oid: str
    type: CustomType


def _text(column: Column, index: str) -> str:
    found = column.get(index)
    return found.as_text() if found is not None else ""


def _int(column: Column, index: str) -> int | None:
    found = column.get(index)
    return found.as_int() if found is not None and not found.missing else None


async def read_system(session: SnmpSession) -> SystemInfo:
    """sysDescr, sysObjectID, sysUpTime and sysName in one GET."""
    descr, object_id, uptime, name = await session.get([SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME])
    if uptime.kind is not ValueKind.TIMETICKS or not isinstance(uptime.value, int):
        raise SnmpError(f"sysUpTime.0 is {uptime.kind.value}, not timeticks")
    return SystemInfo(
        descr=descr.as_text() if not descr.missing else "",
        object_id=object_id.as_text() if not object_id.missing else "",
        name=name.as_text() if not name.missing else "",
        uptime_ticks=uptime.value,
    )


def _counter(columns: Mapping[str, Column], index: str, wide: str | None, narrow: str) -> Sample | None:
    for key in (wide, narrow):
        if key is None:
            continue
        found = columns[IF_COLUMNS[key]].get(index)
        if found is not None and found.kind in (ValueKind.COUNTER64, ValueKind.COUNTER32):
            bits = 64 if found.kind is ValueKind.COUNTER64 else 32
            return Sample(int(found.value or 0), bits)
    return None


async def read_interfaces(session: SnmpSession, max_repetitions: int) -> list[InterfaceSample]:
    """Every interface of IF-MIB with state, speed and counters (HC where the agent has them)."""
    walked = await walk_columns(session, list(IF_COLUMNS.values()), max_repetitions)
    by_name = {key: walked[oid] for key, oid in IF_COLUMNS.items()}
    indexes = set(by_name["descr"]) | set(by_name["name"]) | set(by_name["oper"])
    samples = []
    for index in sorted(indexes, key=lambda i: tuple(int(p) for p in i.split("."))):
        high = _int(by_name["high_speed"], index)
        speed = _int(by_name["speed"], index)
        speed_bps = float(high) * 1e6 if high else (float(speed) if speed else None)
        counters = {}
        for counter, (wide, narrow) in IF_COUNTERS.items():
            sample = _counter(walked, index, wide, narrow)
            if sample is not None:
                counters[counter] = sample
        samples.append(
            InterfaceSample(
                index=index,
                name=_text(by_name["name"], index) or _text(by_name["descr"], index) or f"if{index}",
                descr=_text(by_name["descr"], index),
                alias=_text(by_name["alias"], index),
                admin_status=_int(by_name["admin"], index),
                oper_status=_int(by_name["oper"], index),
                speed_bps=speed_bps,
                counters=counters,
                discontinuity_ticks=_int(by_name["discontinuity"], index),
            )
        )
    return samples


async def read_host(session: SnmpSession, max_repetitions: int) -> HostSample:
    """Processor loads and storage use from HOST-RESOURCES-MIB."""
    walked = await walk_columns(session, [HR_PROCESSOR_LOAD, *HR_STORAGE_COLUMNS.values()], max_repetitions)
    loads = [vb.value for vb in walked[HR_PROCESSOR_LOAD].values() if isinstance(vb.value, int)]
    storage = {key: walked[oid] for key, oid in HR_STORAGE_COLUMNS.items()}
    storages = []
    for index in storage["size"]:
        units, size, used = (_int(storage[k], index) for k in ("units", "size", "used"))
        if not units or size is None or used is None or size <= 0:
            continue
        type_oid = _text(storage["type"], index)
        storages.append(
            StorageSample(
                index=index,
                descr=_text(storage["descr"], index) or f"storage{index}",
                kind=HR_STORAGE_TYPES.get(type_oid, "other"),
                size_bytes=size * units,
                used_bytes=used * units,
            )
        )
    return HostSample(cpu_loads=loads, storages=storages)


async def read_custom(session: SnmpSession, oids: Sequence[CustomOid], chunk: int = 20) -> dict[str, VarBind]:
    """Each configured OID's value by name (exception values included, for reporting)."""
    found: dict[str, VarBind] = {}
    for start in range(0, len(oids), chunk):
        part = list(oids[start : start + chunk])
        while part:
            try:
                varbinds = await session.get([item.oid for item in part])
            except SnmpErrorStatus as exc:
                # SNMPv1 fails the whole GET with noSuchName and points at the culprit.
                if exc.status != NO_SUCH_NAME or not 0 < exc.index <= len(part):
                    raise
                missing = part.pop(exc.index - 1)
                found[missing.name] = VarBind(missing.oid, ValueKind.NO_SUCH_OBJECT, None)
                continue
            for item, varbind in zip(part, varbinds, strict=False):
                found[item.name] = varbind
            break
    return found
