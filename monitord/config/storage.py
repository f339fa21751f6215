"""``storage:``: the state database and the time-series sinks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from monitord.config.durations import PositiveDuration
from monitord.config.influx import InfluxConfig
from monitord.config.secrets import Secret
from monitord.config.section import Section


class EmbeddedStoreConfig(Section):
    """The SQLite time-series store under ``state_dir``.

    ``enabled: auto`` writes to it only when no InfluxDB is configured; ``true``
    keeps it beside InfluxDB (a local copy for the API's series endpoint).
    """

    enabled: bool | Literal["auto"] = Field(
        default="auto",
        description="auto: used only when storage.influxdb is not configured; true: kept beside "
        "InfluxDB; false: off (the API's series endpoint then has no data).",
    )
    retention: PositiveDuration = Field(
        default=30 * 86400.0, description="Day tables older than this are dropped (checked hourly)."
    )
    batch_size: int = Field(
        default=20_000,
        ge=1,
        le=1_000_000,
        description="Results handed to a sink in one write; at present it sizes every sink's "
        "feed, InfluxDB's included.",
    )
    flush_interval: PositiveDuration = Field(
        default=1.0,
        description="How long a partial batch waits for more results before it is written: one "
        "transaction per interval rather than one per result (every sink, as batch_size).",
    )


class StorageConfig(Section):
    """Where tickets, alert state and IPAM live, and where time series go."""

    state_url: Secret | None = Field(
        default=None,
        description="Secret SQLAlchemy URL of the state store: postgresql+asyncpg://user:pw@host/db "
        "for a shared PostgreSQL, or sqlite+aiosqlite:///path; none: state.db in "
        "daemon.state_dir.",
    )
    embedded: EmbeddedStoreConfig = Field(
        default_factory=EmbeddedStoreConfig,
        description="The embedded SQLite time-series store (series.db in daemon.state_dir).",
    )
    influxdb: InfluxConfig | None = Field(
        default=None,
        description="The InfluxDB / VictoriaMetrics sink; none: not used. Changing it needs a restart.",
    )

    @field_validator("state_url")
    @classmethod
    def _known_driver(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        url = value.get_secret_value()
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("state_url must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @property
    def embedded_enabled(self) -> bool:
        if self.embedded.enabled == "auto":
            return self.influxdb is None
        return self.embedded.enabled
