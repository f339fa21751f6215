"""Between the sockets and the matcher: a token bucket per sender and one bounded queue.

A listener hands every message to ``Inbox.offer`` and goes on reading; nothing is
parsed there. A sender over its rate (a device stuck in a log loop) loses its own
excess (``rate``), and when the matcher falls behind the queue stops taking new
messages (``queue``): both counted, both logged once when they start and once when
they end, never per message. The queue is what bounds memory whatever arrives.
A TCP or TLS connection does not lose messages to a full queue: it stops reading
(``has_room``/``when_room``) and TCP's flow control slows the sender; only UDP, which
has none, drops.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

from monitord.intake.syslog.counters import TRANSPORTS, SyslogCounters
from monitord.intake.syslog.messages import OVERSIZE

log = logging.getLogger("monitord.syslog")

# (message bytes, sender address, transport index)
Item = tuple[bytes, str, int]
MAX_TRACKED_SENDERS = 100_000


class TokenBuckets:
    """One bucket per sender address: ``rate`` tokens a second, at most ``burst`` saved."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._buckets: dict[str, list[float]] = {}  # sender -> [tokens, last refill]
        self.limited: set[str] = set()

    def configure(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, sender: str, now: float) -> bool:
        """Take a token from ``sender``'s bucket; False when it has none left."""
        bucket = self._buckets.get(sender)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_SENDERS:
                self.prune(now)
                if len(self._buckets) >= MAX_TRACKED_SENDERS:
                    return True  # a flood of distinct sources: the queue bound still holds
            self._buckets[sender] = [self.burst - 1.0, now]
            return True
        tokens = bucket[0] + (now - bucket[1]) * self.rate
        tokens = min(tokens, self.burst)
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            return False
        bucket[0] = tokens - 1.0
        return True

    def prune(self, now: float) -> None:
        """Forget senders whose bucket has refilled: they are idle, a new bucket is the same."""
        rate, burst = self.rate, self.burst
        self._buckets = {
            sender: bucket
            for sender, bucket in self._buckets.items()
            if bucket[0] + (now - bucket[1]) * rate < burst
        }
        self.limited &= self._buckets.keys()


class Inbox:
    """The bounded queue of received messages, with the per-sender limit in front of it."""

    def __init__(
        self, counters: SyslogCounters, *, rate: float, burst: int, size: int, max_bytes: int
    ) -> None:
        self.counters = counters
        self.buckets = TokenBuckets(rate, burst)
        self.size = size
        self.max_bytes = max_bytes
        self.items: deque[Item] = deque()
        self.ready = asyncio.Event()
        self.full = False
        self._waiting: list[Callable[[], None]] = []
        counters.queue_depth = lambda: len(self.items)

    def configure(self, *, rate: float, burst: int, size: int, max_bytes: int) -> None:
        self.buckets.configure(rate, burst)
        self.size, self.max_bytes = size, max_bytes

    def offer(self, data: bytes, sender: str, transport: int, now: float) -> None:
        """Queue one message unless it is oversize, its sender over its rate, or the queue full."""
        counters = self.counters
        counters.received[transport] += 1
        if len(data) > self.max_bytes:
            counters.malformed[(transport, OVERSIZE)] += 1
            return
        buckets = self.buckets
        if not buckets.allow(sender, now):
            counters.dropped[(transport, "rate")] += 1
            if sender not in buckets.limited:
                buckets.limited.add(sender)
                log.warning(
                    "syslog: %s sends more than %g messages/s (%s); dropping its excess",
                    sender,
                    buckets.rate,
                    TRANSPORTS[transport],
                )
            return
        if buckets.limited and sender in buckets.limited:
            buckets.limited.discard(sender)
            log.info("syslog: %s is back under its rate limit", sender)
        items = self.items
        if len(items) >= self.size:
            counters.dropped[(transport, "queue")] += 1
            if not self.full:
                self.full = True
                log.warning("syslog: queue full (%d messages); dropping new messages", self.size)
            return
        items.append((data, sender, transport))
        if not self.ready.is_set():
            self.ready.set()

    def has_room(self) -> bool:
        return len(self.items) < self.size

    def when_room(self, resume: Callable[[], None]) -> None:
        """Call ``resume`` once the queue is down to half (a stream sender waiting on it)."""
        self._waiting.append(resume)

    def take(self, limit: int) -> list[Item]:
        """Up to ``limit`` messages, oldest first."""
        items = self.items
        count = min(limit, len(items))
        batch = [items.popleft() for _ in range(count)]
        if not items:
            self.ready.clear()
        if len(items) < self.size // 2:
            if self.full:
                self.full = False
                log.info("syslog: queue has room again")
            if self._waiting:
                waiting, self._waiting = self._waiting, []
                for resume in waiting:
                    resume()
        return batch
