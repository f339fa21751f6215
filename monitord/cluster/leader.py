"""The leader: whichever node holds one PostgreSQL advisory lock on its own connection.

The lock is session-level on a connection taken out of the pool for good, so it
lives exactly as long as that connection: a leader that dies (or whose
connection PostgreSQL closes) releases it, and another node's next try wins.
The holder checks its connection every heartbeat and steps down at once when
the check fails or its membership lease cannot be proven (``fenced``): a leader
cut off from the database stops running singletons before anyone else may start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.coordination import Leadership

log = logging.getLogger("monitord.cluster")

LEADER_LOCK_ID = 0x6D6F6E6C  # "monl"; the migration lock is "moni"
_TRY = text("SELECT pg_try_advisory_lock(:id)").bindparams(bindparam("id", type_=BigInteger()))
_CHECK = text("SELECT 1")


class LeaderLock:
    """Tries for, holds and gives up the leader's advisory lock; tells ``Leadership``."""

    def __init__(self, engine: AsyncEngine, leadership: Leadership, timeout: float) -> None:
        self._engine = engine
        self._leadership = leadership
        self._timeout = timeout
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    async def tick(self, *, fenced: bool) -> None:
        """One heartbeat's worth: check the held lock, or try to take a free one."""
        if fenced:
            await self.release()
            return
        try:
            async with asyncio.timeout(self._timeout):
                if self._conn is not None:
                    await self._conn.execute(_CHECK)
                    return
                conn = await self._engine.connect()
                try:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    won = bool((await conn.execute(_TRY, {"id": LEADER_LOCK_ID})).scalar())
                except BaseException:
                    await conn.close()
                    raise
                if not won:
                    await conn.close()
                    return
                self._conn = conn
                self._leadership.set(True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self._conn is not None:
                log.warning("leader lock connection failed (%s): stepping down", exc)
            await self.release()

    async def release(self) -> None:
        """Give up leadership: the lock goes with the connection."""
        conn, self._conn = self._conn, None
        self._leadership.set(False)
        if conn is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self._timeout):
                await conn.invalidate()  # not back to the pool: the session (and lock) must end
        with contextlib.suppress(Exception):
            await conn.close()
