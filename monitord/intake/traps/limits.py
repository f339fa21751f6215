"""Per-sender rate limits: a token bucket per source address.

A device stuck in a trap storm (a flapping port sends a linkDown/linkUp pair per
flap) must not starve the others: each address may send ``rate`` datagrams per
second on average and ``burst`` at once; the rest are dropped and counted. The
table of buckets is bounded: past ``max_senders`` addresses, buckets that have
refilled completely (idle senders) are forgotten.
"""

from __future__ import annotations

MAX_SENDERS = 65_536


class SenderLimits:
    """``allow(address, now)`` answers whether one more datagram from ``address`` fits."""

    def __init__(self, rate: float, burst: int, max_senders: int = MAX_SENDERS) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_senders = max_senders
        self._buckets: dict[str, list[float]] = {}  # address -> [tokens, last refill time]

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, address: str, now: float) -> bool:
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= self.max_senders:
                self._forget_idle(now)
            self._buckets[address] = [self.burst - 1.0, now]
            return True
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            return False
        bucket[0] = tokens - 1.0
        return True

    def _forget_idle(self, now: float) -> None:
        full = [
            a
            for a, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.rate >= self.burst
        ]
        for address in full:
            del self._buckets[address]
        if len(self._buckets) >= self.max_senders:  # all busy (a spoofed flood): start over
            self._buckets.clear()
