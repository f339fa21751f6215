"""The write steps the API and the CSV importer share, inside a caller's write transaction.

Each step takes the open connection, so a whole import (or one API change) is a
single transaction: the asset row, its linked addresses and the audit entry are
written together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from monitord.assets.records import AUDIT_TYPE, FIELDS, snapshot
from monitord.assets.tables import asset_addresses, assets
from monitord.ipam import audit
from monitord.ipam.tables import addresses as ipam_addresses

COLUMNS = tuple(name for name in FIELDS if name != "addresses")
_CHUNK = 500
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


@dataclass(slots=True)
class AddressLookup:
    """What the IP register and the asset links say about a set of addresses (one query each,
    in chunks), so an import of thousands of rows does not ask per row."""

    registered: set[str] = field(default_factory=set)
    taken: dict[str, tuple[int, str]] = field(default_factory=dict)  # address -> (asset id, tag)

    def problems(self, wanted: Sequence[str], asset_id: int | None) -> list[tuple[str, str]]:
        """Each address must be in the IP register and not linked to another asset."""
        out = []
        for address in wanted:
            owner = self.taken.get(address)
            if address not in self.registered:
                out.append(("addresses", f"{address} is not registered in IPAM (allocate it there first)"))
            elif owner is not None and owner[0] != asset_id:
                out.append(("addresses", f"{address} is already linked to asset {owner[1]}"))
        return out


async def look_up(conn: AsyncConnection, wanted: Sequence[str]) -> AddressLookup:
    found = AddressLookup()
    unique = sorted(set(wanted))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        found.registered.update(
            (
                await conn.execute(
                    sa.select(ipam_addresses.c.address).where(ipam_addresses.c.address.in_(chunk))
                )
            )
            .scalars()
            .all()
        )
        rows = await conn.execute(
            sa.select(asset_addresses.c.address, assets.c.id, assets.c.tag)
            .join(assets, assets.c.id == asset_addresses.c.asset_id)
            .where(asset_addresses.c.address.in_(chunk))
        )
        for address, asset_id, tag in rows.all():
            found.taken[address] = (asset_id, tag)
    return found


async def address_problems(
    conn: AsyncConnection, wanted: Sequence[str], asset_id: int | None
) -> list[tuple[str, str]]:
    """Each address must be in the IP register and not linked to another asset."""
    if not wanted:
        return []
    return (await look_up(conn, wanted)).problems(wanted, asset_id)


async def insert_many(
    conn: AsyncConnection, items: Sequence[Mapping[Any, Any]], actor: str, action: str, stamp: dt.datetime
) -> None:
    """New assets in chunks (rows, then their addresses, then one audit entry each)."""
    for start in range(0, len(items), _CHUNK):
        chunk = [_complete(values) for values in items[start : start + _CHUNK]]
        await conn.execute(
            assets.insert(),
            [{**{n: v[n] for n in COLUMNS}, "created_at": stamp, "updated_at": stamp} for v in chunk],
        )
        ids: dict[str, int] = {
            str(tag): int(asset_id)
            for tag, asset_id in (
                await conn.execute(
                    sa.select(assets.c.tag, assets.c.id).where(assets.c.tag.in_([v["tag"] for v in chunk]))
                )
            ).all()
        }
        links = [{"asset_id": ids[v["tag"]], "address": a} for v in chunk for a in v["addresses"]]
        if links:
            await conn.execute(asset_addresses.insert(), links)
        await audit.record(
            conn,
            [
                audit.entry(actor, action, AUDIT_TYPE, v["tag"], (None, snapshot(v, v["addresses"])))
                for v in chunk
            ],
        )


def _complete(values: Mapping[Any, Any]) -> dict[str, Any]:
    """``values`` with the defaults of every field it lacks (and no None where a list or text goes)."""
    full = {**DEFAULTS, **values}
    if full["notes"] is None:
        full["notes"] = ""
    if full["addresses"] is None:
        full["addresses"] = []
    return full


async def insert(
    conn: AsyncConnection, values: Mapping[Any, Any], actor: str, action: str, stamp: dt.datetime
) -> int:
    """A new asset with its addresses and an audit entry; returns its id."""
    full = _complete(values)
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
