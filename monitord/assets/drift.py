"""Drift: where what a device reports differs from what the register says.

Four kinds, each judged per asset: ``serial`` and ``model`` (the register's
value against the discovered one), ``firmware`` (the register's baseline
against what the device runs now) and ``address`` (an IPAM address of the
asset's target that reconciliation saw answering, not linked to the asset).

Every evaluation publishes one result per asset and kind (measurement
``asset_drift``, field ``drift`` 1 or 0, the difference in ``reason``, tags
``drift`` and ``site``): state, not transitions, as IPAM reconciliation does.
The default rule ``asset-drift`` turns a 1 into one normal-priority ticket per
asset and kind, and the 0 that follows a corrected register resolves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from monitord.assets import facts, writes
from monitord.assets.tables import assets
from monitord.ipam.tables import addresses as ipam_addresses
from monitord.results import ProbeResult, now_ns

MEASUREMENT = "asset_drift"
KIND = "asset"
DRIFT_KINDS = ("serial", "model", "firmware", "address")
REASON_ADDRESSES = 10


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def compare(
    register: Mapping[str, Any], found: Mapping[str, str], seen: Sequence[str]
) -> dict[str, str | None]:
    """Per drift kind, the difference in words, or None when there is none (or nothing to compare)."""
    out: dict[str, str | None] = dict.fromkeys(DRIFT_KINDS)
    for kind in ("serial", "model"):
        ours, theirs = register.get(kind), found.get(kind)
        if ours and theirs and not _same(ours, theirs):
            out[kind] = f"{kind} differs: the register says {ours}, the device reports {theirs}"
    ours, theirs = register.get("firmware"), found.get("firmware_rev")
    if ours and theirs and not _same(ours, theirs):
        out["firmware"] = (
            f"firmware changed: the register says {ours}, the device now runs {theirs} "
            "(set the asset's firmware once the change is known)"
        )
    unknown = sorted(set(seen) - set(register.get("addresses") or ()))
    if unknown:
        shown = ", ".join(unknown[:REASON_ADDRESSES])
        more = f" and {len(unknown) - REASON_ADDRESSES} more" if len(unknown) > REASON_ADDRESSES else ""
        out["address"] = f"answers at {shown}{more}, which the register does not link to the asset"
    return out


def drift_results(tag: str, site: str, verdict: Mapping[str, str | None]) -> list[ProbeResult]:
    stamp = now_ns()
    return [
        ProbeResult(
            measurement=MEASUREMENT,
            target=tag,
            kind=KIND,
            time_ns=stamp,
            ok=True,
            reason=verdict.get(kind),
            fields={"drift": 1 if verdict.get(kind) else 0},
            tags={"site": site, "drift": kind},
        )
        for kind in DRIFT_KINDS
    ]


@dataclass(frozen=True, slots=True)
class Judged:
    tag: str
    site: str
    verdict: dict[str, str | None]


async def judge(
    engine: AsyncEngine, now: dt.datetime, seen_within: float, tags: Sequence[str] | None = None
) -> list[Judged]:
    """The drift of every asset linked to a target (or of ``tags``). A retired asset, or one
    without a target, has none: publishing that resolves what it had."""
    statement = sa.select(assets)
    if tags is not None:
        statement = statement.where(assets.c.tag.in_(list(tags)))
    else:
        statement = statement.where(assets.c.target.is_not(None))
    since = now - dt.timedelta(seconds=seen_within)
    async with engine.connect() as conn:
        rows = (await conn.execute(statement.order_by(assets.c.tag))).mappings().all()
        ids = [r["id"] for r in rows]
        linked = await writes.addresses_of(conn, ids)
        found = await facts.current(conn, ids)
        targets = sorted({r["target"] for r in rows if r["target"]})
        seen: dict[str, list[str]] = {}
        if targets:
            answered = await conn.execute(
                sa.select(ipam_addresses.c.target, ipam_addresses.c.address).where(
                    ipam_addresses.c.target.in_(targets), ipam_addresses.c.last_seen_at >= since
                )
            )
            for target, address in answered.all():
                seen.setdefault(target, []).append(address)
    out = []
    for row in rows:
        if row["status"] == "retired" or not row["target"]:
            verdict: dict[str, str | None] = dict.fromkeys(DRIFT_KINDS)
        else:
            register = {**dict(row), "addresses": linked[row["id"]]}
            verdict = compare(register, found[row["id"]], seen.get(row["target"], []))
        out.append(Judged(row["tag"], row["site"], verdict))
    return out
