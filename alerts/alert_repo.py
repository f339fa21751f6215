"""Persisting alert states and API silences, so a restart neither re-notifies nor forgets."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.silences import Silence, SilenceSpec
from alerts.state import Alert
from alerts.tables import alert_state, silences
from monitord.config.resolve import validation_problems
from monitord.store.engine import StateStore

log = logging.getLogger("monitord.alerts")

UPSERT_CHUNK = 500


async def upsert(
    conn: AsyncConnection, dialect: str, table: Table, rows: list[dict[str, Any]], key: list[str]
) -> None:
    """Insert or replace ``rows`` (dicts with every column) on either back end."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(rows), UPSERT_CHUNK):
        chunk = rows[start : start + UPSERT_CHUNK]
        statement = insert(table).values(chunk)
        statement = statement.on_conflict_do_update(
            index_elements=key,
            set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in key},
        )
        await conn.execute(statement)


class AlertRepo:
    """Rows of ``alert_state`` and ``silences``."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    async def load(self) -> list[Alert]:
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(select(alert_state))).mappings().all()
        return [Alert.from_row(row) for row in rows]

    async def save(self, alerts: Iterable[Alert], conn: AsyncConnection | None = None) -> None:
        rows = [a.row() for a in alerts]
        if not rows:
            return
        if conn is not None:
            await upsert(conn, self.store.dialect, alert_state, rows, ["fingerprint"])
            return
        async with self.store.engine.begin() as own:
            await upsert(own, self.store.dialect, alert_state, rows, ["fingerprint"])

    async def drop(self, fingerprints: list[str]) -> None:
        if not fingerprints:
            return
        async with self.store.engine.begin() as conn:
            await conn.execute(delete(alert_state).where(alert_state.c.fingerprint.in_(fingerprints)))

    async def load_silences(self) -> list[Silence]:
        """Saved API silences; one that today's rules refuse is skipped, said once, and kept.

        Matchers became strict (RE2, exact operators) after some were saved: such a
        row must not stop the daemon from starting, and deleting it is the admin's call.
        """
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(select(silences))).mappings().all()
        loaded = []
        for row in rows:
            try:
                spec = SilenceSpec.model_validate(row["spec"])
            except ValidationError as exc:
                problems = "; ".join(f"{p}: {m}" if p else m for p, m in validation_problems(exc))
                log.warning("saved silence %s is not valid any more and is ignored: %s", row["id"], problems)
                continue
            loaded.append(
                Silence.from_spec(spec, created_by=row["created_by"], source="api", silence_id=row["id"])
            )
        return loaded

    async def add_silence(self, silence: Silence) -> None:
        async with self.store.engine.begin() as conn:
            await conn.execute(
                silences.insert().values(
                    id=silence.id,
                    spec=silence.spec().model_dump(mode="json"),
                    created_by=silence.created_by,
                    created_at=time.time(),
                )
            )

    async def delete_silence(self, silence_id: str) -> None:
        async with self.store.engine.begin() as conn:
            await conn.execute(delete(silences).where(silences.c.id == silence_id))
