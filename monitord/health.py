"""Health per subsystem, as ``/healthz`` reports it and the STATUS line summarises it."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    detail: str
    since: float


class HealthBoard:
    """Each subsystem reports its own state; a change is timestamped once."""

    def __init__(self) -> None:
        self._states: dict[str, Health] = {}

    def set(self, name: str, ok: bool, detail: str = "") -> None:
        current = self._states.get(name)
        if current is not None and current.ok == ok and current.detail == detail:
            return
        since = current.since if current is not None and current.ok == ok else time.time()
        self._states[name] = Health(ok, detail, since)

    def remove(self, name: str) -> None:
        self._states.pop(name, None)

    def snapshot(self) -> dict[str, Health]:
        return dict(self._states)

    @property
    def ok(self) -> bool:
        return all(h.ok for h in self._states.values())
