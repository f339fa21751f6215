"""The durable outbox: every message waits here until an endpoint accepted it.

A row per (message, destination URL), with a unique idempotency key. Rows are
written in the same transaction that records "receivers were told", so a crash
either loses both or keeps both; delivered rows are never sent again, so a
restart delays messages but never duplicates them.

In a cluster every node sends: ``due`` then claims its rows through the
coordination's ``OutboxClaims`` (``FOR UPDATE SKIP LOCKED`` and a claim lease,
``monitord.cluster.claims``), and marking rows delivered, failed or postponed
drops the claim in the same transaction. A single node claims nothing.

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
from monitord.coordination import OutboxClaims, RouteScope
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
    def __init__(
        self, store: StateStore, claims: OutboxClaims | None = None, sender: str | None = None
    ) -> None:
        """``sender`` None: every row but those of ``OWN_DELIVERERS``; else that sender's rows."""
        self.store = store
        self.claims = claims
        self.sender = sender

    def _mine(self) -> ColumnElement[bool]:
        if self.sender is None:
            return and_(*(~outbox.c.route.startswith(f"{s}:", autoescape=True) for s in OWN_DELIVERERS))
        return outbox.c.route.startswith(f"{self.sender}:", autoescape=True)

    def _scope(self) -> RouteScope:
        if self.sender is None:
            return RouteScope(None, tuple(f"{s}:%" for s in OWN_DELIVERERS))
        return RouteScope(f"{self.sender}:%")

    def may_send(self, margin: float) -> bool:
        """Whether this node's claims on the rows of the last ``due`` outlast ``margin`` seconds."""
        return self.claims is None or self.claims.may_send(margin)

    async def release(self, row_ids: list[int]) -> None:
        """Give claimed rows back unsent (their claim was about to run out)."""
        if self.claims is None or not row_ids:
            return
        async with self.store.engine.begin() as conn:
            await self.claims.release(conn, row_ids)

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
        """Rows to send now; in a cluster only those this node has just claimed."""
        if self.claims is not None:
            async with self.store.engine.begin() as conn:
                ids = await self.claims.claim(conn, now, limit, self._scope())
                if not ids:
                    return []
                query = select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id)
                rows = (await conn.execute(query)).mappings().all()
        else:
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
            if self.claims is not None:
                value = await self.claims.next_due(conn, self._scope())
            else:
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
            if self.claims is not None:
                await self.claims.release(conn, ids)

    async def failed(self, row_ids: int | list[int], error: str, retry_at: float | None, now: float) -> None:
        values: dict[str, Any] = {"attempts": outbox.c.attempts + 1, "last_error": error[:1000]}
        if retry_at is None:
            values["gave_up_at"] = now
        else:
            values["next_attempt_at"] = retry_at
        ids = [row_ids] if isinstance(row_ids, int) else row_ids
        async with self.store.engine.begin() as conn:
            await conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(**values))
            if self.claims is not None:
                await self.claims.release(conn, ids)

    async def postpone(self, row_ids: list[int], at: float) -> None:
        """Hold rows back (their destination is failing) without counting an attempt."""
        async with self.store.engine.begin() as conn:
            await conn.execute(update(outbox).where(outbox.c.id.in_(row_ids)).values(next_attempt_at=at))
            if self.claims is not None:
                await self.claims.release(conn, row_ids)

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
