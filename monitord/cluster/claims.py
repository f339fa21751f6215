"""Outbox claims: every node may send, each message goes out once.

A pass locks due outbox rows with ``FOR UPDATE SKIP LOCKED`` (nodes claiming at
the same moment take disjoint rows instead of waiting for each other) and
records a claim lease per row in ``cluster_outbox_claims``. The insert's
``ON CONFLICT ... DO UPDATE ... WHERE`` is judged on the newest committed claim,
so even a statement whose snapshot missed another node's fresh claim cannot
take the row: only a free, expired or own claim is (re)taken.

A node sends a claimed row only while its claim is certainly valid on its own
monotonic clock (claimed at or after the moment it asked, so the local deadline
is never later than the database's), so a node cut off from PostgreSQL stops
sending before anyone else may take its rows over.
"""

from __future__ import annotations

import time

from sqlalchemy import Float, Integer, String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from monitord.coordination import Ownership, RouteScope

_CLAIM = text(
    """
    WITH due AS (
        SELECT o.id FROM outbox o
        WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at <= :now
          AND ((CAST(:own AS text) IS NULL AND NOT (o.route LIKE ANY(CAST(:others AS text[]))))
               OR o.route LIKE CAST(:own AS text))
          AND NOT EXISTS (
              SELECT 1 FROM cluster_outbox_claims c
              WHERE c.outbox_id = o.id AND c.claim_until > now() AND c.node <> :node)
        ORDER BY o.id
        LIMIT :limit
        FOR UPDATE OF o SKIP LOCKED
    )
    INSERT INTO cluster_outbox_claims AS c (outbox_id, node, claim_until)
    SELECT id, :node, now() + make_interval(secs => :lease) FROM due
    ON CONFLICT (outbox_id) DO UPDATE SET node = excluded.node, claim_until = excluded.claim_until
    WHERE c.claim_until <= now() OR c.node = excluded.node
    RETURNING c.outbox_id
    """
).bindparams(
    bindparam("now", type_=Float()),
    bindparam("node", type_=String()),
    bindparam("limit", type_=Integer()),
    bindparam("lease", type_=Float()),
    bindparam("own", type_=String()),
    bindparam("others", type_=ARRAY(String())),
)

_RELEASE = text("DELETE FROM cluster_outbox_claims WHERE node = :node AND outbox_id = ANY(:ids)").bindparams(
    bindparam("node", type_=String()), bindparam("ids", type_=ARRAY(Integer()))
)

_NEXT_DUE = text(
    """
    SELECT min(o.next_attempt_at) FROM outbox o
    WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL
      AND ((CAST(:own AS text) IS NULL AND NOT (o.route LIKE ANY(CAST(:others AS text[]))))
           OR o.route LIKE CAST(:own AS text))
      AND NOT EXISTS (
          SELECT 1 FROM cluster_outbox_claims c
          WHERE c.outbox_id = o.id AND c.claim_until > now() AND c.node <> :node)
    """
).bindparams(
    bindparam("node", type_=String()),
    bindparam("own", type_=String()),
    bindparam("others", type_=ARRAY(String())),
)

_FORGET = text(
    "DELETE FROM cluster_outbox_claims c WHERE c.claim_until < now() "
    "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = c.outbox_id "
    "AND o.delivered_at IS NULL AND o.gave_up_at IS NULL)"
)


class ClaimBook:
    """This node's outbox claims (``monitord.coordination.OutboxClaims``)."""

    def __init__(self, node: str, lease: float, ownership: Ownership) -> None:
        self.node = node
        self.lease = lease
        self._valid_until = 0.0  # monotonic: the earliest end of the claims of the last pass
        self._ownership = ownership

    async def claim(self, conn: AsyncConnection, now: float, limit: int, scope: RouteScope) -> list[int]:
        if self._ownership.fenced:
            return []  # a node that cannot prove its membership takes no new work
        asked = time.monotonic()
        rows = await conn.execute(
            _CLAIM,
            {
                "now": now,
                "node": self.node,
                "limit": limit,
                "lease": self.lease,
                "own": scope.own,
                "others": list(scope.others),
            },
        )
        ids = sorted(int(r[0]) for r in rows)
        if ids:
            self._valid_until = asked + self.lease
        return ids

    def may_send(self, margin: float) -> bool:
        if self._ownership.fenced:
            return False
        return time.monotonic() + margin < self._valid_until

    async def release(self, conn: AsyncConnection, ids: list[int]) -> None:
        if ids:
            await conn.execute(_RELEASE, {"node": self.node, "ids": ids})

    async def next_due(self, conn: AsyncConnection, scope: RouteScope) -> float | None:
        params = {"node": self.node, "own": scope.own, "others": list(scope.others)}
        value = (await conn.execute(_NEXT_DUE, params)).scalar()
        return None if value is None else float(value)

    @staticmethod
    async def forget_stale(conn: AsyncConnection) -> None:
        """Drop expired claims of rows that are done (the leader's housekeeping)."""
        await conn.execute(_FORGET)
