"""The InfluxDB / VictoriaMetrics time-series sink (``storage.influxdb``).

``lineproto`` serialises, ``transports`` speak the v2 and v1 write APIs,
``delivery`` handles retries and rejections, ``spool`` keeps batches durable
while the server is away, and ``sink`` ties them to the daemon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitord.daemon import Daemon
    from monitord.sinks.influx.sink import InfluxSink


def build_sink(daemon: Daemon) -> InfluxSink | None:
    """The sink factory registered in ``monitord.services.SINK_FACTORIES``."""
    from monitord.sinks.influx.sink import InfluxSink

    config = daemon.loaded.config
    if config.storage.influxdb is None:
        return None
    return InfluxSink(config.storage.influxdb, config.daemon.state_dir, daemon.registry, daemon.health)
