"""What a running subsystem may use, and nothing more: the runtime context.

Every sink factory, service factory and the HTTP application receive one frozen
``Runtime`` instead of the ``Daemon``. It names the shared parts a subsystem
actually uses (the current configuration, metrics registry, health board,
state store, result bus, the scheduler's latest results, the shared ICMP engine,
the clock and the cluster coordination seams), so a subsystem can be built and tested without a daemon, and
no module outside ``monitord/daemon.py`` needs to import the daemon.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client import CollectorRegistry

from monitord.bus import ResultBus
from monitord.clock import Clock, SystemClock
from monitord.config.loader import LoadedConfig
from monitord.coordination import Coordination
from monitord.health import HealthBoard
from monitord.icmp.shared import SharedIcmp
from monitord.results import ProbeResult
from monitord.sinks.base import Sink
from monitord.store.engine import StateStore

JobKey = tuple[str, str]  # (target name, probe kind)


class CurrentConfig:
    """The configuration in force; the daemon swaps it on a valid reload, readers see the new one."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._loaded = loaded

    @property
    def loaded(self) -> LoadedConfig:
        return self._loaded

    def swap(self, loaded: LoadedConfig) -> None:
        """Only the daemon calls this, after the new file validated completely."""
        self._loaded = loaded


class LatestResults:
    """A read-only view of the newest result of every (target, probe kind) job.

    Empty until the scheduler is attached (it starts after the services).
    """

    def __init__(self) -> None:
        self._source: Callable[[], Mapping[JobKey, ProbeResult]] | None = None

    def attach(self, source: Callable[[], Mapping[JobKey, ProbeResult]]) -> None:
        self._source = source

    def latest(self) -> Mapping[JobKey, ProbeResult]:
        return self._source() if self._source is not None else {}


@dataclass(frozen=True)
class Runtime:
    """The shared parts of a running daemon (see the module docstring)."""

    config: CurrentConfig
    registry: CollectorRegistry
    health: HealthBoard
    state: StateStore
    bus: ResultBus
    results: LatestResults = field(default_factory=LatestResults)
    icmp: SharedIcmp = field(default_factory=SharedIcmp)
    clock: Clock = field(default_factory=SystemClock)
    # Ownership, leadership and outbox claims: single-node answers unless ``cluster:`` is set.
    coordination: Coordination = field(default_factory=Coordination)

    @property
    def loaded(self) -> LoadedConfig:
        """Shorthand for the configuration in force now."""
        return self.config.loaded

    def publish(self, results: list[ProbeResult]) -> None:
        """Hand results to every consumer of the bus (sinks, the alert engine)."""
        self.bus.publish(results)


class Service(Protocol):
    """A subsystem with a start/stop lifecycle."""

    name: str

    async def start(self) -> None:
        """Start background work; tasks belong to the service and end in ``stop``."""

    async def reload(self, loaded: LoadedConfig) -> None:
        """Apply a new, already validated configuration."""

    async def stop(self) -> None:
        """Stop background work and flush what must not be lost."""


ServiceFactory = Callable[[Runtime], Service | None]
SinkFactory = Callable[[Runtime], Sink | None]
