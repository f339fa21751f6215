"""The cluster as a daemon service: heartbeat, membership, ownership and the leader lock.

Started first among the services, so that every later one (the alert engine,
POS, IPAM reconciliation) and the scheduler find the node's ``Coordination``
filled in. One loop, every ``heartbeat``:

1. renew this node's lease (``lease_until = now() + lease_timeout`` on the
   database's clock); the local deadline is the monotonic time the renewal was
   *sent* plus the lease, never later than the database's own;
2. read the members (in the renewal's transaction); those with time left on their
   lease are alive;
3. hash the targets over the live members (only when either changed) and hand
   the result to ``Ownership``, which tells the scheduler and the alert engine
   what moved;
4. check or try the leader's advisory lock.

A node that cannot renew past its local deadline is *fenced*: it evaluates and
sends nothing and gives up leadership, but keeps probing its last assignment
so its time series go on through the spool. The loop wakes early when another
member's lease ends before the next heartbeat, so a dead node's targets move
within the lease timeout (plus one probe interval for the first run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from dataclasses import dataclass

from monitord.cluster.claims import ClaimBook
from monitord.cluster.confighash import config_hash
from monitord.cluster.hashing import Node, assign
from monitord.cluster.leader import LeaderLock
from monitord.cluster.members import LeaseLost, Member, MemberRepo, NodeNameTaken
from monitord.cluster.pos_seen import SeenBook
from monitord.config.cluster import ClusterConfig
from monitord.config.loader import LoadedConfig
from monitord.errors import StartupError
from monitord.runtime import Runtime

log = logging.getLogger("monitord.cluster")

HEALTH = "cluster"
FORGET_DEAD_AFTER = 86400.0  # dead members stay listed this long, then the leader deletes them
WAKE_MARGIN = 0.05  # seconds after another member's lease ends before looking again


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the last round saw, for the API (no query per request)."""

    members: tuple[Member, ...]
    read_at: float  # monotonic
    owners: dict[str, str | None]


