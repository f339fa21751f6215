"""The durable outbox: every message waits here until an endpoint accepted it.

A row per (message, destination URL), with a unique idempotency key. Rows are
written in the same transaction that records "receivers were told", so a crash
either loses both or keeps both; delivered rows are never sent again, so a
restart delays messages but never duplicates them.

Other senders with deliverers of their own share the table (one outbox, one
delivery policy): their rows have a route named ``<sender>:<name>`` with the
sender listed in ``OWN_DELIVERERS``. Each ``Outbox`` sees only its own rows, so
the alert deliverer never picks up a scheduled report and the report deliverer
never an alert. (Technician contacts, ``technician:<name>``, are routes the alert
deliverer itself resolves: they are not in the list.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.tables import outbox
from monitord.store.engine import StateStore


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    key: str
    route: str
    url_index: int
    title: str
    body: str
    short: str
    notify_type: str
    created_at: float
    attempts: int
    digest: bool = False


# Senders whose rows another deliverer sends (scheduled reports attach their PDF).
OWN_DELIVERERS = ("report",)


def sender_route(sender: str, name: str) -> str:
    """The route column of a row another sender (e.g. ``report``) owns."""
    return f"{sender}:{name}"


class Outbox:
    def __init__(self, store: StateStore, sender: str | None = None) -> None:
        """``sender`` None: every row but those of ``OWN_DELIVERERS``; else that sender's rows."""
        self.store = store
        self.sender = sender

    def _mine(self) -> ColumnElement[bool]:
        if self.sender is None:
            return and_(*(~outbox.c.route.startswith(f"{s}:", autoescape=True) for s in OWN_DELIVERERS))
        return outbox.c.route.startswith(f"{self.sender}:", autoescape=True)

    @staticmethod
    async def add(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            await conn.execute(
                outbox.insert().values(
                    **{
                        "attempts": 0,
                        "delivered_at": None,
                        "gave_up_at": None,
                        "last_error": None,
                        "digest": False,
                        **row,
                    }
                )
            )

    async def due(self, now: float, limit: int = 100) -> list[Pending]:
        query = (
            select(outbox)
            .where(
                outbox.c.delivered_at.is_(None),
                outbox.c.gave_up_at.is_(None),
                outbox.c.next_attempt_at <= now,
                self._mine(),
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            Pending(
                id=r["id"],
                key=r["key"],
                route=r["route"],
                url_index=r["url_index"],
                title=r["title"],
                body=r["body"],
                short=r["short"],
                notify_type=r["notify_type"],
                created_at=r["created_at"],
                attempts=r["attempts"],
                digest=bool(r["digest"]),
            )
            for r in rows
        ]

    async def next_due(self) -> float | None:
        query = select(func.min(outbox.c.next_attempt_at)).where(
            outbox.c.delivered_at.is_(None), outbox.c.gave_up_at.is_(None), self._mine()
        )
        async with self.store.engine.connect() as conn:
            value = (await conn.execute(query)).scalar()
        return None if value is None else float(value)

    async def delivered(self, row_ids: int | list[int], now: float) -> None:
        ids = [row_ids] if isinstance(row_ids, int) else row_ids
        async with self.store.engine.begin() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids))
                .values(delivered_at=now, attempts=outbox.c.attempts + 1, last_error=None)
            )

    async def failed(self, row_ids: int | list[int], error: str, retry_at: float | None, now: float) -> None:
        values: dict[str, Any] = {"attempts": outbox.c.attempts + 1, "last_error": error[:1000]}
        if retry_at is None:
            values["gave_up_at"] = now
        else:
            values["next_attempt_at"] = retry_at
        ids = [row_ids] if isinstance(row_ids, int) else row_ids
        async with self.store.engine.begin() as conn:
            await conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(**values))

    async def postpone(self, row_ids: list[int], at: float) -> None:
        """Hold rows back (their destination is failing) without counting an attempt."""
        async with self.store.engine.begin() as conn:
            await conn.execute(update(outbox).where(outbox.c.id.in_(row_ids)).values(next_attempt_at=at))

    async def counts(self) -> dict[str, int]:
        async with self.store.engine.connect() as conn:
            pending = (
                await conn.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.delivered_at.is_(None), outbox.c.gave_up_at.is_(None))
                )
            ).scalar_one()
            failed = (
                await conn.execute(
                    select(func.count()).select_from(outbox).where(outbox.c.gave_up_at.is_not(None))
                )
            ).scalar_one()
        return {"pending": int(pending), "gave_up": int(failed)}

    async def prune(self, before: float) -> None:
        """Forget delivered rows older than ``before`` (their keys can no longer recur)."""
        async with self.store.engine.begin() as conn:
            await conn.execute(delete(outbox).where(outbox.c.delivered_at < before))
