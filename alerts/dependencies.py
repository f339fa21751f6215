"""Stage: dependencies. A target whose parent (site router, WAN link) is down is
not reported on its own: its alerts join the parent's ticket and its messages
are held back, so a site outage is one incident, not one message per device.

"Down" means an alert of a ``marks_down`` rule is firing (or pending: failing
within its hold) on the parent or any ancestor, or resolved less than
``dependency_grace`` ago (children recover a
little after their router; their recoveries are recorded, not announced).
"""

from __future__ import annotations

from dataclasses import dataclass

from alerts.evaluator import Evaluator

MAX_DEPTH = 16


@dataclass(frozen=True, slots=True)
class DownTarget:
    target: str
    ticket_id: int | None
    fingerprint: str


class Dependencies:
    """A snapshot of which targets are down, taken once per planning round."""

    def __init__(self, evaluator: Evaluator, grace: float, now: float) -> None:
        self._evaluator = evaluator
        self._down: dict[str, DownTarget] = {}
        for alert in evaluator.alerts.values():
            rule = evaluator.rule(alert.rule)
            if rule is None or not rule.rule.marks_down:
                continue
            recent = alert.resolved_at is not None and now - alert.resolved_at < grace
            # Pending too: the parent fails but its hold (``for``) is not over. A store behind
            # its WAN router fires at once while the router's alert waits out its hold; the
            # store must wait for the router's verdict, not page on its own first.
            if alert.status in ("firing", "pending") or (recent and alert.fired_at is not None):
                known = self._down.get(alert.target)
                if known is None or (known.ticket_id is None and alert.ticket_id is not None):
                    self._down[alert.target] = DownTarget(alert.target, alert.ticket_id, alert.fingerprint)

    def is_down(self, target: str) -> bool:
        return target in self._down

    def down_ancestor(self, target: str) -> DownTarget | None:
        """The top-most down ancestor of ``target`` (its incident), or None."""
        found: DownTarget | None = None
        seen = {target}
        current = self._evaluator.target(target).parent
        for _ in range(MAX_DEPTH):
            if current is None or current in seen:
                break
            seen.add(current)
            if current in self._down:
                found = self._down[current]
            current = self._evaluator.target(current).parent
        return found
