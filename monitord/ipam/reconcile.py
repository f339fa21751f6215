"""One reconciliation sweep: compare a registered subnet with what answers on the wire.

Findings, kept in ``ipam_findings`` (one row per address and kind, resolved when
the condition goes away):

- ``conflict``: an address answers but is not registered (a rogue device, or a
  device configured by hand that will collide with the next allocation). Addresses
  inside a range of kind ``dhcp`` are never conflicts: the DHCP server hands them
  out without the register knowing;
- ``stale``: an ``allocated`` address has been silent for ``stale_after``;
- ``mac_change``: ARP shows a MAC other than the registered one.

A sweep only ever sends to addresses inside the subnet it was given. The
report groups what it found per kind, so the alert engine sees one result per
subnet and kind (see ``monitord.ipam.service``), not one per address.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from netaddr import IPAddress, IPNetwork
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.errors import NotFoundError
from monitord.ipam.pinger import Pinger
from monitord.ipam.records import iso
from monitord.ipam.reserved import usable_bounds
from monitord.ipam.tables import addresses, findings, ranges, subnets
from monitord.ipam.transactions import now

ArpSweep = Callable[[IPNetwork, float], Awaitable[dict[str, str] | None]]


@dataclass(frozen=True, slots=True)
class SweepSettings:
    stale_after: float
    timeout: float
    max_addresses: int


@dataclass(slots=True)
class SweepReport:
    subnet: str
    subnet_id: int
    site: str | None
    swept: int = 0
    alive: int = 0
    registered: int = 0
    arp: bool = False
    opened: list[dict[str, Any]] = field(default_factory=list)
    current: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    active: dict[str, int] = field(default_factory=dict)
    at: datetime = field(default_factory=now)

    def json(self) -> dict[str, Any]:
        return {
            "subnet": self.subnet,
            "subnet_id": self.subnet_id,
            "at": iso(self.at),
            "swept": self.swept,
            "alive": self.alive,
            "registered": self.registered,
            "arp": self.arp,
            "opened": self.opened,
            "resolved": self.resolved,
            "active": self.active,
        }


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def _inside(conn: AsyncConnection, network: IPNetwork) -> list[int]:
    """Ids of ``network``'s subnet and of every subnet nested in it."""
    return [
        r.id
        for r in (await conn.execute(sa.select(subnets.c.id, subnets.c.cidr))).all()
        if IPNetwork(r.cidr) in network
    ]


async def _registered(conn: AsyncConnection, ids: list[int]) -> list[Any]:
    """Registered addresses of the subnets ``ids``."""
    rows = (await conn.execute(sa.select(addresses).where(addresses.c.subnet_id.in_(ids)))).all()
    return list(rows)


async def _dhcp_spans(conn: AsyncConnection, ids: list[int]) -> list[tuple[int, int]]:
    """``(first, last)`` of every ``dhcp`` range of the subnets ``ids``."""
    rows = (
        await conn.execute(
            sa.select(ranges.c.first, ranges.c.last).where(
                ranges.c.subnet_id.in_(ids), ranges.c.kind == "dhcp"
            )
        )
    ).all()
    return [(int(IPAddress(r.first)), int(IPAddress(r.last))) for r in rows]


def sweep_targets(network: IPNetwork, registered: list[str], limit: int) -> list[str]:
    """Every assignable address of a subnet up to ``limit``; beyond that the registered ones only."""
    bounds = usable_bounds(network)
    if bounds is None:
        return []
    if bounds[1] - bounds[0] + 1 <= limit:
        return [str(IPAddress(v, network.version)) for v in range(bounds[0], bounds[1] + 1)]
    return registered[:limit]