class ClusterService:
    name = "cluster"

    def __init__(self, runtime: Runtime, config: ClusterConfig) -> None:
        self.runtime = runtime
        self.config = config
        self.node = config.node_name
        self.coordination = runtime.coordination
        self.repo = MemberRepo(runtime.state.engine, self.node, uuid.uuid4().hex)
        self.leader = LeaderLock(runtime.state.engine, self.coordination.leadership, config.heartbeat)
        self.claims = ClaimBook(self.node, config.claim_lease, self.coordination.ownership)
        self.config_hash = config_hash(runtime.loaded.config)
        self.snapshot = Snapshot((), time.monotonic(), {})
        self.fenced = False
        self._missing = False  # a heartbeat failed (logged once per outage)
        self.rounds = 0
        self._valid_until = 0.0  # monotonic end of the lease as this node can prove it
        self._settle_until: float | None = None  # monotonic: evaluations start after this
        self._live_key: tuple[Node, ...] | None = None
        self._targets_key: object = None
        self._owners: dict[str, str | None] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._last_forget = 0.0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if self.runtime.state.dialect != "postgresql":
            raise StartupError("cluster: needs a PostgreSQL storage.state_url")
        self.coordination.leadership.enter_cluster()
        self.coordination.claims = self.claims
        self.coordination.heartbeats = SeenBook(self.runtime.state.engine, self.node)
        await self._first_join()
        await self._round()
        self._task = asyncio.create_task(self._loop(), name="cluster:heartbeat")

    async def reload(self, loaded: LoadedConfig) -> None:
        """New targets are hashed at once; the heartbeat settings need a restart."""
        self.config_hash = config_hash(loaded.config)
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.leader.release()
        try:
            async with asyncio.timeout(self.config.heartbeat):
                await self.repo.leave()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the lease then simply runs out
            log.warning("could not leave the cluster cleanly (%s); the lease runs out instead", exc)

    # -- the loop ----------------------------------------------------------------------

    async def _first_join(self) -> None:
        """Join; a node restarted right after a crash waits for its old lease to run out.

        Another process that keeps renewing the name for a whole lease is alive:
        that is a configuration error (two nodes, one name), reported at start."""
        deadline = time.monotonic() + self.config.lease_timeout + self.config.heartbeat
        for attempt in range(10_000):  # bounded by the deadline long before
            try:
                await self._join()
                return
            except NodeNameTaken:
                if time.monotonic() >= deadline:
                    raise
                if attempt == 0:
                    log.info("cluster: node %s still has a live lease; waiting for it to run out", self.node)
            await asyncio.sleep(self.config.heartbeat)

    async def _join(self) -> None:
        http = self.runtime.loaded.config.http
        await self.repo.join(
            zones=self.config.zones,
            sites=self.config.sites,
            config_hash=self.config_hash,
            api_url=http.listen,
            pid=os.getpid(),
            lease=self.config.lease_timeout,
        )
        self._valid_until = time.monotonic() + self.config.lease_timeout
        log.info("joined the cluster as %s", self.node)

    async def _loop(self) -> None:
        while True:
            delay = self._next_delay()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            self._wake.clear()
            await self._round()

    def _next_delay(self) -> float:
        """One heartbeat, or less when another live member's lease ends sooner."""
        delay = self.config.heartbeat
        now = time.monotonic()
        if self._settle_until is not None and self._settle_until > now:
            delay = min(delay, self._settle_until - now)
        elapsed = now - self.snapshot.read_at
        for member in self.snapshot.members:
            left = member.remaining - elapsed
            if member.node != self.node and left > 0:  # ends before the next heartbeat?
                delay = min(delay, left + WAKE_MARGIN)
        return delay

    async def _round(self) -> None:
        """Renew, read, hash, lead; never raises (a failure is judged against the lease)."""
        self.rounds += 1
        sent = time.monotonic()
        try:
            async with asyncio.timeout(max(self.config.heartbeat, 1.0)):
                try:
                    members = await self.repo.renew(
                        config_hash=self.config_hash,
                        owned=len(self.coordination.ownership.assigned),
                        leader=self.leader.held,
                        lease=self.config.lease_timeout,
                    )
                except LeaseLost as exc:
                    log.warning("%s; joining again", exc)
                    await self._join()
                    members = await self.repo.members()
                self._valid_until = sent + self.config.lease_timeout
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._unreachable(exc)
            return
        self.snapshot = Snapshot(tuple(members), time.monotonic(), self._owners)
        if self._missing and not self.fenced:
            log.info("cluster: heartbeat renewed again before the lease ran out")
        self._missing = False
        if self.fenced or self._settle_until is None:
            # Joining or rejoining: evaluate nothing for one heartbeat more, so every other
            # node has seen this one (and dropped what it wins) before it starts paging.
            self._settle_until = time.monotonic() + self.config.heartbeat + WAKE_MARGIN
            if self.fenced:
                log.info("cluster: the state store answers again; node %s rejoins", self.node)
            self.fenced = False
        await self.leader.tick(fenced=False)
        self._apply(members)
        await self._housekeep()
        self._report()

    async def _unreachable(self, exc: Exception) -> None:
        if time.monotonic() < self._valid_until:
            if not self._missing:
                log.warning("cluster: heartbeat failed (%s); the lease still holds", exc)
            self._missing = True
            self.runtime.health.set(HEALTH, False, f"heartbeat failed: {exc}")
            return
        if not self.fenced:
            self.fenced = True
            log.error(
                "cluster: no heartbeat for a whole lease (%s); this node evaluates and sends nothing "
                "until it reaches the state store again",
                exc,
            )
        ownership = self.coordination.ownership
        ownership.update(
            (r.target.name for r in self.runtime.loaded.targets),
            ownership.assigned,
            fenced=True,
            leader=False,
        )
        await self.leader.release()  # bounded: it does not wait on a dead server
        self.runtime.health.set(HEALTH, False, f"fenced: state store unreachable ({exc})")

    def _apply(self, members: list[Member]) -> None:
        live = tuple(
            Node(
                m.node,
                None if m.zones is None else frozenset(m.zones),
                None if m.sites is None else frozenset(m.sites),
            )
            for m in members
            if m.alive or m.node == self.node
        )
        loaded = self.runtime.loaded
        if live != self._live_key or loaded is not self._targets_key:
            before = self._live_key
            self._owners = assign((r.target for r in loaded.targets), live)
            self._live_key, self._targets_key = live, loaded
            if before is not None and {n.name for n in before} != {n.name for n in live}:
                log.info("cluster members now: %s", ", ".join(n.name for n in live))
            self.snapshot = Snapshot(self.snapshot.members, self.snapshot.read_at, self._owners)
        mine = frozenset(name for name, owner in self._owners.items() if owner == self.node)
        settling = self._settle_until is not None and time.monotonic() < self._settle_until
        self.coordination.ownership.update(
            (r.target.name for r in loaded.targets), mine, fenced=settling, leader=self.leader.held
        )

    async def _housekeep(self) -> None:
        if not self.leader.held or time.monotonic() - self._last_forget < 3600.0:
            return
        self._last_forget = time.monotonic()
        try:
            gone = await self.repo.forget_dead(FORGET_DEAD_AFTER)
            if gone:
                log.info("forgot %d members dead for more than a day", gone)
            async with self.runtime.state.engine.begin() as conn:
                await ClaimBook.forget_stale(conn)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("cluster housekeeping failed: %s", exc)

    def _report(self) -> None:
        members = self.snapshot.members
        alive = [m for m in members if m.alive]
        mismatched = [m.node for m in alive if m.config_hash != self.config_hash]
        detail = f"{len(alive)} of {len(members)} members alive"
        if mismatched:
            detail += "; another configuration on " + ", ".join(mismatched)
        self.runtime.health.set(HEALTH, not mismatched, detail)

    # -- status ------------------------------------------------------------------------

    def status(self) -> dict[str, object]:
        """The API's view: members, leases, targets owned, configuration hashes."""
        snapshot = self.snapshot
        elapsed = time.monotonic() - snapshot.read_at
        members = []
        mismatched = []
        alive = 0
        for member in snapshot.members:
            remaining = max(0.0, member.remaining - elapsed)
            is_alive = remaining > 0
            alive += is_alive
            same = member.config_hash == self.config_hash
            if is_alive and not same:
                mismatched.append(member.node)
            members.append(
                {
                    "node": member.node,
                    "alive": is_alive,
                    "self": member.node == self.node,
                    "leader": member.leader and is_alive,
                    "lease_remaining": round(remaining, 3),
                    "heartbeat_at": member.heartbeat_at.isoformat(),
                    "started_at": member.started_at.isoformat(),
                    "targets_owned": member.targets_owned if is_alive else 0,
                    "zones": None if member.zones is None else list(member.zones),
                    "sites": None if member.sites is None else list(member.sites),
                    "config_hash": member.config_hash,
                    "config_matches": same,
                    "api": member.api_url,
                }
            )
        unowned = sum(1 for owner in snapshot.owners.values() if owner is None)
        return {
            "node": self.node,
            "leader": self.leader.held,
            "fenced": self.fenced,
            "config_hash": self.config_hash,
            "heartbeat": self.config.heartbeat,
            "lease_timeout": self.config.lease_timeout,
            "targets": len(snapshot.owners),
            "targets_owned": len(self.coordination.ownership.assigned),
            "targets_unowned": unowned,
            "alive": alive,
            "config_mismatch": mismatched,
            "members": members,
        }

    def health(self) -> dict[str, object]:
        """The ``/healthz`` part (no token there): the status without hashes and addresses."""
        status = self.status()
        hidden = {"config_hash", "api", "zones", "sites"}
        members = status["members"]
        assert isinstance(members, list)
        return {
            **{k: v for k, v in status.items() if k != "config_hash"},
            "members": [{k: v for k, v in m.items() if k not in hidden} for m in members],
        }


def cluster_service(runtime: Runtime) -> ClusterService | None:
    """The SERVICE_FACTORIES entry (first of all): on only with a ``cluster:`` section."""
    config = runtime.loaded.config.cluster
    if config is None:
        return None
    return ClusterService(runtime, config)
