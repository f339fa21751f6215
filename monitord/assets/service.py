"""The register's background work: discovery rounds, drift judged and published, the weekly digest.

Discovery asks every target an asset links to what it is, with the target's
own ``snmp`` settings (SNMP probe sessions) and/or the SSH settings of its
``ssh_log`` or ``backup`` probe (the shared SSH pool, host keys checked),
``assets.discovery.concurrency`` targets at a time, each within
``assets.discovery.timeout``. Facts are stored beside the asset; then drift
is judged for every linked asset and published (``drift``) so the alert engine
opens or resolves tickets. Drift is also judged hourly between rounds (IPAM
sweeps move the addresses seen) and at once after a register change
(``refresh``), which is how a corrected register resolves its ticket.
Failures are logged on the transition, not on every round.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitord.assets import digest, drift, facts
from monitord.assets.repo import AssetRepo
from monitord.assets.snmp_facts import discover_snmp
from monitord.assets.ssh_facts import DMI_DIR, OS_RELEASE, discover_ssh
from monitord.assets.tables import assets
from monitord.config.resolve import ResolvedTarget
from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.runtime import Runtime
from monitord.snmp.errors import SnmpError
from monitord.snmp.table import WalkError
from monitord.ssh.pool import SshPool, SshUnavailable, acquire_shared_pool, release_shared_pool
from monitord.ssh.settings import SshSettings
from probes.snmp import SnmpProbe, SnmpSettings

if TYPE_CHECKING:
    from monitord.config.loader import LoadedConfig

log = logging.getLogger("monitord.assets")

SERVICE_NAME = "assets"
JUDGE_EVERY = 3600.0
FIRST_ROUND_AFTER = 60.0
DIGEST_RETRY = 300.0
SSH_KINDS = ("ssh_log", "backup")


def methods_of(resolved: ResolvedTarget) -> list[str]:
    """How a target can be asked: ``snmp`` and/or ``ssh`` (from its probes' settings)."""
    found = []
    if isinstance(resolved.probes.get("snmp"), SnmpSettings):
        found.append("snmp")
    if any(isinstance(resolved.probes.get(kind), SshSettings) for kind in SSH_KINDS):
        found.append("ssh")
    return found


class AssetService:
    """Discovery, drift and digest for the register (see the module docstring)."""

    name = SERVICE_NAME

    def __init__(
        self,
        runtime: Runtime,
        *,
        pool: SshPool | None = None,
        os_release: str = OS_RELEASE,
        dmi_dir: str = DMI_DIR,
    ) -> None:
        self._runtime = runtime
        self.repo = AssetRepo(runtime.state.engine)
        self._config = runtime.loaded.config.assets
        self._own_pool = pool
        self._pool: SshPool | None = pool
        self._snmp = SnmpProbe()
        self._os_release = os_release
        self._dmi_dir = dmi_dir
        self._known_hosts = runtime.loaded.config.daemon.state_dir / "ssh_known_hosts"
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._digest_wake = asyncio.Event()
        self._digest_slot: dt.datetime | None = None  # the last week's slot handled (sent or empty)
        self._failing: set[str] = set()
        self.rounds = 0  # completed discovery rounds (tests wait for these)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        if self._own_pool is None:
            self._pool = acquire_shared_pool()
        self._tasks = [
            asyncio.create_task(self._loop(), name="assets:discovery"),
            asyncio.create_task(self._digest_loop(), name="assets:digest"),
        ]

    async def reload(self, loaded: LoadedConfig) -> None:
        self._config = loaded.config.assets
        self._wake.set()
        self._digest_wake.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._snmp.close()
        if self._own_pool is None and self._pool is not None:
            self._pool = None
            await release_shared_pool()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_round = loop.time() + min(FIRST_ROUND_AFTER, self._config.discovery.interval)
        while True:
            # In a cluster the leader discovers (facts land in the shared state store); every
            # node judges drift, and each evaluates only the assets it owns.
            leading = self._runtime.coordination.leadership.leading()
            if self._config.discovery.enabled and loop.time() >= next_round and leading:
                await self._guarded(self.discover_all())
                next_round = loop.time() + self._config.discovery.interval
            else:
                await self._guarded(self.judge())
            wait = min(JUDGE_EVERY, max(0.0, next_round - loop.time()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            self._wake.clear()

    async def _guarded(self, work: Any) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._runtime.health.set("assets", False, f"state store: {type(exc).__name__}")
            log.error("asset discovery or drift check failed: %s", exc)

    # -- discovery --------------------------------------------------------------------------

    async def discover_all(self) -> None:
        """One round over every linked target, bounded in concurrency and time."""
        async with self._runtime.state.engine.connect() as conn:
            names = sorted(
                set(
                    (
                        await conn.execute(
                            sa.select(assets.c.target).where(
                                assets.c.target.is_not(None), assets.c.status != "retired"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            )
        loaded = self._runtime.loaded
        targets = [r for r in (loaded.target(n) for n in names) if r is not None and methods_of(r)]
        gate = asyncio.Semaphore(self._config.discovery.concurrency)

        async def one(resolved: ResolvedTarget) -> bool:
            async with gate:
                return await self._discover(resolved)

        async with asyncio.TaskGroup() as group:
            outcomes = [group.create_task(one(r)) for r in targets]
        good = sum(1 for o in outcomes if o.result())
        self._runtime.health.set("assets", True, f"discovered {good} of {len(targets)} targets")
        await self.judge()
        self.rounds += 1

    async def discover_target(self, name: str) -> list[dict[str, Any]]:
        """On demand: discover ``name`` now; the linked assets after, with their drift."""
        if not self._config.discovery.enabled:
            raise ConflictError("discovery is off (assets.discovery.enabled)", field="target")
        resolved = self._runtime.loaded.target(name)
        if resolved is None:
            raise NotFoundError(f"no monitoring target named {name!r}", field="target")
        if not methods_of(resolved):
            raise RequestError(
                f"target {name!r} has no snmp, ssh_log or backup probe to discover with",
                field="target",
                status=422,
            )
        tags = await self._linked(name)
        if not tags:
            raise NotFoundError(f"no asset links to target {name!r}", field="target")
        await self._discover(resolved)
        judged = {j.tag: j.verdict for j in await self.judge(tags)}
        out = []
        for tag in tags:
            item = await self.repo.get(tag)
            item["drift"] = judged.get(tag, {})
            out.append(item)
        return out

    async def _linked(self, target: str) -> list[str]:
        async with self._runtime.state.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(assets.c.tag).where(assets.c.target == target).order_by(assets.c.tag)
            )
            return [str(tag) for tag in rows.scalars().all()]

    async def _ask(self, resolved: ResolvedTarget) -> tuple[dict[str, tuple[str, str]], list[str]]:
        """Facts by every method the target has, and what failed."""
        found: dict[str, tuple[str, str]] = {}
        errors: list[str] = []
        target = resolved.target
        snmp = resolved.probes.get("snmp")
        if isinstance(snmp, SnmpSettings):
            try:
                found.update(
                    {k: ("snmp", v) for k, v in (await discover_snmp(self._snmp, target, snmp)).items()}
                )
            except (SnmpError, WalkError) as exc:
                errors.append(f"snmp: {exc}")
        ssh = next(
            (s for s in (resolved.probes.get(k) for k in SSH_KINDS) if isinstance(s, SshSettings)), None
        )
        if ssh is not None and self._pool is not None:
            try:
                answered = await discover_ssh(
                    self._pool,
                    target.address,
                    ssh,
                    ssh.known_hosts or self._known_hosts,
                    os_release=self._os_release,
                    dmi_dir=self._dmi_dir,
                )
            except SshUnavailable as exc:
                errors.append(f"ssh: {exc}")
            else:
                for name, value in answered.items():
                    found.setdefault(name, ("ssh", value))
        return found, errors

    async def _discover(self, resolved: ResolvedTarget) -> bool:
        name = resolved.target.name
        timeout = self._config.discovery.timeout
        try:
            async with asyncio.timeout(timeout):
                found, errors = await self._ask(resolved)
        except TimeoutError:
            found, errors = {}, [f"discovery timed out after {timeout:g}s"]
        at = dt.datetime.fromtimestamp(self._runtime.clock.now(), dt.UTC)
        engine = self._runtime.state.engine
        async with engine.connect() as conn:
            ids = (await conn.execute(sa.select(assets.c.id).where(assets.c.target == name))).scalars().all()
        failed = not found
        for asset_id in ids:
            if failed:
                await facts.record_failure(engine, asset_id, name, "; ".join(errors), at)
            else:
                await facts.record_success(engine, asset_id, name, found, at)
        self._transition(name, "; ".join(errors) if failed else None)
        return not failed

    def _transition(self, target: str, error: str | None) -> None:
        if error is not None and target not in self._failing:
            self._failing.add(target)
            log.warning("asset discovery of %s failed: %s", target, error)
        elif error is None and target in self._failing:
            self._failing.discard(target)
            log.info("asset discovery of %s works again", target)

    # -- drift ------------------------------------------------------------------------------

    async def judge(self, tags: Sequence[str] | None = None) -> list[drift.Judged]:
        """Judge drift (of every linked asset, or of ``tags``) and publish it."""
        now = dt.datetime.fromtimestamp(self._runtime.clock.now(), dt.UTC)
        judged = await drift.judge(
            self._runtime.state.engine, now, self._config.discovery.address_seen_within, tags
        )
        results = [r for j in judged for r in drift.drift_results(j.tag, j.site, j.verdict)]
        if results:
            self._runtime.publish(results)
        return judged

    async def refresh(self, tags: Sequence[str]) -> None:
        """After a register change: judge those assets now (a corrected register resolves)."""
        if tags:
            await self.judge(tags)

    def forget(self, tag: str, site: str) -> None:
        """A deleted asset has no drift any more."""
        self._runtime.publish(drift.drift_results(tag, site, {}))

    # -- digest -----------------------------------------------------------------------------

    async def _digest_loop(self) -> None:
        clock = self._runtime.clock
        while True:
            config = self._config.digest
            route = self._runtime.loaded.config.notify.route(config.route) if config.route else None
            wait = JUDGE_EVERY
            # One digest per week for the whole cluster: the leader writes it.
            if route is not None and self._runtime.coordination.leadership.leading():
                try:
                    slot = digest.last_slot(clock.now(), config)
                    if slot != self._digest_slot:  # once per week's slot: no hourly "nothing to send"
                        await digest.send_week(
                            self.repo, self._runtime.state.engine, config, route, clock.now()
                        )
                        self._digest_slot = slot
                    wait = max(1.0, digest.next_slot(clock.now(), config) - clock.now())
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.error("cannot write the warranty digest to the outbox: %s", exc)
                    wait = DIGEST_RETRY
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(wait, JUDGE_EVERY)):
                    await self._digest_wake.wait()
            self._digest_wake.clear()

    async def send_digest(self) -> int:
        """Write this week's digest now (tests, and the first start after the hour)."""
        config = self._config.digest
        route = self._runtime.loaded.config.notify.route(config.route) if config.route else None
        if route is None:
            raise ConflictError("no digest route (assets.digest.route)", field="assets.digest.route")
        return await digest.send_week(
            self.repo, self._runtime.state.engine, config, route, self._runtime.clock.now()
        )


def asset_service(runtime: Runtime) -> AssetService:
    """The factory in ``SERVICE_FACTORIES``: the register always exists, so its service always runs."""
    return AssetService(runtime)
