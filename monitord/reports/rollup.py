"""The hourly availability rollup, counted in memory as results flow past.

Per (target, probe kind) per UTC hour: runs, failed runs, clean runs and
seconds down. Which results are runs: a probe kind's *verdict* measurement only
(``icmp`` for icmp, ``snmp_system`` for snmp, ``pos`` for the POS kinds); the
extra rows a run writes (interfaces, the ``tls`` row of an https check) describe
parts of the target and are not runs.

**Down** is what the alert engine's ``down`` rules read (``alerts.rules``): the
run failed (``ok`` false) or says ``up`` 0. **Seconds down**: an outage starts
at a failed run and lasts until the next run, and on while runs keep failing,
until the first good run. A gap between two runs counts at most ``cap``
seconds (``reports.gap_intervals`` probe intervals): if the daemon was stopped
or the probe removed, the outage ends ``cap`` after its last failed run rather
than stretching over time nobody measured. An outage still open is credited up
to ``now`` (within the cap) at each flush, so a report made mid-outage counts
it. Outages are also kept as intervals (``report_outages``) for the longest
outage and for opening hours; the hourly seconds are those intervals cut at
hour boundaries, so the two always agree.

The alert rules' ``for`` delays do not apply: a ten-second outage is ten
seconds down even if no alert fired (docs/reports.md).

``add`` is the hot path (benchmarks/reports.py: at most 2 µs a result); all
other work happens in ``drain`` once per flush.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from monitord.results import ProbeResult

HOUR = 3600
HOUR_NS = 3_600_000_000_000
Key = tuple[str, str]  # (target, kind)
CellKey = tuple[str, str, int]  # (target, kind, hour start)


class Job:
    """What the rollup remembers about one (target, kind) between runs."""

    __slots__ = ("cap", "cell", "credited", "failed_at", "hour", "last_ns", "outage")

    def __init__(self, cap: float) -> None:
        self.cap = cap
        self.hour = -1  # the hour (in hours since the epoch) ``cell`` counts; -1: none
        self.cell: list[float] = []
        self.last_ns = 0  # time of the newest run
        self.failed_at: float | None = None  # newest run's time (s) if it failed
        self.outage: float | None = None  # start of the open outage
        self.credited = 0.0  # down seconds credited up to here


@dataclass(frozen=True, slots=True)
class OutageRow:
    target: str
    kind: str
    started: float
    ended: float
    open: bool


@dataclass(frozen=True, slots=True)
class Drained:
    """One flush's worth: hourly increments and the outages that changed."""

    cells: dict[CellKey, list[float]]  # [runs, failed, clean, down seconds]
    outages: list[OutageRow]


