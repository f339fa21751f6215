"""The audit log: who (the token's name, never the token) changed what, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.ipam.records import iso
from monitord.ipam.tables import audit
from monitord.ipam.transactions import now


def entry(actor: str, action: str, object_type: str, key: str, change: tuple[Any, Any]) -> dict[str, Any]:
    """One audit row (``change`` is ``(before, after)``), inserted in the change's own transaction."""
    return {
        "at": now(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_key": key,
        "before": change[0],
        "after": change[1],
    }


async def record(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(audit.insert(), rows)


async def query(
    engine: AsyncEngine,
    *,
    object_key: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` pages further back. The register of assets writes here too
    (``object_type`` ``asset``), so one log answers "who changed what"."""
    statement = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
    if object_key is not None:
        statement = statement.where(audit.c.object_key == object_key)
    if object_type is not None:
        statement = statement.where(audit.c.object_type == object_type)
    if actor is not None:
        statement = statement.where(audit.c.actor == actor)
    if since is not None:
        statement = statement.where(audit.c.at >= since)
    if before_id is not None:
        statement = statement.where(audit.c.id < before_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(statement)).mappings().all()
    return [
        {
            "id": r["id"],
            "at": iso(r["at"]),
            "actor": r["actor"],
            "action": r["action"],
            "object_type": r["object_type"],
            "object": r["object_key"],
            "before": r["before"],
            "after": r["after"],
        }
        for r in rows
    ]
