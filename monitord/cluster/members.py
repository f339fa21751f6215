"""The members table: join, renew, leave and read, every time on the database's clock.

A renewal is one statement that sets ``lease_until = now() + lease`` and returns
the row's incarnation, so a second process using this node's name is noticed at
its first heartbeat. Reading the members returns each lease's remaining seconds
computed by PostgreSQL, so no node's clock is ever compared with another's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from monitord.errors import StartupError

_JOIN = text(
    """
    INSERT INTO cluster_members AS m (node, incarnation, zones, sites, config_hash, api_url, pid,
        targets_owned, leader, started_at, heartbeat_at, lease_until)
    VALUES (:node, :incarnation, CAST(:zones AS json), CAST(:sites AS json), :config_hash, :api_url,
        :pid, 0, false, now(), now(), now() + make_interval(secs => :lease))
    ON CONFLICT (node) DO UPDATE SET incarnation = excluded.incarnation, zones = excluded.zones,
        sites = excluded.sites, config_hash = excluded.config_hash, api_url = excluded.api_url,
        pid = excluded.pid, targets_owned = 0, leader = false, started_at = now(), heartbeat_at = now(),
        lease_until = excluded.lease_until
    WHERE m.lease_until <= now() OR m.incarnation = excluded.incarnation
    RETURNING m.incarnation
    """
).bindparams(
    bindparam("node", type_=String()),
    bindparam("incarnation", type_=String()),
    bindparam("zones", type_=String()),
    bindparam("sites", type_=String()),
    bindparam("config_hash", type_=String()),
    bindparam("api_url", type_=String()),
    bindparam("pid", type_=Integer()),
    bindparam("lease", type_=Float()),
)

_RENEW = text(
    """
    UPDATE cluster_members SET heartbeat_at = now(), lease_until = now() + make_interval(secs => :lease),
        targets_owned = :owned, config_hash = :config_hash, leader = :leader
    WHERE node = :node AND incarnation = :incarnation
    RETURNING node
    """
).bindparams(
    bindparam("node", type_=String()),
    bindparam("incarnation", type_=String()),
    bindparam("config_hash", type_=String()),
    bindparam("owned", type_=Integer()),
    bindparam("leader", type_=Boolean()),
    bindparam("lease", type_=Float()),
)

_LEAVE = text(
    "UPDATE cluster_members SET lease_until = now(), targets_owned = 0, leader = false "
    "WHERE node = :node AND incarnation = :incarnation"
).bindparams(bindparam("node", type_=String()), bindparam("incarnation", type_=String()))

_READ = text(
    """
    SELECT node, incarnation, zones, sites, config_hash, api_url, pid, targets_owned, leader, started_at,
        heartbeat_at, lease_until, EXTRACT(EPOCH FROM (lease_until - now()))::float8 AS remaining
    FROM cluster_members ORDER BY node
    """
)

_FORGET = text(
    "DELETE FROM cluster_members WHERE lease_until < now() - make_interval(secs => :after)"
).bindparams(bindparam("after", type_=Float()))


class NodeNameTaken(StartupError):
    """Another live process renews a lease under this node's name."""


class LeaseLost(Exception):
    """The row is gone or another incarnation took the name over: this process must rejoin."""


@dataclass(frozen=True, slots=True)
class Member:
    """One row of the members table, with its lease's remaining seconds on the database's clock."""

    node: str
    incarnation: str
    zones: tuple[str, ...] | None
    sites: tuple[str, ...] | None
    config_hash: str
    api_url: str | None
    pid: int
    targets_owned: int
    leader: bool
    started_at: datetime
    heartbeat_at: datetime
    lease_until: datetime
    remaining: float

    @property
    def alive(self) -> bool:
        return self.remaining > 0

    @classmethod
    def from_row(cls, row: Any) -> Member:
        return cls(
            node=row["node"],
            incarnation=row["incarnation"],
            zones=None if row["zones"] is None else tuple(row["zones"]),
            sites=None if row["sites"] is None else tuple(row["sites"]),
            config_hash=row["config_hash"],
            api_url=row["api_url"],
            pid=int(row["pid"]),
            targets_owned=int(row["targets_owned"]),
            leader=bool(row["leader"]),
            started_at=row["started_at"],
            heartbeat_at=row["heartbeat_at"],
            lease_until=row["lease_until"],
            remaining=float(row["remaining"]),
        )


class MemberRepo:
    """Statements on ``cluster_members`` for one node."""

    def __init__(self, engine: AsyncEngine, node: str, incarnation: str) -> None:
        self._engine = engine
        self.node = node
        self.incarnation = incarnation

    async def join(
        self,
        *,
        zones: list[str] | None,
        sites: list[str] | None,
        config_hash: str,
        api_url: str | None,
        pid: int,
        lease: float,
    ) -> None:
        """Take this node's row; NodeNameTaken while another process holds a live lease on it."""
        params = {
            "node": self.node,
            "incarnation": self.incarnation,
            "zones": None if zones is None else json.dumps(zones),
            "sites": None if sites is None else json.dumps(sites),
            "config_hash": config_hash,
            "api_url": api_url,
            "pid": pid,
            "lease": lease,
        }
        async with self._engine.begin() as conn:
            won = (await conn.execute(_JOIN, params)).scalar_one_or_none()
        if won is None:
            raise NodeNameTaken(
                f"cluster.node {self.node!r}: another live process holds this node's lease "
                "(give every node its own name)"
            )

    async def renew(self, *, config_hash: str, owned: int, leader: bool, lease: float) -> list[Member]:
        """Extend the lease from the database's now() and read every member in the same
        transaction (one round trip per heartbeat); LeaseLost if the row is not ours."""
        params = {
            "node": self.node,
            "incarnation": self.incarnation,
            "config_hash": config_hash,
            "owned": owned,
            "leader": leader,
            "lease": lease,
        }
        async with self._engine.begin() as conn:
            renewed = (await conn.execute(_RENEW, params)).scalar_one_or_none()
            rows = (await conn.execute(_READ)).mappings().all() if renewed is not None else []
        if renewed is None:
            raise LeaseLost(f"the lease of node {self.node} is no longer this process's")
        return [Member.from_row(row) for row in rows]

    async def leave(self) -> None:
        """End the lease now, so the survivors take the targets at their next heartbeat."""
        async with self._engine.begin() as conn:
            await conn.execute(_LEAVE, {"node": self.node, "incarnation": self.incarnation})

    async def members(self) -> list[Member]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_READ)).mappings().all()
        return [Member.from_row(row) for row in rows]

    async def forget_dead(self, after: float) -> int:
        """Delete members dead for longer than ``after`` seconds (the leader's housekeeping)."""
        async with self._engine.begin() as conn:
            result = await conn.execute(_FORGET, {"after": after})
        return int(getattr(result, "rowcount", 0) or 0)
