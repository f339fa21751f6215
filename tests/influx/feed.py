"""Test data for the InfluxDB sink tests: results with known values, and sink construction."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from monitord.config.influx import InfluxConfig
from monitord.results import ProbeResult
from monitord.sinks.influx.sink import InfluxSink


def influx_config(url: str, **overrides: Any) -> InfluxConfig:
    """A config for tests: fast retries so a recovered server is noticed quickly."""
    values: dict[str, Any] = {
        "url": url,
        "retry_initial": 0.2,
        "retry_max": 1.0,
        "timeout": 5,
        "connect_timeout": 2,
        "spool_fsync": True,
    }
    values.update(overrides)
    return InfluxConfig.model_validate(values)


def make_sink(config: InfluxConfig, state_dir: Path) -> tuple[InfluxSink, CollectorRegistry]:
    registry = CollectorRegistry()
    return InfluxSink(config, state_dir, registry), registry


def counter(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels or None)
    return 0.0 if value is None else value


def sequence_results(
    measurement: str, start: int, count: int, targets: int = 10, base_ms: int | None = None
) -> list[ProbeResult]:
    """Results numbered ``start..start+count``: value ``seq`` at a distinct millisecond each.

    Millisecond timestamps so VictoriaMetrics (which keeps ms) and InfluxDB
    (which keeps ns) read back the same instants.
    """
    base = base_ms if base_ms is not None else time.time_ns() // 1_000_000
    return [
        ProbeResult(
            measurement=measurement,
            target=f"t{seq % targets}",
            kind="test",
            time_ns=(base + seq) * 1_000_000,
            ok=True,
            fields={"up": 1, "seq": float(seq)},
            tags={"site": "hq"},
        )
        for seq in range(start, start + count)
    ]
