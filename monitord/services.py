"""Long-running subsystems beside the scheduler (alert engine, POS listener, IPAM sweeps).

A subsystem is built by a factory from the daemon (``None`` when its section is
not configured), started after the state store and sinks, reloaded with each new
configuration and stopped in reverse order. Adding one is one factory line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from monitord.config.loader import LoadedConfig
    from monitord.daemon import Daemon
    from monitord.sinks.base import Sink


class Service(Protocol):
    """A subsystem with a start/stop lifecycle."""

    name: str

    async def start(self) -> None:
        """Start background work; tasks belong to the service and end in ``stop``."""

    async def reload(self, loaded: LoadedConfig) -> None:
        """Apply a new, already validated configuration."""

    async def stop(self) -> None:
        """Stop background work and flush what must not be lost."""


ServiceFactory = Callable[["Daemon"], "Service | None"]
SinkFactory = Callable[["Daemon"], "Sink | None"]


def _influx_sink(daemon: Daemon) -> Sink | None:
    from monitord.sinks.influx import build_sink

    return build_sink(daemon)


def _embedded_sink(daemon: Daemon) -> Sink | None:
    from monitord.sinks.embedded import EmbeddedSink

    if not daemon.loaded.config.storage.embedded_enabled:
        return None
    return EmbeddedSink(daemon)


def _pos_service(daemon: Daemon) -> Service | None:
    from monitord.pos.service import PosService

    return PosService(daemon) if daemon.loaded.config.pos.enabled else None


def _alert_service(daemon: Daemon) -> Service | None:
    from alerts.service import alert_service

    return alert_service(daemon)


def _ipam_reconcile_service(daemon: Daemon) -> Service | None:
    from monitord.ipam.service import reconcile_service

    return reconcile_service(daemon)


# Sinks fed from the result bus, each through its own bounded subscription.
SINK_FACTORIES: list[SinkFactory] = [
    _embedded_sink,
    _influx_sink,
]

# Subsystems started in this order and stopped in reverse.
SERVICE_FACTORIES: list[ServiceFactory] = [
    _alert_service,
    _pos_service,
    _ipam_reconcile_service,
]
