"""Per-address echo statistics, the way Smokeping reports them: loss, min/avg/median/max, jitter."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PingStats:
    """What ``count`` echoes to one address brought back.

    ``rtts_ms`` holds one round-trip time per reply, in arrival order. ``error``
    is the last ICMP error a router sent about this address (e.g.
    ``destination unreachable: host unreachable (type 3 code 1) from 127.0.0.1``)
    or a local send failure; it is None when echoes were only lost or all answered.
    """

    address: str
    sent: int
    received: int
    rtts_ms: tuple[float, ...] = ()
    error: str | None = None

    @property
    def alive(self) -> bool:
        return self.received > 0

    @property
    def loss_pct(self) -> float:
        if self.sent == 0:
            return 100.0
        return 100.0 * (self.sent - self.received) / self.sent

    @property
    def rtt_min_ms(self) -> float | None:
        return min(self.rtts_ms) if self.rtts_ms else None

    @property
    def rtt_max_ms(self) -> float | None:
        return max(self.rtts_ms) if self.rtts_ms else None

    @property
    def rtt_avg_ms(self) -> float | None:
        return sum(self.rtts_ms) / len(self.rtts_ms) if self.rtts_ms else None

    @property
    def rtt_median_ms(self) -> float | None:
        if not self.rtts_ms:
            return None
        ordered = sorted(self.rtts_ms)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def rtt_stddev_ms(self) -> float | None:
        """Population standard deviation (jitter), 0 for a single reply, like ping's mdev.

        Plain float arithmetic: ``statistics.pstdev`` works in exact fractions and
        cost more than the whole echo exchange.
        """
        if not self.rtts_ms:
            return None
        mean = sum(self.rtts_ms) / len(self.rtts_ms)
        return math.sqrt(sum((rtt - mean) ** 2 for rtt in self.rtts_ms) / len(self.rtts_ms))

    def failure_reason(self) -> str:
        """Why nothing came back: the ICMP error if there was one, else a timeout."""
        if self.error:
            return self.error
        return f"no reply: {self.sent} echo(es) timed out"
