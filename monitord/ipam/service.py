"""The reconciliation service: sweeps the configured subnets on a schedule and reports.

Each sweep's findings go to the API (``/api/v1/ipam/findings``) and, as probe
results of measurement ``ipam_reconcile``, onto the result bus, where the alert
engine turns conflicts and MAC changes into alerts (see ``alerts/defaults.py``)
and the sinks store the per-subnet counts. Failures are logged on the transition,
not on every sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from monitord.config.ipam import ReconcileConfig
from monitord.errors import NotFoundError
from monitord.ipam.arp import arp_sweep
from monitord.ipam.metrics import FindingMetrics
from monitord.ipam.pinger import EnginePinger, Pinger
from monitord.ipam.reconcile import SweepReport, SweepSettings, retire, sweep
from monitord.ipam.tables import FINDING_KINDS
from monitord.results import ProbeResult, now_ns
from monitord.runtime import Runtime

if TYPE_CHECKING:
    from monitord.config.loader import LoadedConfig

log = logging.getLogger("monitord.ipam.reconcile")

MEASUREMENT = "ipam_reconcile"
KIND = "ipam"
SERVICE_NAME = "ipam-reconcile"


REASON_ADDRESSES = 10  # addresses named in a result's reason; the findings API has them all
WHAT = {
    "conflict": "unregistered addresses answer",
    "stale": "allocated addresses are silent",
    "mac_change": "addresses answer with another MAC than the registered one",
}


def _finding_result(report: SweepReport, kind: str, stamp: int, tags: dict[str, str]) -> ProbeResult:
    """One subnet's findings of one kind: ``count``, the addresses in the reason, and the
    findings opened by this sweep as evidence lines (the ticket gains only what is new)."""
    current = [item for item in report.current if item["kind"] == kind]
    opened = [item for item in report.opened if item["kind"] == kind]
    reason = None
    if current:
        names = ", ".join(item["address"] for item in current[:REASON_ADDRESSES])
        more = f" and {len(current) - REASON_ADDRESSES} more" if len(current) > REASON_ADDRESSES else ""
        reason = f"{len(current)} {WHAT[kind]}: {names}{more}"
    return ProbeResult(
        measurement=MEASUREMENT,
        target=report.subnet,
        kind=KIND,
        time_ns=stamp,
        ok=True,
        reason=reason,
        fields={"count": len(current)},
        tags={**tags, "finding": kind},
        evidence=tuple(f"{item['address']}: {item['detail']}" for item in opened),
    )


def report_results(report: SweepReport) -> list[ProbeResult]:
    """One summary result for the subnet, and one per finding kind (tag ``finding``, field ``count``).

    Findings are grouped per subnet and kind, so a sweep that finds ten rogue
    addresses gives one alert (rule ``ipam-address-conflict`` reads the
    ``conflict`` result), one ticket listing them, and one resolved message when
    a later sweep finds none. Every sweep repeats the counts (state, not
    transitions), so an alert engine that restarted still sees them.
    """
    stamp = now_ns()
    tags = {"subnet": report.subnet, **({"site": report.site} if report.site else {})}
    counts = {k: report.active.get(k, 0) for k in FINDING_KINDS}
    results = [
        ProbeResult(
            measurement=MEASUREMENT,
            target=report.subnet,
            kind=KIND,
            time_ns=stamp,
            ok=True,
            fields={
                "up": 1,
                "swept": report.swept,
                "alive": report.alive,
                "registered": report.registered,
                "conflicts": counts["conflict"],
                "stale": counts["stale"],
                "mac_changes": counts["mac_change"],
            },
            tags=tags,
        )
    ]
    results.extend(_finding_result(report, kind, stamp, tags) for kind in FINDING_KINDS)
    return results


def cleared_results(subnet: str, site: str | None) -> list[ProbeResult]:
    """Zero counts for every finding kind of ``subnet``: its alerts resolve (it is no longer swept)."""
    return [r for r in report_results(SweepReport(subnet, 0, site)) if "finding" in r.tags]


class ReconcileService:
    """Sweeps ``ipam.reconcile.subnets`` every ``interval``; ``sweep_now`` runs one on demand."""

    name = SERVICE_NAME

    def __init__(self, runtime: Runtime, pinger: Pinger | None = None) -> None:
        self._runtime = runtime
        self._config: ReconcileConfig = runtime.loaded.config.ipam.reconcile
        self._pinger = pinger or EnginePinger(count=self._config.count, shared=runtime.icmp)
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._failing: set[str] = set()
        self._unregistered: set[str] = set()
        self._wake = asyncio.Event()
        self.last_reports: dict[str, SweepReport] = {}
        self._metrics = FindingMetrics(runtime.registry)

    @property
    def subnets(self) -> list[str]:
        return list(self._config.subnets)

    async def start(self) -> None:
        await self._retire()  # subnets dropped from the file while the daemon was down
        # A node that becomes the leader sweeps at once, not an interval later.
        self._runtime.coordination.leadership.on_change(lambda leading: self._wake.set() if leading else None)
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def reload(self, loaded: LoadedConfig) -> None:
        added = set(loaded.config.ipam.reconcile.subnets) - set(self._config.subnets)
        self._config = loaded.config.ipam.reconcile
        await self._retire()
        if added:
            self._wake.set()  # sweep the new subnets now, not an interval from now

    async def _retire(self) -> None:
        """End what subnets no longer listed left open: findings resolved, alerts resolved."""
        async with self._lock:
            try:
                gone = await retire(self._runtime.state.engine, set(self._config.subnets))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("cannot resolve the findings of subnets no longer swept: %s", exc)
                return
            for cidr, site in gone:
                log.info("%s is no longer swept: its findings are resolved", cidr)
                self._clear(cidr, site)

    def _clear(self, cidr: str, site: str | None) -> None:
        self.last_reports.pop(cidr, None)
        for kind in FINDING_KINDS:
            self._metrics.open.labels(subnet=cidr, kind=kind).set(0)
        self._runtime.publish(cleared_results(cidr, site))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._pinger.close()

    async def _loop(self) -> None:
        leadership = self._runtime.coordination.leadership
        while True:
            if leadership.leading():  # a singleton: in a cluster only the leader sweeps on schedule
                await self.sweep_all()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._config.interval):
                    await self._wake.wait()
            self._wake.clear()

    async def sweep_all(self) -> list[SweepReport]:
        reports = []
        for cidr in self._config.subnets:
            report = await self.sweep_now(cidr)
            if report is not None:
                reports.append(report)
        return reports

    async def sweep_now(self, cidr: str) -> SweepReport | None:
        """Sweep one configured subnet; None (logged once) when it cannot be swept."""
        if cidr not in self._config.subnets:
            raise ValueError(f"{cidr} is not in ipam.reconcile.subnets")
        config = self._config
        settings = SweepSettings(config.stale_after, config.timeout, config.max_addresses)
        async with self._lock:
            try:
                report = await sweep(
                    self._runtime.state.engine,
                    cidr,
                    self._pinger,
                    arp_sweep if config.arp else None,
                    settings,
                )
            except asyncio.CancelledError:
                raise
            except NotFoundError as exc:
                # Listed for sweeps but not registered (yet, or any more): nothing to compare
                # against, not a fault. A subnet deleted from the register takes its findings
                # with it; the alerts built on them end here.
                self._runtime.health.set(f"ipam:{cidr}", True, str(exc))
                if cidr not in self._unregistered:
                    log.warning("not sweeping %s: %s", cidr, exc)
                self._unregistered.add(cidr)
                previous = self.last_reports.get(cidr)
                self._clear(cidr, previous.site if previous is not None else None)
                return None
            except Exception as exc:
                self._runtime.health.set(f"ipam:{cidr}", False, str(exc))
                if cidr not in self._failing:
                    log.error("reconciliation of %s failed: %s", cidr, exc)
                self._failing.add(cidr)
                return None
        self._unregistered.discard(cidr)
        if cidr in self._failing:
            log.info("reconciliation of %s works again", cidr)
            self._failing.discard(cidr)
        self._runtime.health.set(f"ipam:{cidr}", True, f"swept {report.swept}, {report.alive} alive")
        self.last_reports[cidr] = report
        for kind in FINDING_KINDS:
            self._metrics.open.labels(subnet=cidr, kind=kind).set(report.active.get(kind, 0))
        self._metrics.swept.labels(subnet=cidr).set(report.at.timestamp())
        self._runtime.publish(report_results(report))
        return report


def reconcile_service(runtime: Runtime) -> ReconcileService | None:
    """The factory in ``SERVICE_FACTORIES``. The service runs even with no subnet listed: a reload
    may list some, and a restart with an empty list must still end what earlier sweeps left open."""
    return ReconcileService(runtime)
