"""Discovered facts beside the asset: one row per fact with when it was first and last seen.

A value seen again moves ``last_seen``; a new value replaces the row and starts
``first_seen`` again. ``asset_discovery`` keeps the last attempt's time and
error (or when it last succeeded), so the register shows how fresh its facts
are. The facts of the last successful run are the ones drift reads: a fact a
device stopped reporting keeps its old ``last_seen`` and is not compared.

The register's ``firmware`` is a baseline: the first firmware a device reports
fills an empty field (audited as actor ``discovery``); later a different one is
drift until someone corrects the register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.assets import writes
from monitord.assets.tables import asset_discovery, asset_facts, assets
from monitord.ipam.transactions import write_transaction

ACTOR = "discovery"
MAX_ERROR = 500


async def _outcome(
    conn: AsyncConnection, asset_id: int, target: str, at: dt.datetime, error: str | None
) -> None:
    values: dict[str, Any] = {"target": target, "attempted_at": at, "error": error}
    if error is None:
        values["succeeded_at"] = at
    found = (
        await conn.execute(
            sa.select(asset_discovery.c.asset_id).where(asset_discovery.c.asset_id == asset_id)
        )
    ).first()
    if found is None:
        await conn.execute(asset_discovery.insert().values(asset_id=asset_id, **values))
    else:
        await conn.execute(
            asset_discovery.update().where(asset_discovery.c.asset_id == asset_id).values(**values)
        )


async def record_failure(
    engine: AsyncEngine, asset_id: int, target: str, error: str, at: dt.datetime
) -> None:
    async with write_transaction(engine) as conn:
        await _outcome(conn, asset_id, target, at, error[:MAX_ERROR])


async def record_success(
    engine: AsyncEngine, asset_id: int, target: str, facts: Mapping[str, tuple[str, str]], at: dt.datetime
) -> bool:
    """Store ``facts`` (name -> (source, value)); True when the register's empty firmware was
    filled from them."""
    async with write_transaction(engine) as conn:
        old = {
            r["name"]: r
            for r in (
                await conn.execute(sa.select(asset_facts).where(asset_facts.c.asset_id == asset_id))
            ).mappings()
        }
        for name, (source, value) in facts.items():
            row = old.get(name)
            if row is None:
                await conn.execute(
                    asset_facts.insert().values(
                        asset_id=asset_id, source=source, name=name, value=value, first_seen=at, last_seen=at
                    )
                )
            elif row["value"] == value and row["source"] == source:
                await conn.execute(
                    asset_facts.update().where(asset_facts.c.id == row["id"]).values(last_seen=at)
                )
            else:
                await conn.execute(
                    asset_facts.update()
                    .where(asset_facts.c.id == row["id"])
                    .values(source=source, value=value, first_seen=at, last_seen=at)
                )
        await _outcome(conn, asset_id, target, at, None)
        firmware = facts["firmware_rev"][1] if "firmware_rev" in facts else None
        if not firmware:
            return False
        asset = (await conn.execute(sa.select(assets).where(assets.c.id == asset_id))).mappings().first()
        if asset is None or asset["firmware"]:
            return False
        linked = (await writes.addresses_of(conn, [asset_id]))[asset_id]
        new = {**dict(asset), "firmware": firmware[:128], "addresses": linked}
        await writes.update(conn, asset, linked, new, actor=ACTOR, action="discover", stamp=at)
        return True


async def current(conn: AsyncConnection, asset_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Per asset, the facts its last successful discovery reported (empty: never discovered)."""
    out: dict[int, dict[str, str]] = {asset_id: {} for asset_id in asset_ids}
    for start in range(0, len(asset_ids), 500):
        chunk = list(asset_ids[start : start + 500])
        rows = await conn.execute(
            sa.select(asset_facts.c.asset_id, asset_facts.c.name, asset_facts.c.value)
            .join(asset_discovery, asset_discovery.c.asset_id == asset_facts.c.asset_id)
            .where(
                asset_facts.c.asset_id.in_(chunk),
                asset_facts.c.last_seen == asset_discovery.c.succeeded_at,
            )
        )
        for asset_id, name, value in rows.all():
            out[asset_id][name] = value
    return out
