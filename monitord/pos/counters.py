"""Heartbeat counters as plain integers, exported to Prometheus by a custom collector.

Every heartbeat bumps one counter; prometheus-client's ``Counter.inc`` takes a lock
and costs about a microsecond, a dictionary increment a few tens of nanoseconds.
At tens of thousands of UDP heartbeats a second that difference is measurable
(``benchmarks/pos_ingest.py``), so the hot path counts here and ``/metrics``
reads the totals on scrape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class HeartbeatCounters(Collector):
    """``monitord_pos_heartbeats_total{transport, outcome}``."""

    def __init__(self, transports: Iterable[str], outcomes: Iterable[str]) -> None:
        self.values: dict[tuple[str, str], int] = {
            (transport, outcome): 0 for transport in transports for outcome in outcomes
        }

    def register(self, registry: CollectorRegistry) -> HeartbeatCounters:
        registry.register(self)
        return self

    def get(self, transport: str, outcome: str) -> int:
        return self.values[(transport, outcome)]

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "monitord_pos_heartbeats",
            "POS heartbeats received, by transport and outcome",
            labels=["transport", "outcome"],
        )
        for (transport, outcome), value in self.values.items():
            family.add_metric([transport, outcome], value)
        yield family
