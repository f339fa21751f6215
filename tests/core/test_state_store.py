"""The state store on both back ends: migrations applied once per branch, concurrent
start-ups serialised, probe state persisted across re-opens."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from monitord.errors import StartupError
from monitord.store.engine import StateStore
from monitord.store.migrations import current_heads
from monitord.store.probe_state import ProbeStateRepo


async def test_migrations_and_probe_state_survive_reopen(state_url: str, tmp_path: Path) -> None:
    store = await StateStore.open(state_url, tmp_path)
    try:
        async with store.engine.connect() as conn:
            heads = await conn.run_sync(current_heads)
        assert "core_0001" in heads
        repo = ProbeStateRepo(store)
        await repo.put("ssh_log", "db-1", "/var/log/syslog", {"inode": 12, "offset": 100})
        await repo.put("ssh_log", "db-1", "/var/log/syslog", {"inode": 12, "offset": 250})
        await repo.put("ssh_log", "db-2", "/var/log/syslog", {"inode": 7, "offset": 1})
    finally:
        await store.close()
    store = await StateStore.open(state_url, tmp_path)
    try:
        repo = ProbeStateRepo(store)
        assert await repo.get("ssh_log", "db-1", "/var/log/syslog") == {"inode": 12, "offset": 250}
        await repo.delete_target("ssh_log", "db-1")
        assert await repo.get("ssh_log", "db-1", "/var/log/syslog") is None
        assert await repo.get("ssh_log", "db-2", "/var/log/syslog") == {"inode": 7, "offset": 1}
        async with store.engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar_one()
            heads = await conn.run_sync(current_heads)
        assert count == len(heads)  # one row per branch head, nothing applied twice
    finally:
        await store.close()


async def test_concurrent_startups_migrate_once(state_url: str, tmp_path: Path) -> None:
    stores = await asyncio.gather(*(StateStore.open(state_url, tmp_path) for _ in range(4)))
    try:
        async with stores[0].engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        assert len(versions) == len(set(versions))
        assert "core_0001" in versions
    finally:
        for store in stores:
            await store.close()


async def test_sqlite_start_up_waits_for_another_writer_on_a_new_file(tmp_path: Path) -> None:
    """Switching a new file to WAL fails at once, busy timeout or not, while another process
    is writing to it (SQLite avoids the deadlock by not waiting); start-up must retry."""
    path = tmp_path / "state.db"
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("CREATE TABLE other_process (x INTEGER)")
        other.execute("BEGIN IMMEDIATE")
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        store = await StateStore.open(None, tmp_path)
        try:
            async with store.engine.connect() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
            assert mode == "wal"
        finally:
            await store.close()
    finally:
        other.close()


async def test_unreachable_database_is_a_startup_error(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match=r"state database postgresql\+asyncpg://u:\*\*\*@127\.0\.0\.1:1/x"):
        await StateStore.open("postgresql+asyncpg://u:secret-password@127.0.0.1:1/x", tmp_path)
