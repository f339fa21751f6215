"""The technician-workload section from the repair desk's work log (``monitord.repairs``).

Per technician: the distinct tickets they logged work on in the period and the
time they logged (entries count by when they were logged); and the repair
requests opened in the period per category and priority. The figures are the
work log's own read functions, so the report and the desk agree.
"""

from __future__ import annotations

from monitord.repairs.worklog import WorkLog
from monitord.reports.providers import CategoryCount, WorkloadRow, WorkloadSummary
from monitord.store.engine import StateStore


class RepairWorkload:
    def __init__(self, store: StateStore) -> None:
        self.log = WorkLog(store)

    async def workload(self, start: float, end: float) -> WorkloadSummary:
        minutes = await self.log.minutes_by_technician(start, end)
        tickets = await self.log.tickets_by_technician(start, end)
        rows = [
            WorkloadRow(name, tickets.get(name, 0), float(minutes.get(name, 0)))
            for name in sorted(set(minutes) | set(tickets))
        ]
        requests = [
            CategoryCount(r.category, r.priority, r.count) for r in await self.log.request_counts(start, end)
        ]
        return WorkloadSummary(rows, requests)
