"""``storage.influxdb:``: the InfluxDB (or VictoriaMetrics) time-series sink."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from monitord.config.durations import PositiveDuration
from monitord.config.secrets import Secret
from monitord.config.section import Section


class InfluxConfig(Section):
    """v2 API (/api/v2/write: InfluxDB 2.x/3.x, 1.8+ compat, VictoriaMetrics) or v1 (/write)."""

    url: HttpUrl
    api: Literal["v2", "v1"] = "v2"
    token: Secret | None = None
    org: str = ""
    bucket: str = "monitord"
    database: str = "monitord"
    retention_policy: str | None = None
    username: str | None = None
    password: Secret | None = None
    precision: Literal["ns", "us", "ms", "s"] = "ns"
    batch_size: int = Field(default=5000, ge=1, le=1_000_000)
    flush_interval: PositiveDuration = 1.0
    gzip: bool = True
    timeout: PositiveDuration = 10.0
    spool_max_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024 * 1024)

    @model_validator(mode="after")
    def _credentials_fit_api(self) -> InfluxConfig:
        if self.api == "v1" and self.token is not None:
            raise ValueError("token is for api v2; api v1 uses username and password")
        if (self.username is None) != (self.password is None) and self.api == "v1":
            raise ValueError("username and password go together")
        return self
