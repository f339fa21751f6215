"""Applying a CSV import: all rows or none, in one write transaction, every change audited."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from monitord.errors import RequestError
from monitord.ipam import audit
from monitord.ipam.allocator import Allocator
from monitord.ipam.records import address_audit
from monitord.ipam.spreadsheet import plan_import
from monitord.ipam.tables import addresses, subnets
from monitord.ipam.transactions import now, write_transaction

_CHUNK = 500


class ImportRejected(RequestError):
    """Some rows are bad; ``report`` lists each with its line number. Nothing was written."""

    def __init__(self, report: dict[str, Any]) -> None:
        count = len(report["errors"])
        super().__init__(f"{count} bad rows; nothing was imported", field="csv", status=422)
        self.report = report


async def import_csv(
    allocator: Allocator,
    text: str,
    actor: str,
    *,
    dry_run: bool,
    line_offset: int = 0,
    targets: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The plan (dry run), or the plan applied; raises ``ImportRejected`` on any bad row."""
    engine = allocator.engine
    if dry_run:
        async with engine.connect() as conn:
            plan = await plan_import(conn, text, line_offset, targets)
        return {"dry_run": True, **plan.summary()}
    touched: set[int] = set()
    try:
        async with write_transaction(engine) as conn:
            plan = await plan_import(conn, text, line_offset, targets)
            if plan.problems:
                raise ImportRejected({"dry_run": False, **plan.summary()})
            touched = {v["subnet_id"] for v in plan.creates} | {
                sid for old, new in plan.updates for sid in (old["subnet_id"], new["subnet_id"])
            }
            if touched and conn.dialect.name == "postgresql":
                # The same row locks allocators take, in id order so two imports cannot deadlock.
                await conn.execute(
                    sa.select(subnets.c.id)
                    .where(subnets.c.id.in_(sorted(touched)))
                    .order_by(subnets.c.id)
                    .with_for_update()
                )
            stamp = now()
            entries = []
            creates = [{**v, "created_at": stamp, "updated_at": stamp} for v in plan.creates]
            for start in range(0, len(creates), _CHUNK):
                await conn.execute(addresses.insert(), creates[start : start + _CHUNK])
            entries += [
                audit.entry(actor, "import", "address", v["address"], (None, address_audit(v)))
                for v in plan.creates
            ]
            for old, new in plan.updates:
                await conn.execute(
                    addresses.update().where(addresses.c.id == old["id"]).values(**new, updated_at=stamp)
                )
                entries.append(
                    audit.entry(
                        actor, "import", "address", new["address"], (address_audit(old), address_audit(new))
                    )
                )
            for start in range(0, len(entries), _CHUNK):
                await audit.record(conn, entries[start : start + _CHUNK])
            if touched:
                await conn.execute(
                    subnets.update()
                    .where(subnets.c.id.in_(sorted(touched)))
                    .values(generation=subnets.c.generation + 1, updated_at=stamp)
                )
    finally:
        for subnet_id in touched:
            allocator.forget(subnet_id)
    return {"dry_run": False, **plan.summary()}
