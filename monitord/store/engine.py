"""Opening the state database and bringing its schema up to date.

SQLite (aiosqlite) under ``state_dir`` by default, PostgreSQL (asyncpg) by URL.
SQLite runs in WAL mode with a busy timeout so several processes (the daemon
and a CLI import) can share the file; PostgreSQL migrations take an advisory
lock so two daemons starting together do not race.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from monitord.errors import StartupError

_MIGRATION_LOCK_ID = 0x6D6F6E69  # "moni": the advisory lock that serialises migrations


def default_url(state_dir: Path) -> str:
    """The SQLite file used when ``storage.state_url`` is not set."""
    return f"sqlite+aiosqlite:///{state_dir / 'state.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


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
            options.update(
                pool_size=10, max_overflow=20, connect_args={"timeout": 10, "command_timeout": 60}
            )
        engine = create_async_engine(target, **options)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        try:
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
        from monitord.store.migrations import upgrade_to_heads

        async with self.engine.begin() as conn:
            await self._lock(conn)
            await conn.run_sync(upgrade_to_heads)

    async def _lock(self, conn: AsyncConnection) -> None:
        if self.dialect == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        elif self.dialect == "sqlite":
            # A write takes SQLite's RESERVED lock for the rest of the transaction, so a
            # second process waits (busy_timeout) instead of failing half-way through.
            await conn.exec_driver_sql(
                "CREATE TABLE IF NOT EXISTS monitord_migration_lock (id INTEGER)"
            )
            await conn.exec_driver_sql("DELETE FROM monitord_migration_lock")

    async def close(self) -> None:
        await self.engine.dispose()