class Rollup:
    """Counts results into hourly cells; ``drain`` hands over what to write."""

    def __init__(self, verdicts: Mapping[str, str], caps: Mapping[Key, float], default_cap: float) -> None:
        self.verdicts = dict(verdicts)  # kind -> its verdict measurement
        self.caps = dict(caps)
        self.default_cap = default_cap
        self._cells: dict[CellKey, list[float]] = {}
        self._jobs: dict[Key, Job] = {}
        self._outages: dict[tuple[str, str, float], OutageRow] = {}

    def configure(self, verdicts: Mapping[str, str], caps: Mapping[Key, float], default_cap: float) -> None:
        """A reload: new kinds and intervals; jobs keep their state, their caps follow."""
        self.verdicts = dict(verdicts)
        self.caps = dict(caps)
        self.default_cap = default_cap
        for key, job in self._jobs.items():
            job.cap = self.caps.get(key, default_cap)

    # -- hot path ---------------------------------------------------------------------------

    def add(self, results: Iterable[ProbeResult]) -> None:
        verdicts = self.verdicts
        jobs = self._jobs
        for result in results:
            kind = result.kind
            if verdicts.get(kind, kind) != result.measurement:
                continue
            key = (result.target, kind)
            job = jobs.get(key)
            if job is None:
                job = jobs[key] = Job(self.caps.get(key, self.default_cap))
            time_ns = result.time_ns
            hour = time_ns // HOUR_NS
            if hour != job.hour:  # the job's current cell, looked up once an hour, not per run
                job.cell = self._cell(key[0], kind, hour * HOUR)
                job.hour = hour
            cell = job.cell
            cell[0] += 1
            if result.ok and result.fields.get("up", 1) != 0:  # False == 0: up False is down too
                if result.reason is None:
                    cell[2] += 1
                if job.failed_at is None:
                    if time_ns > job.last_ns:  # noqa: PLR1730  (a call to max() costs more here)
                        job.last_ns = time_ns  # the common case: good after good
                    continue
                self._transition(key[0], kind, job, time_ns, False)
            else:
                cell[1] += 1
                self._transition(key[0], kind, job, time_ns, True)

    def _cell(self, target: str, kind: str, hour: int) -> list[float]:
        cell_key = (target, kind, hour)
        cell = self._cells.get(cell_key)
        if cell is None:
            cell = self._cells[cell_key] = [0, 0, 0, 0.0]
        return cell

    # -- outages ----------------------------------------------------------------------------

    def _transition(self, target: str, kind: str, job: Job, time_ns: int, failed: bool) -> None:
        """A run after a failed one, or a failed run: move the outage on."""
        if time_ns < job.last_ns:
            return  # an older result arriving late: counted above, the outage timeline stays
        job.last_ns = time_ns
        now = time_ns / 1e9
        if job.failed_at is not None:
            limit = job.failed_at + job.cap
            self._credit(target, kind, job, min(now, limit))
            if now > limit:
                self._close(target, kind, job)  # the gap was too long: the outage ended at the cap
            elif not failed:
                self._close(target, kind, job)
        if failed:
            if job.outage is None:
                job.outage = job.credited = now
                self._note(target, kind, job, open_=True)
            job.failed_at = now

    def _credit(self, target: str, kind: str, job: Job, until: float) -> None:
        start = job.credited
        if until <= start:
            return
        while start < until:
            hour = int(start // HOUR) * HOUR
            end = min(until, hour + HOUR)
            self._cell(target, kind, hour)[3] += end - start
            start = end
        job.credited = until
        self._note(target, kind, job, open_=True)

    def _close(self, target: str, kind: str, job: Job) -> None:
        self._note(target, kind, job, open_=False)
        job.outage = None
        job.failed_at = None

    def _note(self, target: str, kind: str, job: Job, open_: bool) -> None:
        assert job.outage is not None
        self._outages[(target, kind, job.outage)] = OutageRow(target, kind, job.outage, job.credited, open_)

    # -- flush ------------------------------------------------------------------------------

    def drain(self, now: float) -> Drained:
        """Credit open outages up to ``now`` (within their cap) and hand over everything new."""
        for (target, kind), job in self._jobs.items():
            if job.failed_at is None:
                continue
            limit = job.failed_at + job.cap
            self._credit(target, kind, job, min(now, limit))
            if now >= limit:
                self._close(target, kind, job)
        for job in self._jobs.values():
            job.hour = -1  # its cell goes with the drained ones
        cells, self._cells = self._cells, {}
        outages = list(self._outages.values())
        self._outages = {}
        return Drained(cells, outages)

    def put_back(self, drained: Drained) -> None:
        """A failed write: merge what it held into what came since, for the next flush."""
        cells = self._cells
        for key, values in drained.cells.items():
            cell = cells.get(key)
            if cell is None:
                cells[key] = values
            else:
                for index in range(4):
                    cell[index] += values[index]
        for row in drained.outages:
            self._outages.setdefault((row.target, row.kind, row.started), row)

    def forget(self, keep: set[Key]) -> None:
        """Drop jobs no longer configured that have no open outage (reload housekeeping)."""
        for key in [k for k, job in self._jobs.items() if k not in keep and job.failed_at is None]:
            del self._jobs[key]

    def __len__(self) -> int:
        return len(self._jobs)
