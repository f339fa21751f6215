"""The contract every probe kind fulfils, after blackbox_exporter's one-file-per-prober.

A probe kind is one module in ``probes/`` holding its settings model and a
``ProbeKind`` subclass; ``probes/__init__.py`` lists them. A probe never raises
for a target failure: it returns a result with ``ok=False`` and a reason. The
scheduler owns the deadline (``timeout``) and turns its expiry into a failed result.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from monitord.config.durations import PositiveDuration
from monitord.results import ProbeResult

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from monitord.icmp.shared import SharedIcmp
    from monitord.store.engine import StateStore

Criticality = Literal["urgent", "normal"]


class ProbeSettings(BaseModel):
    """Settings every probe kind has; kinds subclass this with their own fields.

    Values merge from the kind's defaults (``probes:``), the site, the groups and
    the target itself, then validate here: unknown keys are errors.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval: PositiveDuration = Field(
        default=30.0,
        description="Time between runs; each job runs at a fixed rate on the wall-clock grid with a "
        "phase derived from its name, never overlapping itself.",
    )
    timeout: PositiveDuration = Field(
        default=5.0, description="The scheduler's deadline for one run; expiry is a failed result."
    )


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    """What a probe needs to know about the target it runs against."""

    name: str
    address: str
    site: str
    zone: str | None = None
    parent: str | None = None
    criticality: Criticality = "normal"
    tags: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def base_tags(self) -> dict[str, str]:
        """Tags every result of this target carries besides ``target`` itself."""
        return {"site": self.site}


@dataclass(slots=True)
class ProbeContext:
    """Shared resources a probe kind may use while open."""

    state_dir: Path
    registry: CollectorRegistry
    state: StateStore | None = None
    # The daemon's one ICMP engine (None outside the daemon: the CLI opens its own).
    icmp: SharedIcmp | None = None
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("monitord.probes"))


S = TypeVar("S", bound=ProbeSettings)


class ProbeKind(ABC, Generic[S]):
    """One kind of probe. Instances live as long as the daemon (or a CLI call).

    ``open`` acquires shared resources (a raw socket, an SSH connection pool);
    ``close`` releases them. ``forget`` drops per-target state when a target is
    removed on reload.
    """

    name: ClassVar[str]
    measurement: ClassVar[str]
    settings_model: ClassVar[type[ProbeSettings]]
    default_concurrency: ClassVar[int] = 256

    async def open(self, ctx: ProbeContext) -> None:
        """Acquire shared resources; the default kind needs none."""

    async def close(self) -> None:
        """Release what ``open`` acquired."""

    def forget(self, target: str) -> None:
        """Drop any state kept for ``target`` (it was removed from the config)."""

    @abstractmethod
    async def probe(self, target: ProbeTarget, settings: S) -> ProbeResult | list[ProbeResult]:
        """Run once against ``target``; the first result is the run's verdict."""

    def tags(self, target: ProbeTarget, settings: S) -> dict[str, str]:
        """The tags of every result of one run (the series' identity, and its alerts').

        The scheduler's timeout result carries the same ones: an alert opened by a run
        that timed out must be the alert a later answer resolves.
        """
        return target.base_tags()

    def timeout_result(self, target: ProbeTarget, settings: S) -> ProbeResult:
        """The failed result the scheduler records when ``settings.timeout`` expires."""
        return ProbeResult.failure(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            reason=f"timeout after {settings.timeout:g}s",
            tags=self.tags(target, settings),
        )
