"""Write transactions that serialise IPAM writers across processes, enforced by the database.

SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock up front, so a
second process (a CLI import, another daemon) waits in the busy handler instead
of reading a stale free list. PostgreSQL: the subnet's row is locked with
``SELECT ... FOR UPDATE`` (subnet-tree changes take a transaction-scoped
advisory lock, as NetBox does). The asyncio lock in front only queues this
process's own writers so they do not spin in SQLite's busy handler; the
guarantee comes from the database and the unique constraint on addresses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.errors import NotFoundError, RequestError
from monitord.ipam.tables import subnets

TREE_LOCK_ID = 0x6970616D  # "ipam": serialises subnet creation and deletion on PostgreSQL
LOCK_TIMEOUT_MS = 10_000  # as long as SQLite's busy_timeout in the state store


class RegisterBusy(RequestError):
    """Another writer held the register's lock for longer than the lock timeout."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"the IP register is busy (another writer holds its lock): {detail}; retry", status=503
        )


_LOCKS: WeakKeyDictionary[AsyncEngine, dict[int | None, asyncio.Lock]] = WeakKeyDictionary()


def now() -> datetime:
    return datetime.now(UTC)


def _local_lock(engine: AsyncEngine, key: int | None) -> asyncio.Lock:
    per_engine = _LOCKS.setdefault(engine, {})
    # SQLite has one write lock for the whole file: one queue per engine is enough.
    slot = None if engine.dialect.name == "sqlite" else key
    lock = per_engine.get(slot)
    if lock is None:
        lock = per_engine[slot] = asyncio.Lock()
    return lock


@asynccontextmanager
async def write_transaction(
    engine: AsyncEngine, *, subnet_id: int | None = None
) -> AsyncIterator[AsyncConnection]:
    """A committed-or-rolled-back transaction holding the database write lock.

    With ``subnet_id`` the subnet's row is locked (PostgreSQL) and a missing
    subnet is a 404; without it the subnet tree is locked.
    """
    async with _local_lock(engine, subnet_id), engine.connect() as conn:
        try:
            if engine.dialect.name == "sqlite":
                try:
                    await conn.exec_driver_sql("BEGIN IMMEDIATE")
                except OperationalError as exc:
                    raise RegisterBusy(str(exc.orig)) from None
            else:
                # Bounded waits: a writer stuck elsewhere makes this a 503, not a hung request.
                await conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
                if subnet_id is None:
                    await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": TREE_LOCK_ID})
            yield conn
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise


async def lock_subnet(conn: AsyncConnection, subnet_id: int) -> sa.Row[Any]:
    """The subnet's row, locked against other writers until the transaction ends."""
    query = sa.select(subnets).where(subnets.c.id == subnet_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFoundError(f"no subnet with id {subnet_id}", field="subnet_id")
    return row


async def bump_generation(conn: AsyncConnection, subnet_id: int) -> None:
    """Tell every process's free index that this subnet changed."""
    await conn.execute(
        subnets.update()
        .where(subnets.c.id == subnet_id)
        .values(generation=subnets.c.generation + 1, updated_at=now())
    )
