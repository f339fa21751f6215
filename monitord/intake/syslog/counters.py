"""The receiver's counters as plain integers, exported to Prometheus by a custom collector.

Every message bumps one or two counters; ``prometheus_client``'s ``Counter.inc`` takes a
lock and costs about a microsecond, a list or dictionary increment a few tens of
nanoseconds, at up to tens of thousands of messages a second (as ``monitord.pos.counters``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from monitord.intake.syslog.messages import REASONS

TRANSPORTS = ("udp", "tcp", "tls")
UDP, TCP, TLS = 0, 1, 2
# Why a well-formed message was not counted by the rules.
DROP_REASONS = ("rate", "queue", "unknown_sender", "unknown_limit")


class SyslogCounters(Collector):
    """``monitord_syslog_*``: received, parsed, malformed, dropped, unknown senders, depth."""

    def __init__(self) -> None:
        self.received = [0, 0, 0]
        self.parsed = [0, 0, 0]
        self.unknown = [0, 0, 0]  # messages from senders no target matched (kept or not)
        self.malformed = {(t, r): 0 for t in range(len(TRANSPORTS)) for r in REASONS}
        self.dropped = {(t, r): 0 for t in range(len(TRANSPORTS)) for r in DROP_REASONS}
        self.connections = [0, 0, 0]
        self.refused_connections = [0, 0, 0]
        self.unknown_senders: Callable[[], int] = lambda: 0
        self.queue_depth: Callable[[], int] = lambda: 0

    def register(self, registry: CollectorRegistry) -> SyslogCounters:
        registry.register(self)
        return self

    def total_malformed(self) -> int:
        return sum(self.malformed.values())

    def total_dropped(self) -> int:
        return sum(self.dropped.values())

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        received = CounterMetricFamily(
            "monitord_syslog_received", "Syslog messages received, by transport", labels=["transport"]
        )
        parsed = CounterMetricFamily(
            "monitord_syslog_parsed", "Syslog messages parsed and matched, by transport", labels=["transport"]
        )
        unknown = CounterMetricFamily(
            "monitord_syslog_unknown_messages",
            "Syslog messages from senders no target matches (kept or dropped), by transport",
            labels=["transport"],
        )
        connections = GaugeMetricFamily(
            "monitord_syslog_connections", "Open syslog TCP/TLS connections", labels=["transport"]
        )
        refused = CounterMetricFamily(
            "monitord_syslog_refused_connections",
            "Syslog connections closed at once: max_connections reached",
            labels=["transport"],
        )
        for index, transport in enumerate(TRANSPORTS):
            received.add_metric([transport], self.received[index])
            parsed.add_metric([transport], self.parsed[index])
            unknown.add_metric([transport], self.unknown[index])
            if index != UDP:
                connections.add_metric([transport], self.connections[index])
                refused.add_metric([transport], self.refused_connections[index])
        malformed = CounterMetricFamily(
            "monitord_syslog_malformed",
            "Syslog messages refused as malformed, by transport and reason",
            labels=["transport", "reason"],
        )
        for (index, reason), value in self.malformed.items():
            malformed.add_metric([TRANSPORTS[index], reason], value)
        dropped = CounterMetricFamily(
            "monitord_syslog_dropped",
            "Syslog messages dropped: sender over its rate, queue full, unknown sender",
            labels=["transport", "reason"],
        )
        for (index, reason), value in self.dropped.items():
            dropped.add_metric([TRANSPORTS[index], reason], value)
        senders = GaugeMetricFamily(
            "monitord_syslog_unknown_senders", "Distinct unknown sender addresses seen (bounded)"
        )
        senders.add_metric([], self.unknown_senders())
        depth = GaugeMetricFamily("monitord_syslog_queue_depth", "Syslog messages waiting to be matched")
        depth.add_metric([], self.queue_depth())
        yield from (received, parsed, malformed, dropped, unknown, senders, depth, connections, refused)
