"""The write steps the API and the CSV importer share, inside a caller's write transaction.

Each step takes the open connection, so a whole import (or one API change) is a
single transaction: the asset row, its linked addresses and the audit entry are
written together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from monitord.assets.records import AUDIT_TYPE, FIELDS, snapshot
from monitord.assets.tables import asset_addresses, assets
from monitord.ipam import audit
from monitord.ipam.tables import addresses as ipam_addresses

COLUMNS = tuple(name for name in FIELDS if name != "addresses")
# What a new asset gets for a field it was not given.
DEFAULTS: dict[str, Any] = {
    "vendor": None,
    "model": None,
    "serial": None,
    "firmware": None,
    "room": None,
    "rack": None,
    "owner": None,
    "purchase_date": None,
    "warranty_end": None,
    "status": "in-use",
    "notes": "",
    "target": None,
    "pos_terminal": None,
    "addresses": [],
}


async def addresses_of(conn: AsyncConnection, asset_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {asset_id: [] for asset_id in asset_ids}
    for start in range(0, len(asset_ids), 500):
        chunk = list(asset_ids[start : start + 500])
        rows = await conn.execute(
            sa.select(asset_addresses.c.asset_id, asset_addresses.c.address)
            .where(asset_addresses.c.asset_id.in_(chunk))
            .order_by(asset_addresses.c.address)
        )
        for asset_id, address in rows.all():
            out[asset_id].append(address)
    return out


async def address_problems(
    conn: AsyncConnection, wanted: Sequence[str], asset_id: int | None
) -> list[tuple[str, str]]:
    """Each address must be in the IP register and not linked to another asset."""
    if not wanted:
        return []
    registered = set(
        (await conn.execute(sa.select(ipam_addresses.c.address).where(ipam_addresses.c.address.in_(wanted))))
        .scalars()
        .all()
    )
    taken = {
        address: tag
        for address, tag in (
            await conn.execute(
                sa.select(asset_addresses.c.address, assets.c.tag)
                .join(assets, assets.c.id == asset_addresses.c.asset_id)
                .where(asset_addresses.c.address.in_(wanted), asset_addresses.c.asset_id != (asset_id or -1))
            )
        ).all()
    }
    out = []
    for address in wanted:
        if address not in registered:
            out.append(("addresses", f"{address} is not registered in IPAM (allocate it there first)"))
        elif address in taken:
            out.append(("addresses", f"{address} is already linked to asset {taken[address]}"))
    return out


async def insert(
    conn: AsyncConnection, values: Mapping[Any, Any], actor: str, action: str, stamp: dt.datetime
) -> int:
    """A new asset with its addresses and an audit entry; returns its id."""
    full = {**DEFAULTS, **values}
    if full["notes"] is None:
        full["notes"] = ""
    if full["addresses"] is None:
        full["addresses"] = []
    row = {name: full[name] for name in COLUMNS}
    inserted = await conn.execute(
        assets.insert().values(**row, created_at=stamp, updated_at=stamp).returning(assets.c.id)
    )
    asset_id = int(inserted.scalar_one())
    linked = list(full["addresses"])
    if linked:
        await conn.execute(asset_addresses.insert(), [{"asset_id": asset_id, "address": a} for a in linked])
    await audit.record(
        conn, [audit.entry(actor, action, AUDIT_TYPE, full["tag"], (None, snapshot(full, linked)))]
    )
    return asset_id


async def update(
    conn: AsyncConnection,
    old: Mapping[Any, Any],
    old_addresses: Sequence[str],
    new: Mapping[Any, Any],
    *,
    actor: str,
    action: str,
    stamp: dt.datetime,
) -> None:
    """Write ``new`` (every register field) over ``old``, with an audit entry of both."""
    asset_id = old["id"]
    changed = {name: new[name] for name in COLUMNS if name != "tag" and new[name] != old[name]}
    await conn.execute(assets.update().where(assets.c.id == asset_id).values(**changed, updated_at=stamp))
    wanted = list(new["addresses"])
    if sorted(wanted) != sorted(old_addresses):
        await conn.execute(asset_addresses.delete().where(asset_addresses.c.asset_id == asset_id))
        if wanted:
            await conn.execute(
                asset_addresses.insert(), [{"asset_id": asset_id, "address": a} for a in wanted]
            )
    before = snapshot(old, old_addresses)
    after = snapshot(new, wanted)
    await audit.record(conn, [audit.entry(actor, action, AUDIT_TYPE, old["tag"], (before, after))])
