"""The InfluxDB sink's /metrics: what was written, retried, spooled, rejected and dropped."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

WRITE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class InfluxMetrics:
    """Prometheus series of one InfluxDB sink, created on the daemon's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.points_written = Counter(
            "monitord_influx_points_written", "Points the server accepted", registry=registry
        )
        self.batches_retried = Counter(
            "monitord_influx_batches_retried",
            "Write attempts that failed retryably (unreachable, timeout, 429, 5xx) and will be retried",
            registry=registry,
        )
        self.batches_rejected = Counter(
            "monitord_influx_batches_rejected",
            "Batches the server refused in whole or in part (4xx other than 429)",
            registry=registry,
        )
        self.points_spooled = Counter(
            "monitord_influx_points_spooled", "Points written to the durable spool", registry=registry
        )
        self.points_dropped = Counter(
            "monitord_influx_points_dropped",
            "Points given up: rejected by the server, spool full (oldest dropped), corrupt spool "
            "record, or nothing writable in the result",
            ["reason"],
            registry=registry,
        )
        self.spool_bytes = Gauge(
            "monitord_influx_spool_bytes", "Bytes waiting in the spool", registry=registry
        )
        self.spool_points = Gauge(
            "monitord_influx_spool_points", "Points waiting in the spool", registry=registry
        )
        self.write_seconds = Histogram(
            "monitord_influx_write_seconds",
            "Time one write request took",
            buckets=WRITE_BUCKETS,
            registry=registry,
        )
        for reason in ("rejected", "spool_full", "corrupt", "unwritable"):
            self.points_dropped.labels(reason=reason)