async def sweep(
    engine: AsyncEngine, cidr: str, pinger: Pinger, arp: ArpSweep | None, settings: SweepSettings
) -> SweepReport:
    network = IPNetwork(cidr)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(subnets).where(subnets.c.cidr == str(network)))).first()
        if row is None:
            raise NotFoundError(f"subnet {network} is not registered in IPAM", field="subnet")
        ids = await _inside(conn, network)
        registered = {r.address: r for r in await _registered(conn, ids)}
        dhcp = await _dhcp_spans(conn, ids)
    report = SweepReport(str(network), row.id, row.site, registered=len(registered))
    targets = sweep_targets(network, sorted(registered), settings.max_addresses)
    report.swept = len(targets)
    alive = await pinger.alive(targets, settings.timeout)
    macs = await arp(network, settings.timeout) if arp is not None else None
    report.arp = macs is not None
    seen = set(alive) | set(macs or {})
    report.alive = len(seen)
    stamp = now()
    stale_before = stamp - timedelta(seconds=settings.stale_after)
    wanted: dict[tuple[str, str], str] = {}
    for address in seen:
        if address not in registered and not any(a <= int(IPAddress(address)) <= b for a, b in dhcp):
            mac = (macs or {}).get(address)
            wanted[(address, "conflict")] = "answers but is not registered" + (f" (MAC {mac})" if mac else "")
    for address, reg in registered.items():
        observed = (macs or {}).get(address)
        if observed and reg.mac and observed != reg.mac:
            wanted[(address, "mac_change")] = f"registered MAC {reg.mac}, seen {observed}"
        last = _naive_utc(reg.last_seen_at) or _naive_utc(reg.created_at)
        if address not in seen and reg.status == "allocated" and last is not None and last < stale_before:
            wanted[(address, "stale")] = f"silent since {iso(last)}"
    async with engine.begin() as conn:
        if seen & set(registered):
            for address in sorted(seen & set(registered)):
                values: dict[str, Any] = {"last_seen_at": stamp}
                if macs and address in macs:
                    values["seen_mac"] = macs[address]
                await conn.execute(addresses.update().where(addresses.c.address == address).values(**values))
        await _store_findings(conn, report, wanted, stamp)
    return report


async def _store_findings(
    conn: AsyncConnection, report: SweepReport, wanted: dict[tuple[str, str], str], stamp: datetime
) -> None:
    network = IPNetwork(report.subnet)
    current = {
        (r.address, r.kind): r
        for r in (await conn.execute(sa.select(findings))).all()
        if IPAddress(r.address) in network
    }
    for (address, kind), detail in sorted(wanted.items()):
        existing = current.get((address, kind))
        if existing is None:
            await conn.execute(
                findings.insert().values(
                    subnet_id=report.subnet_id,
                    address=address,
                    kind=kind,
                    detail=detail,
                    first_seen=stamp,
                    last_seen=stamp,
                    resolved_at=None,
                )
            )
            report.opened.append({"address": address, "kind": kind, "detail": detail})
        else:
            reopened = existing.resolved_at is not None
            await conn.execute(
                findings.update()
                .where(findings.c.id == existing.id)
                .values(
                    detail=detail,
                    last_seen=stamp,
                    resolved_at=None,
                    first_seen=stamp if reopened else existing.first_seen,
                )
            )
            if reopened:
                report.opened.append({"address": address, "kind": kind, "detail": detail})
        report.active[kind] = report.active.get(kind, 0) + 1
        report.current.append({"address": address, "kind": kind, "detail": detail})
    for key, existing in current.items():
        if key not in wanted and existing.resolved_at is None:
            await conn.execute(
                findings.update().where(findings.c.id == existing.id).values(resolved_at=stamp)
            )
            report.resolved.append({"address": key[0], "kind": key[1], "detail": existing.detail})


async def retire(engine: AsyncEngine, swept: set[str]) -> list[tuple[str, str | None]]:
    """Resolve the open findings of subnets no longer swept; ``(cidr, site)`` of each such subnet.

    A subnet dropped from ``ipam.reconcile.subnets`` is never compared again, so its
    findings (and the alerts built on them) would otherwise stay open for ever.
    """
    wanted = {str(IPNetwork(c)) for c in swept}
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                sa.select(subnets.c.id, subnets.c.cidr, subnets.c.site).where(
                    subnets.c.id.in_(sa.select(findings.c.subnet_id).where(findings.c.resolved_at.is_(None)))
                )
            )
        ).all()
        gone = [r for r in rows if str(IPNetwork(r.cidr)) not in wanted]
        if gone:
            await conn.execute(
                findings.update()
                .where(findings.c.subnet_id.in_([r.id for r in gone]), findings.c.resolved_at.is_(None))
                .values(resolved_at=now())
            )
    return [(str(IPNetwork(r.cidr)), r.site) for r in gone]


async def list_findings(
    engine: AsyncEngine,
    *,
    kind: str | None = None,
    subnet_id: int | None = None,
    include_resolved: bool = False,
) -> list[dict[str, Any]]:
    query = sa.select(findings, subnets.c.cidr).join(subnets, subnets.c.id == findings.c.subnet_id)
    if kind is not None:
        query = query.where(findings.c.kind == kind)
    if subnet_id is not None:
        query = query.where(findings.c.subnet_id == subnet_id)
    if not include_resolved:
        query = query.where(findings.c.resolved_at.is_(None))
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(findings.c.id))).mappings().all()
    return [
        {
            "address": r["address"],
            "kind": r["kind"],
            "detail": r["detail"],
            "subnet": r["cidr"],
            "subnet_id": r["subnet_id"],
            "first_seen": iso(r["first_seen"]),
            "last_seen": iso(r["last_seen"]),
            "resolved_at": iso(r["resolved_at"]),
        }
        for r in rows
    ]
