"""Scheduled reports through the durable outbox, with the PDF attached.

A due report becomes one outbox row per recipient (route ``report:<schedule>``,
key ``report:<schedule>:<file stem>:<recipient index>``), written in one
transaction after its PDF is saved under ``<state_dir>/reports/outbox/``. The
report deliverer (the alert deliverer's retry, backoff and give-up policy, on
its own rows only) attaches the file; once no row of that file is pending any
more (delivered or given up) the file is deleted. A restart between saving and
queueing queues again under the same keys: nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy import select

from alerts.delivery import Deliverer, Destination
from alerts.outbox import OWN_DELIVERERS, Outbox, Pending, sender_route
from alerts.tables import outbox
from monitord.clock import Clock
from monitord.config.notify import NotifyConfig
from monitord.config.reports import ReportsConfig
from monitord.reports.model import Report
from monitord.store.engine import StateStore

log = logging.getLogger("monitord.reports")

SENDER = "report"
assert SENDER in OWN_DELIVERERS  # the alert deliverer leaves these rows to ours


def outbox_dir(state_dir: Path) -> Path:
    return state_dir / "reports" / "outbox"


def row_key(schedule: str, stem: str, index: int) -> str:
    return f"{SENDER}:{schedule}:{stem}:{index}"


def stem_of(key: str) -> str | None:
    parts = key.split(":")
    return parts[2] if len(parts) == 4 and parts[0] == SENDER else None


def message_text(report: Report) -> str:
    lines = [report.title, ""]
    for section in report.sections:
        for figure in section.figures:
            lines.append(f"{section.title}: {figure.label}: {figure.value}")
    lines += ["", "The full report is attached as a PDF."]
    return "\n".join(lines)


class ReportOutbox:
    """Queues due reports and keeps their PDFs until every recipient has them."""

    def __init__(self, store: StateStore, state_dir: Path) -> None:
        self.store = store
        self.directory = outbox_dir(state_dir)
        self.outbox = Outbox(store, sender=SENDER)
        self.files_lock = asyncio.Lock()  # queueing and cleaning never interleave

    async def queue(
        self, schedule: str, recipients: int, report: Report, *, stem: str, pdf: bytes, now: float
    ) -> bool:
        """Save the PDF and queue one row per recipient; False if already queued (a restart)."""
        keys = [row_key(schedule, stem, index) for index in range(recipients)]
        async with self.files_lock:
            async with self.store.engine.connect() as conn:
                existing = (await conn.execute(select(outbox.c.key).where(outbox.c.key.in_(keys)))).all()
            if existing:
                return False
            path = self.directory / f"{stem}.pdf"
            await asyncio.to_thread(_write, path, pdf)
            text = message_text(report)
            rows = [
                {
                    "key": key,
                    "route": sender_route(SENDER, schedule),
                    "url_index": index,
                    "title": report.title,
                    "body": text,
                    "short": report.title,
                    "notify_type": "info",
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for index, key in enumerate(keys)
            ]
            async with self.store.engine.begin() as conn:
                await Outbox.add(conn, rows)
        return True

    async def clean(self) -> list[str]:
        """Delete PDFs no pending row needs any more; returns their names."""
        async with self.files_lock:
            query = select(outbox.c.key).where(
                outbox.c.route.startswith(f"{SENDER}:", autoescape=True),
                outbox.c.delivered_at.is_(None),
                outbox.c.gave_up_at.is_(None),
            )
            async with self.store.engine.connect() as conn:
                keys = [k for (k,) in (await conn.execute(query)).all()]
            needed = {stem_of(k) for k in keys}
            return await asyncio.to_thread(_remove_unneeded, self.directory, needed)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)


def _remove_unneeded(directory: Path, needed: set[str | None]) -> list[str]:
    if not directory.is_dir():
        return []
    removed = []
    for path in directory.glob("*.pdf"):
        if path.stem not in needed:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


class ReportDeliverer(Deliverer):
    """The outbox's deliverer for ``report:`` rows: recipients from ``reports.schedules``."""

    def __init__(
        self,
        files: ReportOutbox,
        reports: ReportsConfig,
        notify: NotifyConfig,
        registry: CollectorRegistry,
        clock: Clock,
        *,
        leading: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(files.outbox, notify, registry, clock=clock, metrics="monitord_report_deliveries")
        self.files = files
        self.reports = reports
        # The PDFs live in the state directory of the node that built them: in a cluster the
        # leader (which builds scheduled reports) is the one that sends them. A new leader
        # sends what the old one left undelivered, without the PDF if it never had the file.
        self._leading = leading

    async def destination(self, row: Pending) -> Destination | None:
        name = row.route.partition(":")[2]
        schedule = self.reports.schedule(name)
        if schedule is None or row.url_index >= len(schedule.recipients):
            return None
        stem = stem_of(row.key)
        path = self.files.directory / f"{stem}.pdf"
        attachments = (str(path),) if stem is not None and path.is_file() else ()
        return Destination(schedule.recipients[row.url_index].get_secret_value(), "full", attachments)

    async def deliver_due(self) -> int:
        if not self._leading():
            return 0
        done = await super().deliver_due()
        if done:
            removed = await self.files.clean()
            if removed:
                log.info("reports: delivered or given up, removed %s", ", ".join(sorted(removed)))
        return done
