"""ICMP echo probe: loss and round-trip statistics per target, Smokeping-style.

Each run sends ``count`` echoes ``echo_interval`` apart through the shared
``IcmpEngine`` (one socket per address family for all targets) and reports
``sent``, ``received``, ``loss_pct`` and min/avg/median/max/stddev RTT. A run
with no reply is a failed result whose reason is the ICMP error a router sent
(type and code), a timeout, or the name that did not resolve.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from prometheus_client import Gauge
from pydantic import Field, model_validator

from monitord.config.durations import PositiveDuration
from monitord.errors import StartupError
from monitord.icmp.engine import IcmpEngine
from monitord.icmp.resolver import NameNotResolved, Resolver
from monitord.icmp.stats import PingStats
from monitord.results import FieldValue, ProbeResult, now_ns
from probes.base import ProbeContext, ProbeKind, ProbeSettings, ProbeTarget

# Measurements and fields this kind writes ("number" or "text"): the Grafana dashboards must show
# each one (tests/grafana/test_coverage.py); keep it next to the code that fills them.
WRITES: dict[str, dict[str, str]] = {
    "icmp": dict.fromkeys(
        (
            "up",
            "sent",
            "received",
            "loss_pct",
            "rtt_min_ms",
            "rtt_avg_ms",
            "rtt_median_ms",
            "rtt_max_ms",
            "rtt_stddev_ms",
        ),
        "number",
    )
}


class IcmpSettings(ProbeSettings):
    """``interval``/``timeout`` are the schedule and the run's deadline, as for every kind;
    ``echo_interval`` spaces the echoes within a run and ``echo_timeout`` bounds each one."""

    count: int = Field(default=5, ge=1, le=100, description="Echo requests per run.")
    echo_interval: PositiveDuration = Field(default=0.2, description="Spacing of the echoes within one run.")
    echo_timeout: PositiveDuration = Field(
        default=1.0,
        description="How long each echo may take; a later reply counts as lost. timeout must exceed "
        "(count - 1) * echo_interval + echo_timeout.",
    )
    family: Literal["auto", "ipv4", "ipv6"] = Field(
        default="auto", description="For host names: auto (IPv4 first, then IPv6), ipv4 or ipv6 only."
    )

    @model_validator(mode="after")
    def _fits_in_timeout(self) -> IcmpSettings:
        needed = (self.count - 1) * self.echo_interval + self.echo_timeout
        if needed >= self.timeout:
            raise ValueError(
                f"timeout ({self.timeout:g}s) must exceed (count - 1) * echo_interval + echo_timeout "
                f"({needed:g}s), or runs would be cut short"
            )
        return self


def stats_fields(stats: PingStats) -> dict[str, FieldValue]:
    """The ``icmp`` measurement's fields for one run."""
    fields: dict[str, FieldValue] = {
        "up": 1 if stats.alive else 0,
        "sent": stats.sent,
        "received": stats.received,
        "loss_pct": stats.loss_pct,
    }
    if stats.rtts_ms:
        fields["rtt_min_ms"] = stats.rtt_min_ms or 0.0
        fields["rtt_avg_ms"] = stats.rtt_avg_ms or 0.0
        fields["rtt_median_ms"] = stats.rtt_median_ms or 0.0
        fields["rtt_max_ms"] = stats.rtt_max_ms or 0.0
        fields["rtt_stddev_ms"] = stats.rtt_stddev_ms or 0.0
    return fields


class IcmpProbe(ProbeKind[IcmpSettings]):
    """Echo loss and RTT through one engine shared by every ICMP target."""

    name: ClassVar[str] = "icmp"
    measurement: ClassVar[str] = "icmp"
    settings_model: ClassVar[type[IcmpSettings]] = IcmpSettings
    default_concurrency: ClassVar[int] = 20000

    def __init__(self, resolver: Resolver | None = None, engine: IcmpEngine | None = None) -> None:
        self.resolver = resolver or Resolver()
        self._engine = engine
        self._owns_engine = engine is None

    async def open(self, ctx: ProbeContext | None = None) -> None:
        """Open the shared sockets; ``StartupError`` names CAP_NET_RAW / ping_group_range."""
        if self._engine is None:
            if ctx is not None and ctx.icmp is not None:
                engine = await ctx.icmp.engine()
                self._owns_engine = False
            else:
                engine = IcmpEngine()
                await engine.start()
            self._engine = engine
            if ctx is not None and not engine.privileged:
                ctx.logger.info("ICMP: no CAP_NET_RAW, using unprivileged ping sockets")
        if ctx is not None:
            self._export_metrics(ctx)

    def _export_metrics(self, ctx: ProbeContext) -> None:
        """Strays and forgeries are counted, never silently dropped; echoes in flight show load."""
        ignored = Gauge(
            "monitord_icmp_ignored_packets",
            "ICMP packets received that matched no echo in flight (stray or forged)",
            registry=ctx.registry,
        )
        ignored.set_function(lambda: float(self._engine.ignored) if self._engine else 0.0)
        in_flight = Gauge(
            "monitord_icmp_echoes_in_flight", "Echo requests awaiting a reply", registry=ctx.registry
        )
        in_flight.set_function(lambda: float(self._engine.in_flight) if self._engine else 0.0)

    @property
    def engine(self) -> IcmpEngine | None:
        """The open engine, for components that sweep through the daemon's sockets (IPAM)."""
        return self._engine

    async def close(self) -> None:
        if self._engine is not None and self._owns_engine:
            self._engine.close()
            self._engine = None

    def forget(self, target: str) -> None:
        self.resolver.forget(target)

    async def probe(self, target: ProbeTarget, settings: IcmpSettings) -> ProbeResult:
        if self._engine is None:
            raise StartupError("the icmp probe kind was not opened")
        tags = target.base_tags()
        started_ns = now_ns()
        try:
            address = await self.resolver.resolve(target.address, settings.family)
        except NameNotResolved as exc:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=str(exc),
                tags={**tags, "address": target.address},
                time_ns=started_ns,
                fields={"sent": 0, "received": 0, "loss_pct": 100.0},
            )
        tags["address"] = address
        if "%" in address:
            # fe80::1%eth0 passes config validation, but the engine's sockets take no zone:
            # a failed result, never a ValueError on every run.
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=f"{address}: scoped IPv6 addresses (with a %zone) are not supported",
                tags=tags,
                time_ns=started_ns,
                fields={"sent": 0, "received": 0, "loss_pct": 100.0},
            )
        stats = await self._engine.ping(
            address, count=settings.count, interval=settings.echo_interval, timeout=settings.echo_timeout
        )
        fields = stats_fields(stats)
        if not stats.alive:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=stats.failure_reason(),
                tags=tags,
                fields=fields,
                time_ns=started_ns,
            )
        return ProbeResult(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            time_ns=started_ns,
            ok=True,
            fields=fields,
            tags=tags,
        )
