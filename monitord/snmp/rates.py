"""Per-second rates between polls, safe across counter wraps and device reboots.

A rate is only ever computed from two samples of the same counter on the same
run of the device. A restart (sysUpTime went backwards, or is shorter than the
time since the last poll) or a per-interface discontinuity
(ifCounterDiscontinuityTime changed) resets the baseline and yields no rate for
that poll: no spike. A 32-bit counter that went down is a wrap when the wrapped
delta is plausible (below what the interface speed allows, or below half the
range when the speed is unknown); a 64-bit counter never wraps in practice, so
a decrease there is a reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TICKS_PER_SECOND = 100
UPTIME_WRAP = 1 << 32
UPTIME_SLACK_S = 2.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One counter reading: its value and its width (32 or 64 bits)."""

    value: int
    bits: int


def counter_delta(previous: Sample, current: Sample, max_delta: float | None = None) -> int | None:
    """How much the counter grew, or None when the samples are not comparable."""
    if previous.bits != current.bits:
        return None  # the agent switched between HC and 32-bit columns
    if current.value >= previous.value:
        return current.value - previous.value
    if current.bits != 32:
        return None  # a 64-bit counter going down was reset
    wrapped = current.value + (1 << 32) - previous.value
    limit = max_delta if max_delta is not None else float(1 << 31)
    return wrapped if wrapped <= limit else None


def rebooted(prev_ticks: int, ticks: int, elapsed_s: float) -> bool:
    """True if the device restarted between two sysUpTime readings ``elapsed_s`` apart."""
    if ticks >= prev_ticks:
        # Up for less time than passed since the last poll: it restarted in between.
        return ticks / TICKS_PER_SECOND + UPTIME_SLACK_S < elapsed_s
    # Going backwards is a restart unless sysUpTime (497 days) just wrapped.
    wrapped_ticks = ticks + UPTIME_WRAP - prev_ticks
    return abs(wrapped_ticks / TICKS_PER_SECOND - elapsed_s) > max(UPTIME_SLACK_S, elapsed_s * 0.1)


@dataclass(slots=True)
class TargetCounters:
    """The previous poll of one target: when, the device uptime, every counter (with when
    it was read, since a partly failed poll refreshes only some of them)."""

    at: float | None = None  # monotonic seconds at the previous poll
    uptime_ticks: int | None = None
    samples: dict[tuple[str, str], tuple[Sample, float]] = field(default_factory=dict)
    discontinuity: dict[str, int] = field(default_factory=dict)


class RatePoll:
    """Rates for one poll of one target; ``commit`` makes it the next baseline."""

    def __init__(self, state: TargetCounters, now: float, uptime_ticks: int | None) -> None:
        self.state = state
        self.now = now
        self.uptime_ticks = uptime_ticks
        self.elapsed = now - state.at if state.at is not None else None
        self.reboot = (
            state.uptime_ticks is not None
            and uptime_ticks is not None
            and self.elapsed is not None
            and rebooted(state.uptime_ticks, uptime_ticks, self.elapsed)
        )
        self._new: dict[tuple[str, str], tuple[Sample, float]] = {}
        self._new_discontinuity: dict[str, int] = {}

    def interface_reset(self, series: str, discontinuity_ticks: int | None) -> bool:
        """True if the series' counters were reset since the last poll (per the agent)."""
        if discontinuity_ticks is None:
            return False
        self._new_discontinuity[series] = discontinuity_ticks
        previous = self.state.discontinuity.get(series)
        return previous is not None and previous != discontinuity_ticks

    def rate(
        self, series: str, name: str, sample: Sample, max_per_s: float | None = None, reset: bool = False
    ) -> float | None:
        """Per-second increase of counter ``name`` of ``series`` since it was last read."""
        key = (series, name)
        self._new[key] = (sample, self.now)
        previous = self.state.samples.get(key)
        if previous is None or self.reboot or reset:
            return None
        elapsed = self.now - previous[1]
        if elapsed <= 0:
            return None
        max_delta = max_per_s * elapsed if max_per_s is not None else None
        delta = counter_delta(previous[0], sample, max_delta)
        return None if delta is None else delta / elapsed

    def commit(self, keep_unseen: bool = False) -> None:
        """Keep this poll's readings. Series not seen this time are dropped (a removed
        interface), unless part of the poll failed (``keep_unseen``) and the device
        did not restart, so one failed walk does not cost the next poll its rates."""
        if keep_unseen and not self.reboot:
            self._new = {**self.state.samples, **self._new}
            self._new_discontinuity = {**self.state.discontinuity, **self._new_discontinuity}
        self.state.at = self.now
        self.state.uptime_ticks = self.uptime_ticks
        self.state.samples = self._new
        self.state.discontinuity = self._new_discontinuity
