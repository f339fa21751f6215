"""Changing registered addresses: release and update, each audited in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from monitord.errors import NotFoundError
from monitord.ipam import audit
from monitord.ipam.addressing import parse_address
from monitord.ipam.allocator import Allocator
from monitord.ipam.records import address_audit, address_json
from monitord.ipam.tables import addresses, idempotency
from monitord.ipam.transactions import bump_generation, lock_subnet, now, write_transaction


async def _subnet_of(engine: AsyncEngine, text: str) -> tuple[str, int]:
    address = str(parse_address(text))
    async with engine.connect() as conn:
        subnet_id = (
            await conn.execute(sa.select(addresses.c.subnet_id).where(addresses.c.address == address))
        ).scalar_one_or_none()
    if subnet_id is None:
        raise NotFoundError(f"{address} is not registered", field="address")
    return address, int(subnet_id)


async def release(allocator: Allocator, text: str, actor: str) -> dict[str, Any]:
    """Free a registered address (and forget the idempotency keys that pointed at it)."""
    address, subnet_id = await _subnet_of(allocator.engine, text)
    try:
        async with write_transaction(allocator.engine, subnet_id=subnet_id) as conn:
            subnet = await lock_subnet(conn, subnet_id)
            row = (
                (await conn.execute(sa.select(addresses).where(addresses.c.address == address)))
                .mappings()
                .first()
            )
            if row is None or row["subnet_id"] != subnet_id:
                raise NotFoundError(f"{address} is not registered", field="address")
            await conn.execute(addresses.delete().where(addresses.c.id == row["id"]))
            await conn.execute(idempotency.delete().where(idempotency.c.address == address))
            await bump_generation(conn, subnet_id)
            await audit.record(
                conn, [audit.entry(actor, "release", "address", address, (address_audit(row), None))]
            )
            allocator.note_released(subnet, int(parse_address(address)))
    except BaseException:
        allocator.forget(subnet_id)
        raise
    return address_json(row)


@dataclass(frozen=True, slots=True)
class AddressChanges:
    """Fields to change; ``None`` leaves a field as it is (``""`` clears a text field)."""

    status: str | None = None
    hostname: str | None = None
    mac: str | None = None
    description: str | None = None
    owner: str | None = None
    target: str | None = None


async def update(engine: AsyncEngine, text: str, changes: AddressChanges, actor: str) -> dict[str, Any]:
    address, subnet_id = await _subnet_of(engine, text)
    async with write_transaction(engine, subnet_id=subnet_id) as conn:
        await lock_subnet(conn, subnet_id)
        row = (
            (await conn.execute(sa.select(addresses).where(addresses.c.address == address)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"{address} is not registered", field="address")
        values: dict[str, Any] = {}
        for name in ("status", "hostname", "mac", "description", "owner", "target"):
            value = getattr(changes, name)
            if value is not None:
                values[name] = value if value != "" or name == "description" else None
        values["updated_at"] = now()
        await conn.execute(addresses.update().where(addresses.c.id == row["id"]).values(**values))
        after = (await conn.execute(sa.select(addresses).where(addresses.c.id == row["id"]))).mappings().one()
        await audit.record(
            conn,
            [audit.entry(actor, "update", "address", address, (address_audit(row), address_audit(after)))],
        )
    return address_json(after)
