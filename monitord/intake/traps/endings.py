"""When alerts raised by traps end: deadlines, each with the result that ends its alert.

A coldStart, an authenticationFailure or a rule's trap raises an alert that no
later trap may end; it ends ``end_after`` after the last such trap (a new trap
moves the deadline), or at once when a rule's ``ends_with`` trap arrives. The
service publishes the due results; ``snapshot``/``restore`` keep the deadlines
across a restart (the state store's ``probe_state``), so no alert stays open for
want of its ending.
"""

from __future__ import annotations

import heapq
from typing import Any

from monitord.results import ProbeResult

Key = tuple[str, str, tuple[tuple[str, str], ...]]  # (target, measurement, sorted tags)


def key_of(result: ProbeResult) -> Key:
    return (result.target, result.measurement, tuple(sorted(result.tags.items())))


class Endings:
    """Pending ends, soonest first; a key has at most one pending end."""

    def __init__(self) -> None:
        self._pending: dict[Key, tuple[float, ProbeResult]] = {}
        self._heap: list[tuple[float, Key]] = []

    def __len__(self) -> int:
        return len(self._pending)

    def schedule(self, at: float, result: ProbeResult) -> None:
        key = key_of(result)
        self._pending[key] = (at, result)
        heapq.heappush(self._heap, (at, key))

    def cancel(self, key: Key) -> ProbeResult | None:
        found = self._pending.pop(key, None)
        return None if found is None else found[1]

    def next_at(self) -> float | None:
        while self._heap:
            at, key = self._heap[0]
            pending = self._pending.get(key)
            if pending is not None and pending[0] == at:
                return at
            heapq.heappop(self._heap)  # moved or cancelled
        return None

    def due(self, now: float) -> list[ProbeResult]:
        out: list[ProbeResult] = []
        while self._heap and self._heap[0][0] <= now:
            at, key = heapq.heappop(self._heap)
            pending = self._pending.get(key)
            if pending is not None and pending[0] == at:
                del self._pending[key]
                out.append(pending[1])
        return out

    def snapshot(self) -> list[dict[str, Any]]:
        """The pending ends as JSON-able rows."""
        return [
            {
                "at": at,
                "target": r.target,
                "kind": r.kind,
                "measurement": r.measurement,
                "fields": dict(r.fields),
                "tags": dict(r.tags),
            }
            for at, r in self._pending.values()
        ]

    def restore(self, rows: list[dict[str, Any]], time_ns: int) -> None:
        for row in rows:
            try:
                result = ProbeResult(
                    measurement=str(row["measurement"]),
                    target=str(row["target"]),
                    kind=str(row["kind"]),
                    time_ns=time_ns,
                    ok=True,
                    fields=dict(row["fields"]),
                    tags={str(k): str(v) for k, v in dict(row["tags"]).items()},
                    pushed=True,
                )
                self.schedule(float(row["at"]), result)
            except (KeyError, TypeError, ValueError):
                continue  # a row from another version: its alert ends with the next poll or trap
