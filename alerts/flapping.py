"""Flap detection in the manner of Nagios: weighted share of state changes.

Each evaluation appends "breached or not" to a window of the last N. The share
of changes between neighbours, weighted from 0.8 (oldest) to 1.2 (newest) so
recent behaviour counts more, starts flapping above ``high`` and stops below
``low``; the gap between the two is what keeps the flag itself from flapping.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_SAMPLES = 4


@dataclass(frozen=True, slots=True)
class FlapPolicy:
    enabled: bool = True
    window: int = 20
    high: float = 0.5
    low: float = 0.25


def state_change_share(history: list[bool]) -> float:
    """Weighted share of neighbour pairs that differ (0.0 - 1.0)."""
    pairs = len(history) - 1
    if pairs < 1:
        return 0.0
    total = 0.0
    weights = 0.0
    for i in range(pairs):
        weight = 0.8 + 0.4 * (i / (pairs - 1)) if pairs > 1 else 1.0
        weights += weight
        if history[i] != history[i + 1]:
            total += weight
    return total / weights


def record(history: list[bool], breached: bool, policy: FlapPolicy) -> None:
    """Append one evaluation, keeping the window's length."""
    history.append(breached)
    excess = len(history) - policy.window
    if excess > 0:
        del history[:excess]


def is_flapping(history: list[bool], currently: bool, policy: FlapPolicy) -> bool:
    """The new flapping flag given the window and the current flag (hysteresis)."""
    if not policy.enabled or len(history) < MIN_SAMPLES:
        return False if not policy.enabled else currently
    share = state_change_share(history)
    if currently:
        return share >= policy.low
    return share >= policy.high
