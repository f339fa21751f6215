"""Small persisted state a probe keeps between runs and restarts (log offsets, counters)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, PrimaryKeyConstraint, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from monitord.store.base import METADATA
from monitord.store.engine import StateStore

probe_state = Table(
    "probe_state",
    METADATA,
    Column("kind", String(32), nullable=False),
    Column("target", String(128), nullable=False),
    Column("key", String(512), nullable=False),
    Column("value", JSON(), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("kind", "target", "key", name="pk_probe_state"),
)


class ProbeStateRepo:
    """Get and upsert JSON values keyed by (kind, target, key)."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    async def get(self, kind: str, target: str, key: str) -> Any | None:
        query = select(probe_state.c.value).where(
            probe_state.c.kind == kind, probe_state.c.target == target, probe_state.c.key == key
        )
        async with self._store.engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none()

    async def put(self, kind: str, target: str, key: str, value: Any) -> None:
        insert = pg_insert if self._store.dialect == "postgresql" else sqlite_insert
        row = {"kind": kind, "target": target, "key": key, "value": value, "updated_at": datetime.now(UTC)}
        statement = insert(probe_state).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "target", "key"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
        async with self._store.engine.begin() as conn:
            await conn.execute(statement)

    async def delete_target(self, kind: str, target: str) -> None:
        async with self._store.engine.begin() as conn:
            await conn.execute(
                probe_state.delete().where(probe_state.c.kind == kind, probe_state.c.target == target)
            )
