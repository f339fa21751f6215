"""Opening the state database and bringing its schema up to date.

SQLite (aiosqlite) under ``state_dir`` by default, PostgreSQL (asyncpg) by URL.
SQLite runs in WAL mode with a busy timeout so several processes (the daemon
and a CLI import) can share the file; PostgreSQL migrations take an advisory
lock so two daemons starting together do not race.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from monitord.errors import StartupError

_MIGRATION_LOCK_ID = 0x6D6F6E69  # "moni": the advisory lock that serialises migrations
WAL_SWITCH_TIMEOUT = 10.0  # seconds: the same patience as the busy timeout


def default_url(state_dir: Path) -> str:
    """The SQLite file used when ``storage.state_url`` is not set."""
    return f"sqlite+aiosqlite:///{state_dir / 'state.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection settings. The busy timeout comes first so that nothing after it fails
    at once on a lock; WAL is a property of the file, switched once in ``_enable_wal``."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


async def _enable_wal(engine: AsyncEngine) -> None:
    """Switch the file to WAL, retrying while another process holds it.

    Changing the journal mode needs the file to itself, and SQLite answers "database is
    locked" at once (without waiting out the busy timeout) when several processes open a
    new file together. Once one of them has switched, the mode is stored in the file and
    the others' switch is a no-op, so a short bounded retry always settles.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAL_SWITCH_TIMEOUT
    delay = 0.01
    while True:
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or loop.time() + delay > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)


class StateStore:
    """An async engine plus the knowledge of which dialect it speaks."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name

    @classmethod
    async def open(cls, url: str | None, state_dir: Path, *, migrate: bool = True) -> StateStore:
        """Connect, verify the connection and apply pending migrations."""
        target = url or default_url(state_dir)
        parsed = make_url(target)
        options: dict[str, Any] = {"pool_pre_ping": True}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            options = {"connect_args": {"timeout": 30}}
        else:
            # A server that stops answering must not hang callers: bound connect and statements.
            options.update(pool_size=10, max_overflow=20, connect_args={"timeout": 10, "command_timeout": 60})
        engine = create_async_engine(target, **options)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        try:
            if engine.dialect.name == "sqlite":
                await _enable_wal(engine)
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            if migrate:
                await store.migrate()
        except Exception as exc:
            await engine.dispose()
            raise StartupError(
                f"state database {parsed.render_as_string(hide_password=True)}: {exc}"
            ) from exc
        return store

    async def migrate(self) -> None:
        """Apply every component's pending migrations, serialised across processes."""
        # Alembic costs a third of a second to import; only start-up needs it.
        from monitord.store.migrations import upgrade_to_heads  # noqa: PLC0415  alembic ~260 ms, see above

        async with self.engine.begin() as conn:
            await self._lock(conn)
            await conn.run_sync(upgrade_to_heads)

    async def _lock(self, conn: AsyncConnection) -> None:
        if self.dialect == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        elif self.dialect == "sqlite":
            # A write takes SQLite's RESERVED lock for the rest of the transaction, so a
            # second process waits (busy_timeout) instead of failing half-way through.
            await conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS monitord_migration_lock (id INTEGER)")
            await conn.exec_driver_sql("DELETE FROM monitord_migration_lock")

    async def close(self) -> None:
        await self.engine.dispose()
