"""Turning one poll's samples into ``snmp_system`` / ``snmp_interface`` / ``snmp_storage`` results.

Raw counters and per-second rates go out side by side: the raw values let a
dashboard recompute anything, the rates are what alerts read. A rate is absent
(not zero) when it cannot be known: first poll, device restart, counter reset.
"""

from __future__ import annotations

from collections.abc import Mapping

from monitord.results import FieldValue, ProbeResult
from monitord.snmp.profiles import CustomOid, HostSample, InterfaceSample, SystemInfo
from monitord.snmp.rates import RatePoll, Sample
from monitord.snmp.values import ValueKind, VarBind

IF_UP = 1
ADMIN_UP = 1
MIN_FRAME_BYTES = 64
WRAP_HEADROOM = 1.5  # a wrapped delta may exceed line rate by this much (burst, clock skew)
TEXT_LIMIT = 256


def _short(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def system_fields(info: SystemInfo, poll: RatePoll, response_ms: float) -> dict[str, FieldValue]:
    return {
        "up": 1,
        "uptime_s": info.uptime_ticks / 100.0,
        "rebooted": 1 if poll.reboot else 0,
        "response_ms": response_ms,
        "sys_name": _short(info.name),
        "sys_descr": _short(info.descr),
        "sys_object_id": info.object_id,
    }


def interface_result(
    target: str,
    kind: str,
    time_ns: int,
    base_tags: Mapping[str, str],
    *,
    sample: InterfaceSample,
    poll: RatePoll,
) -> ProbeResult:
    """One interface: state, raw counters, rates and utilisation."""
    tags = {**base_tags, "ifName": sample.name, "ifIndex": sample.index}
    if sample.alias:
        tags["ifAlias"] = sample.alias
    oper_up = sample.oper_status == IF_UP
    admin_up = sample.admin_status == ADMIN_UP
    fields: dict[str, FieldValue] = {
        "up": 1 if oper_up else 0,
        "oper_down": 1 if admin_up and not oper_up else 0,
        # Down although someone described it (ifAlias): what the default alert watches,
        # so unused access ports that are admin-up but unplugged do not page anyone.
        "described_down": 1 if admin_up and not oper_up and sample.alias else 0,
    }
    if sample.admin_status is not None:
        fields["admin_status"] = sample.admin_status
    if sample.oper_status is not None:
        fields["oper_status"] = sample.oper_status
    if sample.speed_bps:
        fields["speed_mbps"] = sample.speed_bps / 1e6
    reset = poll.interface_reset(sample.index, sample.discontinuity_ticks)
    byte_limit = sample.speed_bps / 8 * WRAP_HEADROOM if sample.speed_bps else None
    packet_limit = byte_limit / MIN_FRAME_BYTES if byte_limit else None
    rates: dict[str, float] = {}
    for name, counter in sample.counters.items():
        fields[name] = counter.value
        limit = byte_limit if name.endswith("octets") else packet_limit if name.endswith("pkts") else None
        rate = poll.rate(sample.index, name, counter, limit, reset)
        if rate is not None:
            rates[name] = rate
    octets = sample.counters.get("in_octets") or sample.counters.get("out_octets")
    if octets is not None:
        fields["counter_bits"] = octets.bits
    _add_rates(fields, rates, sample.speed_bps)
    return ProbeResult(
        measurement="snmp_interface",
        target=target,
        kind=kind,
        time_ns=time_ns,
        ok=True,
        fields=fields,
        tags=tags,
    )


def _add_rates(fields: dict[str, FieldValue], rates: Mapping[str, float], speed_bps: float | None) -> None:
    for direction in ("in", "out"):
        octets = rates.get(f"{direction}_octets")
        if octets is not None:
            bps = octets * 8
            fields[f"{direction}_bps"] = bps
            if speed_bps:
                fields[f"{direction}_util_pct"] = min(100.0, bps / speed_bps * 100)
        packets = rates.get(f"{direction}_ucast_pkts")
        if packets is not None:
            fields[f"{direction}_pps"] = packets
        for what in ("errors", "discards"):
            value = rates.get(f"{direction}_{what}")
            if value is not None:
                fields[f"{direction}_{what}_per_s"] = value
    if "in_util_pct" in fields or "out_util_pct" in fields:
        fields["util_pct"] = max(
            float(fields.get("in_util_pct", 0.0)), float(fields.get("out_util_pct", 0.0))
        )
    errors = [rates[k] for k in ("in_errors", "out_errors") if k in rates]
    if errors:
        fields["errors_per_s"] = sum(errors)


def interface_summary(samples: list[InterfaceSample]) -> dict[str, FieldValue]:
    return {
        "interfaces": len(samples),
        "interfaces_up": sum(1 for s in samples if s.oper_status == IF_UP),
        "interfaces_down": sum(1 for s in samples if s.admin_status == ADMIN_UP and s.oper_status != IF_UP),
    }


def host_fields(host: HostSample) -> dict[str, FieldValue]:
    fields: dict[str, FieldValue] = {}
    if host.cpu_loads:
        fields["cpu_load_avg"] = sum(host.cpu_loads) / len(host.cpu_loads)
        fields["cpu_load_max"] = max(host.cpu_loads)
    disks = [s.used_bytes / s.size_bytes * 100 for s in host.storages if s.kind == "fixed_disk"]
    if disks:
        fields["disk_used_pct_max"] = max(disks)
    ram = [s for s in host.storages if s.kind == "ram"]
    if ram:
        fields["memory_used_pct"] = ram[0].used_bytes / ram[0].size_bytes * 100
    return fields


def storage_results(
    target: str, kind: str, time_ns: int, base_tags: Mapping[str, str], host: HostSample
) -> list[ProbeResult]:
    return [
        ProbeResult(
            measurement="snmp_storage",
            target=target,
            kind=kind,
            time_ns=time_ns,
            ok=True,
            tags={**base_tags, "storage": s.descr, "storage_type": s.kind},
            fields={
                "up": 1,
                "size_bytes": s.size_bytes,
                "used_bytes": s.used_bytes,
                "used_pct": s.used_bytes / s.size_bytes * 100,
            },
        )
        for s in host.storages
    ]


def custom_fields(
    oids: list[CustomOid], values: Mapping[str, VarBind], poll: RatePoll
) -> tuple[dict[str, FieldValue], list[str]]:
    """Fields for user-defined OIDs, and one evidence line per OID the agent lacks."""
    fields: dict[str, FieldValue] = {}
    missing: list[str] = []
    for item in oids:
        varbind = values.get(item.name)
        if varbind is None or varbind.missing:
            what = varbind.kind.value if varbind is not None else "no value"
            missing.append(f"{item.name} ({item.oid}): {what}")
            continue
        if item.type == "text":
            fields[item.name] = _short(varbind.as_text())
            continue
        number = varbind.as_int()
        if number is None:
            missing.append(f"{item.name} ({item.oid}): {varbind.kind.value} is not a number")
            continue
        fields[item.name] = number
        if item.type == "counter":
            bits = 64 if varbind.kind is ValueKind.COUNTER64 else 32
            rate = poll.rate("custom", item.name, Sample(number, bits))
            if rate is not None:
                fields[f"{item.name}_per_s"] = rate
    return fields, missing
