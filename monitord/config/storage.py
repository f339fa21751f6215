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

    enabled: bool | Literal["auto"] = "auto"
    retention: PositiveDuration = 30 * 86400.0
    batch_size: int = Field(default=20_000, ge=1, le=1_000_000)
    flush_interval: PositiveDuration = 1.0


class StorageConfig(Section):
    """Where tickets, alert state and IPAM live, and where time series go."""

    state_url: Secret | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+asyncpg://user:pw@host/db; default SQLite",
    )
    embedded: EmbeddedStoreConfig = Field(default_factory=EmbeddedStoreConfig)
    influxdb: InfluxConfig | None = None

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
