"""Subnets and their ranges: creation with nesting and overlap checks, deletion, utilisation.

Subnets nest (a /24 inside a /16); a child's space is carved out of its parent,
so allocation in the parent never lands in a child (``IPSet(prefix) -
IPSet(children)`` as NetBox puts it). Every change to the tree runs under the
tree lock and bumps the generation of each subnet whose free space moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from netaddr import IPAddress, IPNetwork
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.ipam import audit
from monitord.ipam.addressing import parse_address
from monitord.ipam.records import range_json, subnet_json
from monitord.ipam.reserved import reserved_reason, usable_bounds, usable_count
from monitord.ipam.tables import addresses, findings, ranges, subnets
from monitord.ipam.transactions import bump_generation, lock_subnet, now, write_transaction


@dataclass(frozen=True, slots=True)
class NewSubnet:
    network: IPNetwork
    name: str | None = None
    site: str | None = None
    vlan: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class NewRange:
    name: str
    kind: str
    first: str
    last: str
    description: str = ""


async def _all_subnets(conn: AsyncConnection) -> list[tuple[int, IPNetwork, int | None]]:
    rows = (await conn.execute(sa.select(subnets.c.id, subnets.c.cidr, subnets.c.parent_id))).all()
    return [(r.id, IPNetwork(r.cidr), r.parent_id) for r in rows]


def _most_specific_parent(
    network: IPNetwork, existing: Sequence[tuple[int, IPNetwork, int | None]]
) -> tuple[int, IPNetwork] | None:
    best: tuple[int, IPNetwork] | None = None
    for subnet_id, other, _parent in existing:
        contains = (
            other.version == network.version and other.prefixlen < network.prefixlen and (network in other)
        )
        if contains and (best is None or other.prefixlen > best[1].prefixlen):
            best = (subnet_id, other)
    return best


async def create_subnet(engine: AsyncEngine, spec: NewSubnet, actor: str) -> dict[str, Any]:
    network = spec.network
    async with write_transaction(engine) as conn:
        existing = await _all_subnets(conn)
        for subnet_id, other, _parent in existing:
            if other == network:
                raise ConflictError(f"subnet {network} already exists (id {subnet_id})", field="cidr")
        parent = _most_specific_parent(network, existing)
        parent_id = parent[0] if parent else None
        if parent_id is not None:
            # Hold the parent's row lock (as allocations and range changes in it do) before
            # reading its ranges and addresses, so neither changes until the child is in. The
            # foreign-key check of the INSERT below locks the parent too, but only after the
            # range check, and only by accident of the schema.
            await lock_subnet(conn, parent_id)
            for r in (await conn.execute(sa.select(ranges).where(ranges.c.subnet_id == parent_id))).all():
                first, last = int(IPAddress(r.first)), int(IPAddress(r.last))
                if first <= network.last and last >= network.first:
                    raise ConflictError(
                        f"{network} overlaps range {r.name!r} ({r.first}-{r.last}) of subnet "
                        f"{parent[1] if parent else ''}",
                        field="cidr",
                    )
        stamp = now()
        values = {
            "cidr": str(network),
            "family": network.version,
            "parent_id": parent_id,
            "site": spec.site,
            "vlan": spec.vlan,
            "name": spec.name,
            "description": spec.description,
            "generation": 0,
            "created_at": stamp,
            "updated_at": stamp,
        }
        new_id = (await conn.execute(subnets.insert().values(**values).returning(subnets.c.id))).scalar_one()
        # Existing subnets inside the new one now hang below it.
        adopted = [
            sid
            for sid, other, p in existing
            if p == parent_id
            and other.version == network.version
            and other.prefixlen > network.prefixlen
            and other in network
        ]
        if adopted:
            await conn.execute(subnets.update().where(subnets.c.id.in_(adopted)).values(parent_id=new_id))
        if parent_id is not None:
            await _rehome_addresses(conn, parent_id, new_id, network)
            await bump_generation(conn, parent_id)
        row = (await conn.execute(sa.select(subnets).where(subnets.c.id == new_id))).mappings().one()
        out = subnet_json(row)
        await audit.record(conn, [audit.entry(actor, "create", "subnet", str(network), (None, out))])
    return out


async def update_subnet(
    engine: AsyncEngine, subnet_id: int, changes: dict[str, Any], actor: str
) -> dict[str, Any]:
    """Change the descriptive fields (``name``, ``site``, ``vlan``, ``description``); the CIDR stays."""
    async with write_transaction(engine, subnet_id=subnet_id) as conn:
        await lock_subnet(conn, subnet_id)
        before = (await conn.execute(sa.select(subnets).where(subnets.c.id == subnet_id))).mappings().one()
        await conn.execute(
            subnets.update().where(subnets.c.id == subnet_id).values(**changes, updated_at=now())
        )
        after = (await conn.execute(sa.select(subnets).where(subnets.c.id == subnet_id))).mappings().one()
        await audit.record(
            conn,
            [
                audit.entry(
                    actor, "update", "subnet", after["cidr"], (subnet_json(before), subnet_json(after))
                )
            ],
        )
    return subnet_json(after)


async def _rehome_addresses(conn: AsyncConnection, parent_id: int, child_id: int, network: IPNetwork) -> None:
    """Addresses the parent held inside the new child belong to the child from now on."""
    rows = (
        await conn.execute(sa.select(addresses.c.address).where(addresses.c.subnet_id == parent_id))
    ).all()
    moving = []
    for (text,) in rows:
        value = IPAddress(text)
        if value in network:
            reason = reserved_reason(network, int(value))
            if reason is not None:
                raise ConflictError(f"registered address {text} {reason} of {network}", field="cidr")
            moving.append(text)
    for start in range(0, len(moving), 500):
        await conn.execute(
            addresses.update()
            .where(addresses.c.address.in_(moving[start : start + 500]))
            .values(subnet_id=child_id)
        )


async def delete_subnet(engine: AsyncEngine, subnet_id: int, actor: str) -> None:
    async with write_transaction(engine) as conn:
        await lock_subnet(conn, subnet_id)  # waits for allocations running in it; 404 if missing
        row = (await conn.execute(sa.select(subnets).where(subnets.c.id == subnet_id))).mappings().one()
        used = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(addresses).where(addresses.c.subnet_id == subnet_id)
            )
        ).scalar_one()
        if used:
            raise ConflictError(
                f"subnet {row['cidr']} still has {used} addresses; release them first", field="subnet_id"
            )
        children = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(subnets).where(subnets.c.parent_id == subnet_id)
            )
        ).scalar_one()
        if children:
            raise ConflictError(
                f"subnet {row['cidr']} has {children} child subnets; delete them first", field="subnet_id"
            )
        if row["parent_id"] is not None:
            # The space returns to the parent: wait for allocations running in the parent.
            await lock_subnet(conn, row["parent_id"])
        await conn.execute(ranges.delete().where(ranges.c.subnet_id == subnet_id))
        await conn.execute(findings.delete().where(findings.c.subnet_id == subnet_id))
        await conn.execute(subnets.delete().where(subnets.c.id == subnet_id))
        if row["parent_id"] is not None:
            await bump_generation(conn, row["parent_id"])
        await audit.record(
            conn, [audit.entry(actor, "delete", "subnet", row["cidr"], (subnet_json(row), None))]
        )


async def get_subnet(engine: AsyncEngine, subnet_id: int) -> dict[str, Any]:
    rows = await list_subnets(engine, subnet_id=subnet_id)
    if not rows:
        raise NotFoundError(f"no subnet with id {subnet_id}", field="subnet_id")
    return rows[0]


async def list_subnets(
    engine: AsyncEngine, *, site: str | None = None, subnet_id: int | None = None
) -> list[dict[str, Any]]:
    """Subnets with utilisation: addresses registered, child space, usable total and percent."""
    query = sa.select(subnets).order_by(subnets.c.family, subnets.c.cidr)
    if site is not None:
        query = query.where(subnets.c.site == site)
    if subnet_id is not None:
        query = query.where(subnets.c.id == subnet_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
        counts: dict[int, int] = {
            int(r[0]): int(r[1])
            for r in (
                await conn.execute(
                    sa.select(addresses.c.subnet_id, sa.func.count()).group_by(addresses.c.subnet_id)
                )
            ).all()
        }
        children = (
            await conn.execute(
                sa.select(subnets.c.parent_id, subnets.c.cidr).where(subnets.c.parent_id.is_not(None))
            )
        ).all()
        range_rows = (await conn.execute(sa.select(ranges).order_by(ranges.c.id))).mappings().all()
    child_space: dict[int, int] = {}
    for parent_id, cidr in children:
        child_space[parent_id] = child_space.get(parent_id, 0) + IPNetwork(cidr).size
    out = []
    for row in sorted(rows, key=lambda r: IPNetwork(r["cidr"]).sort_key()):
        network = IPNetwork(row["cidr"])
        total = usable_count(network)
        registered = int(counts.get(row["id"], 0))
        used = min(total, registered + child_space.get(row["id"], 0))
        item = subnet_json(row)
        item["utilisation"] = {
            "addresses": registered,
            "child_space": child_space.get(row["id"], 0),
            "used": used,
            "total": total,
            "free": total - used,
            "percent": round(100.0 * used / total, 2) if total else 100.0,
        }
        item["ranges"] = [range_json(r) for r in range_rows if r["subnet_id"] == row["id"]]
        out.append(item)
    return out


def check_range(
    network: IPNetwork, name: str, first_text: str, last_text: str, existing: Sequence[Any]
) -> tuple[IPAddress, IPAddress]:
    """The bounds of a new range ``name`` of ``network``, or the 4xx that says why not.

    ``existing`` are the subnet's ranges (rows or mappings with name, first, last).
    """
    first, last = parse_address(first_text, "first"), parse_address(last_text, "last")
    for field, value in (("first", first), ("last", last)):
        if value.version != network.version or value not in network:
            raise RequestError(f"{value} is outside subnet {network}", field=field, status=422)
    if int(first) > int(last):
        raise RequestError(f"first {first} comes after last {last}", field="last", status=422)
    bounds = usable_bounds(network)
    if bounds is None or int(first) < bounds[0] or int(last) > bounds[1]:
        raise RequestError(
            f"range {first}-{last} includes a reserved address of {network}", field="first", status=422
        )
    for other in existing:
        if other["name"] == name:
            raise ConflictError(f"subnet {network} already has a range named {name!r}", field="name")
        if int(IPAddress(other["first"])) <= int(last) and int(IPAddress(other["last"])) >= int(first):
            raise ConflictError(
                f"{first}-{last} overlaps range {other['name']!r} ({other['first']}-{other['last']})",
                field="first",
            )
    return first, last


async def create_range(engine: AsyncEngine, subnet_id: int, spec: NewRange, actor: str) -> dict[str, Any]:
    async with write_transaction(engine, subnet_id=subnet_id) as conn:
        subnet = await lock_subnet(conn, subnet_id)
        network = IPNetwork(subnet.cidr)
        existing = (
            (await conn.execute(sa.select(ranges).where(ranges.c.subnet_id == subnet_id))).mappings().all()
        )
        first, last = check_range(network, spec.name, spec.first, spec.last, existing)
        values = {
            "subnet_id": subnet_id,
            "name": spec.name,
            "kind": spec.kind,
            "first": str(first),
            "last": str(last),
            "description": spec.description,
        }
        new_id = (await conn.execute(ranges.insert().values(**values).returning(ranges.c.id))).scalar_one()
        await bump_generation(conn, subnet_id)
        out = range_json({"id": new_id, **values})
        await audit.record(
            conn, [audit.entry(actor, "create", "range", f"{network}:{spec.name}", (None, out))]
        )
    return out


async def change_range(
    engine: AsyncEngine, subnet_id: int, name: str, changes: dict[str, Any], actor: str
) -> dict[str, Any]:
    """Change a range's ``kind`` and/or ``description`` (e.g. mark a pool as DHCP); bounds never move."""
    async with write_transaction(engine, subnet_id=subnet_id) as conn:
        subnet = await lock_subnet(conn, subnet_id)
        row = (
            (
                await conn.execute(
                    sa.select(ranges).where(ranges.c.subnet_id == subnet_id, ranges.c.name == name)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"subnet {subnet.cidr} has no range named {name!r}", field="name")
        before = range_json(row)
        after = {**before, **changes}
        if after != before:
            await conn.execute(ranges.update().where(ranges.c.id == row["id"]).values(**changes))
            await bump_generation(conn, subnet_id)
            await audit.record(
                conn, [audit.entry(actor, "update", "range", f"{subnet.cidr}:{name}", (before, after))]
            )
    return after


async def delete_range(engine: AsyncEngine, subnet_id: int, name: str, actor: str) -> None:
    async with write_transaction(engine, subnet_id=subnet_id) as conn:
        subnet = await lock_subnet(conn, subnet_id)
        row = (
            (
                await conn.execute(
                    sa.select(ranges).where(ranges.c.subnet_id == subnet_id, ranges.c.name == name)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"subnet {subnet.cidr} has no range named {name!r}", field="name")
        await conn.execute(ranges.delete().where(ranges.c.id == row["id"]))
        await bump_generation(conn, subnet_id)
        await audit.record(
            conn, [audit.entry(actor, "delete", "range", f"{subnet.cidr}:{name}", (range_json(row), None))]
        )
