"""The per-sender token bucket and the bounded queue, on an explicit clock."""

from __future__ import annotations

from monitord.intake.syslog.counters import TCP, UDP, SyslogCounters
from monitord.intake.syslog.limits import Inbox, TokenBuckets
from monitord.intake.syslog.messages import OVERSIZE


def test_bucket_allows_burst_then_rate() -> None:
    buckets = TokenBuckets(rate=10.0, burst=5)
    assert [buckets.allow("a", 0.0) for _ in range(6)] == [True] * 5 + [False]
    assert buckets.allow("b", 0.0)  # another sender has its own bucket
    assert not buckets.allow("a", 0.05)  # half a token
    assert buckets.allow("a", 0.1)
    assert not buckets.allow("a", 0.1)
    assert [buckets.allow("a", 100.0) for _ in range(6)] == [True] * 5 + [False]  # never above burst


def test_prune_forgets_only_refilled_buckets() -> None:
    buckets = TokenBuckets(rate=1.0, burst=2)
    buckets.allow("idle", 0.0)
    buckets.allow("busy", 0.0)
    buckets.allow("busy", 9.5)
    buckets.allow("busy", 9.5)
    buckets.prune(10.0)
    assert len(buckets) == 1
    assert not buckets.allow("busy", 10.0)


def test_inbox_counts_every_refusal() -> None:
    counters = SyslogCounters()
    inbox = Inbox(counters, rate=1000.0, burst=2, size=3, max_bytes=10)
    inbox.offer(b"x" * 11, "a", UDP, 0.0)
    for sender in ("a", "a", "a", "b", "c"):
        inbox.offer(b"<13>m", sender, TCP, 0.0)
    assert counters.received == [1, 5, 0]
    assert counters.malformed[(UDP, OVERSIZE)] == 1
    assert counters.dropped[(TCP, "rate")] == 1  # a's third message
    assert counters.dropped[(TCP, "queue")] == 1  # c's: a, a, b fill the queue
    assert [item[1] for item in inbox.take(10)] == ["a", "a", "b"]
    assert not inbox.ready.is_set()
    inbox.offer(b"<13>m", "c", TCP, 0.0)
    assert inbox.ready.is_set() and len(inbox.items) == 1
