"""Every sink and long-running subsystem the daemon starts, in order.

A factory takes the runtime context and returns its component, or ``None`` when
its section is not configured. Sinks are started after the state store; services
(alert engine, POS listener, IPAM sweeps, syslog receiver) after the sinks, reloaded with each new
configuration and stopped in reverse order. Adding one is one line here.
"""

from __future__ import annotations

from alerts.service import alert_service
from monitord.assets.service import asset_service
from monitord.cluster.service import cluster_service
from monitord.intake.syslog.service import syslog_service
from monitord.intake.traps.service import trap_service
from monitord.ipam.service import reconcile_service
from monitord.pos.service import pos_service
from monitord.reports.service import report_service
from monitord.runtime import Runtime, ServiceFactory, SinkFactory
from monitord.sinks.embedded import EmbeddedSink
from monitord.sinks.influx.sink import InfluxSink


def influx_sink(runtime: Runtime) -> InfluxSink | None:
    config = runtime.loaded.config
    if config.storage.influxdb is None:
        return None
    return InfluxSink(config.storage.influxdb, config.daemon.state_dir, runtime.registry, runtime.health)


def embedded_sink(runtime: Runtime) -> EmbeddedSink | None:
    config = runtime.loaded.config
    if not config.storage.embedded_enabled:
        return None
    return EmbeddedSink(config.storage.embedded, config.daemon.state_dir)


# Sinks fed from the result bus, each through its own bounded subscription.
SINK_FACTORIES: list[SinkFactory] = [
    embedded_sink,
    influx_sink,
]

# Subsystems started in this order and stopped in reverse. The cluster comes first: every
# later service finds the node's coordination filled in. Reports next: stopped almost last,
# its rollup still counts what the others publish while they stop.
SERVICE_FACTORIES: list[ServiceFactory] = [
    cluster_service,
    report_service,
    alert_service,
    pos_service,
    reconcile_service,
    syslog_service,
    asset_service,
    trap_service,
]
