"""Lockout with exponential backoff after failed sign-ins, counted per name tried.

After ``threshold`` failures in a row the name is locked for ``initial``
seconds; each further failure (tried once the lock has passed) doubles it, up to
``maximum``. While locked, the password is not even checked. A success clears
the count; so does ``reset_after`` without a failure. Names with no account are
counted the same way, so a lock tells nobody whether the name exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable

from monitord.accounts.tables import account_failures
from monitord.config.accounts import LockoutConfig


@dataclass(frozen=True, slots=True)
class Failure:
    """A failure just counted: how many in a row, and the lock it started (seconds, 0 for none)."""

    failures: int
    locked_for: float


def lock_seconds(failures: int, config: LockoutConfig) -> float:
    """The lock after the ``failures``-th failure in a row (0 below the threshold)."""
    if failures < config.threshold:
        return 0.0
    doublings = min(failures - config.threshold, 40)
    return float(min(config.maximum, config.initial * 2.0**doublings))


async def locked_until(conn: AsyncConnection, name: str, now: float) -> float | None:
    """When the lock on ``name`` ends, if it is locked now."""
    until = (
        await conn.execute(select(account_failures.c.locked_until).where(account_failures.c.name == name))
    ).scalar()
    return float(until) if until is not None and until > now else None


async def count_failure(conn: AsyncConnection, name: str, now: float, config: LockoutConfig) -> Failure:
    """Count one failure for ``name`` (in the caller's transaction) and lock it when due."""
    statement = select(account_failures).where(account_failures.c.name == name).with_for_update()
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        # Another attempt at the same name may insert it first: then count on its row.
        await conn.execute(_insert_new(conn, name, now))
        row = (await conn.execute(statement)).mappings().one()
    fresh = now - row["last_failure_at"] > config.reset_after
    failures = 1 if fresh else int(row["failures"]) + 1
    seconds = lock_seconds(failures, config)
    await conn.execute(
        update(account_failures)
        .where(account_failures.c.name == name)
        .values(failures=failures, last_failure_at=now, locked_until=now + seconds if seconds else None)
    )
    return Failure(failures, seconds)


def _insert_new(conn: AsyncConnection, name: str, now: float) -> Executable:
    values = {"name": name, "failures": 0, "last_failure_at": now, "locked_until": None}
    if conn.dialect.name == "postgresql":
        return postgresql.insert(account_failures).values(values).on_conflict_do_nothing()
    return sqlite.insert(account_failures).values(values).on_conflict_do_nothing()


async def clear(conn: AsyncConnection, name: str) -> None:
    await conn.execute(delete(account_failures).where(account_failures.c.name == name))


async def forget_stale(conn: AsyncConnection, now: float, config: LockoutConfig) -> None:
    """Drop counters past ``reset_after`` (names sprayed by an attacker do not pile up)."""
    await conn.execute(
        delete(account_failures).where(
            account_failures.c.last_failure_at < now - config.reset_after,
            (account_failures.c.locked_until.is_(None)) | (account_failures.c.locked_until < now),
        )
    )
