"""POS last-seen times shared through PostgreSQL: any node accepts a till's heartbeat,
the leader evaluates the stores.

Each node pushes the terminals it heard from since its last push in one batched
upsert that only ever moves a time forward (``GREATEST``); the leader reads the
rows changed lately (on the database's clock, so no node's clock decides what is
"recent") and folds them into its register. The heartbeat times themselves are
the accepting node's wall clock, as on a single node: nodes need NTP, and the skew
between them shifts a till's absence by that much.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Float, String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

CHUNK = 1000
RECENT = 30.0  # seconds of changes the leader reads each time: many pushes, none missed

_PUSH = text(
    """
    INSERT INTO cluster_pos_seen AS s (store, terminal, last_seen, node, updated_at)
    SELECT x.store, x.terminal, x.last_seen, :node, now()
    FROM unnest(CAST(:stores AS text[]), CAST(:terminals AS text[]), CAST(:times AS float8[]))
        AS x(store, terminal, last_seen)
    ON CONFLICT (store, terminal) DO UPDATE
    SET last_seen = GREATEST(s.last_seen, excluded.last_seen), node = excluded.node, updated_at = now()
    WHERE excluded.last_seen > s.last_seen
    """
).bindparams(bindparam("node", type_=String()))

_RECENT = text(
    "SELECT store, terminal, last_seen FROM cluster_pos_seen "
    "WHERE updated_at > now() - make_interval(secs => :window)"
).bindparams(bindparam("window", type_=Float()))


class SeenBook:
    """This node's side of ``monitord.coordination.HeartbeatShare``."""

    def __init__(self, engine: AsyncEngine, node: str) -> None:
        self._engine = engine
        self._node = node

    async def push(self, seen: Mapping[tuple[str, str], float]) -> None:
        items = sorted(seen.items())
        if not items:
            return
        async with self._engine.begin() as conn:
            for start in range(0, len(items), CHUNK):
                chunk = items[start : start + CHUNK]
                await conn.execute(
                    _PUSH,
                    {
                        "node": self._node,
                        "stores": [store for (store, _), _ in chunk],
                        "terminals": [terminal for (_, terminal), _ in chunk],
                        "times": [float(when) for _, when in chunk],
                    },
                )

    async def recent(self) -> dict[tuple[str, str], float]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_RECENT, {"window": RECENT})).all()
        return {(str(store), str(terminal)): float(last) for store, terminal, last in rows}
