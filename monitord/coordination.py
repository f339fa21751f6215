"""What a subsystem may ask of the cluster, and the answers a single node gives.

Three narrow seams, none of which knows about PostgreSQL:

* ``Ownership``: which targets this node probes and which alerts it evaluates.
  A single node owns everything; a cluster node owns what rendezvous hashing
  gives it (``monitord.cluster``), and hears about changes through listeners.
* ``Leadership``: whether this node runs the singletons (IPAM reconciliation,
  ticket auto-close, outbox pruning, POS store evaluation, scheduled reports).
  A single node always leads.
* ``OutboxClaims``: how the notify stage claims outbox rows so that several
  nodes may send and each message goes out once. A single node claims nothing.
* ``HeartbeatShare``: POS heartbeats accepted by any node reach the leader, where
  store evaluation runs. A single node shares nothing.

The runtime carries one ``Coordination``; the cluster service (when configured)
fills it in before any other service starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger("monitord.coordination")

# (targets gained, targets lost) for the alert engine; no arguments for the scheduler.
HandoverListener = Callable[[frozenset[str], frozenset[str]], None]
ProbeListener = Callable[[], None]


class Ownership:
    """The targets this node probes and evaluates.

    ``clustered`` is False on a single node: then ``probes`` and ``evaluates``
    answer True for everything and nothing ever changes. In a cluster,
    ``assigned`` is what hashing gave this node; ``fenced`` is True while the node
    cannot prove its lease (the database is out of reach): it keeps probing its
    last assignment, so time series keep flowing through the spool, but it
    evaluates no alert until it has rejoined.
    """

    def __init__(self) -> None:
        self.clustered = False
        self._assigned: frozenset[str] = frozenset()
        self._fenced = False
        self._leader_names = False  # alerts of names that are not probe targets (POS stores)
        self._targets: frozenset[str] = frozenset()
        self._probe_listeners: list[ProbeListener] = []
        self._handover_listeners: list[HandoverListener] = []

    # -- questions ---------------------------------------------------------------------

    def probes(self, target: str) -> bool:
        """Whether the scheduler runs this target's probes here."""
        return not self.clustered or target in self._assigned

    def evaluates(self, name: str) -> bool:
        """Whether this node evaluates (and may page for) alerts on ``name``.

        Names that are not probe targets (a POS store, its terminals) belong to the
        leader, where POS store evaluation runs.
        """
        if not self.clustered:
            return True
        if self._fenced:
            return False
        if name in self._targets:
            return name in self._assigned
        return self._leader_names

    @property
    def assigned(self) -> frozenset[str]:
        return self._assigned

    @property
    def fenced(self) -> bool:
        return self._fenced

    def evaluated(self) -> frozenset[str]:
        """The probe targets whose alerts this node evaluates now."""
        return frozenset() if self._fenced else self._assigned

    # -- listeners ---------------------------------------------------------------------

    def on_probes_changed(self, listener: ProbeListener) -> None:
        self._probe_listeners.append(listener)

    def on_handover(self, listener: HandoverListener) -> None:
        self._handover_listeners.append(listener)

    # -- the cluster service's side ----------------------------------------------------

    def update(self, targets: Iterable[str], assigned: frozenset[str], *, fenced: bool, leader: bool) -> None:
        """Install a new assignment; listeners hear only about what changed."""
        before_probes = self._assigned
        before_evaluated = self.evaluated()
        before_leader = self._leader_names and not self._fenced
        self.clustered = True
        self._targets = frozenset(targets)
        self._assigned = assigned
        self._fenced = fenced
        self._leader_names = leader
        if assigned != before_probes:
            for probe_listener in self._probe_listeners:
                probe_listener()
        after_evaluated = self.evaluated()
        after_leader = leader and not fenced
        if after_evaluated != before_evaluated or after_leader != before_leader:
            gained = after_evaluated - before_evaluated
            lost = before_evaluated - after_evaluated
            for listener in self._handover_listeners:
                listener(gained, lost)


class Leadership:
    """Whether this node runs the singletons; a single node always does.

    Subsystems ask ``leading()`` before each run of a singleton task (a sweep, a
    housekeeping pass, a report) rather than holding the answer: leadership moves
    when the leader dies, and the next run then happens on the new leader.
    """

    def __init__(self) -> None:
        self._clustered = False
        self._leading = True
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[bool], None]] = []

    def leading(self) -> bool:
        return self._leading

    @property
    def clustered(self) -> bool:
        return self._clustered

    def on_change(self, listener: Callable[[bool], None]) -> None:
        self._listeners.append(listener)

    async def wait_until_leading(self) -> None:
        """Return once this node leads (at once on a single node)."""
        while not self._leading:
            self._changed.clear()
            await self._changed.wait()

    def enter_cluster(self) -> None:
        """A cluster node starts as a follower, before any singleton may run."""
        self._clustered = True
        self._leading = False

    def set(self, leading: bool) -> None:
        """The cluster service's side: called when the advisory lock is won or lost."""
        self._clustered = True
        if leading == self._leading:
            return
        self._leading = leading
        self._changed.set()
        log.info("leadership %s", "won" if leading else "lost")
        for listener in self._listeners:
            listener(leading)


@dataclass(frozen=True, slots=True)
class RouteScope:
    """Which outbox rows a deliverer sends, as SQL ``LIKE`` patterns on the route column:
    those matching ``own`` (a sender with a deliverer of its own, ``report:%``), or with
    ``own`` None every row matching none of ``others``."""

    own: str | None
    others: tuple[str, ...] = ()


class OutboxClaims(Protocol):
    """How the notify stage takes rows it alone may send (a cluster node's side)."""

    async def claim(self, conn: AsyncConnection, now: float, limit: int, scope: RouteScope) -> list[int]:
        """Claim up to ``limit`` due outbox rows of ``scope`` for this node; their ids."""

    def may_send(self, margin: float) -> bool:
        """Whether this node's claims are certainly still valid ``margin`` seconds from now."""

    async def release(self, conn: AsyncConnection, ids: list[int]) -> None:
        """Drop this node's claims on ``ids`` (delivered, failed or postponed)."""

    async def next_due(self, conn: AsyncConnection, scope: RouteScope) -> float | None:
        """When the next row of ``scope`` this node could claim falls due (rows others hold do not count)."""


class HeartbeatShare(Protocol):
    """POS heartbeats accepted by any node reach the leader's store evaluation."""

    async def push(self, seen: Mapping[tuple[str, str], float]) -> None:
        """Record ``(store, terminal) -> last seen`` (epoch seconds) in one batched write."""

    async def recent(self) -> dict[tuple[str, str], float]:
        """The last-seen times every node recorded lately."""


class Coordination:
    """The seams of one node (see the module docstring); single-node answers by default."""

    def __init__(self) -> None:
        self.ownership = Ownership()
        self.leadership = Leadership()
        self.claims: OutboxClaims | None = None
        self.heartbeats: HeartbeatShare | None = None
