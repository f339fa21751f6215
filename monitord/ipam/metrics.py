"""Prometheus metrics of IPAM, on the daemon's registry: allocations by outcome, their latency,
and the open reconciliation findings per subnet."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class AllocationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.outcomes = Counter(
            "monitord_ipam_allocations",
            "Allocation requests by outcome (created, replayed, or the HTTP status of a refusal)",
            ["outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "monitord_ipam_allocation_seconds",
            "Time to answer an allocation request",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )


class FindingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.open = Gauge(
            "monitord_ipam_findings", "Open reconciliation findings", ["subnet", "kind"], registry=registry
        )
        self.swept = Gauge(
            "monitord_ipam_last_sweep_timestamp_seconds",
            "When each subnet was last swept",
            ["subnet"],
            registry=registry,
        )
