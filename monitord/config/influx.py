"""``storage.influxdb:``: the InfluxDB (or VictoriaMetrics) time-series sink.

When this section is present the embedded SQLite store is off by default
(``storage.embedded.enabled: auto``); ``storage.embedded.enabled: true`` keeps
both. See ``README.md#influxdb-output-storageinfluxdb`` for every key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from monitord.config.durations import Duration, PositiveDuration, format_duration
from monitord.config.secrets import Secret
from monitord.config.section import Section


class InfluxConfig(Section):
    """v2 API (/api/v2/write: InfluxDB 2.x/3.x, 1.8+ compat, VictoriaMetrics) or v1 (/write)."""

    url: HttpUrl
    api: Literal["v2", "v1"] = "v2"
    # v2: token, org, bucket. v1: database, retention_policy, username, password.
    token: Secret | None = None
    org: str = ""
    bucket: str = "monitord"
    database: str = "monitord"
    retention_policy: str | None = None
    username: str | None = None
    password: Secret | None = None
    precision: Literal["ns", "us", "ms", "s"] = "ns"
    batch_size: int = Field(default=5000, ge=1, le=1_000_000)
    # 0: each batch the daemon hands over is sent (or spooled) before write() returns.
    # > 0: small batches are held in memory up to this long to send fewer, bigger requests.
    flush_interval: Duration = Field(default=0.0, ge=0)
    gzip: bool = True
    timeout: PositiveDuration = 10.0
    connect_timeout: PositiveDuration = 5.0
    verify_tls: bool = True
    retry_initial: PositiveDuration = 0.5
    retry_max: PositiveDuration = 60.0
    spool_max_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024 * 1024, le=1 << 40)
    spool_fsync: bool = True

    @field_validator("url")
    @classmethod
    def _no_credentials_in_url(cls, url: HttpUrl) -> HttpUrl:
        # The URL is printed by check-config, the sink's /healthz detail and log lines.
        if url.username is not None or url.password is not None:
            raise ValueError("put credentials in token or username/password, not in the URL")
        return url

    @field_validator("username")
    @classmethod
    def _username_fits_basic_auth(cls, username: str | None) -> str | None:
        if username is not None and ":" in username:
            raise ValueError("must not contain ':' (HTTP basic auth cannot carry it)")
        return username

    @model_validator(mode="after")
    def _credentials_fit_api(self) -> InfluxConfig:
        if self.api == "v1" and self.token is not None:
            raise ValueError("token is for api v2; api v1 uses username and password")
        if self.api == "v2" and self.username is not None:
            raise ValueError("username and password are for api v1; api v2 uses token")
        if (self.username is None) != (self.password is None) and self.api == "v1":
            raise ValueError("username and password go together")
        if self.api == "v2" and not self.bucket:
            raise ValueError("api v2 needs a bucket")
        if self.api == "v1" and not self.database:
            raise ValueError("api v1 needs a database")
        if self.retry_initial > self.retry_max:
            raise ValueError("retry_initial must not exceed retry_max")
        return self

    def summary(self) -> list[str]:
        where = (f"bucket {self.bucket}" + (f" org {self.org}" if self.org else "")
                 if self.api == "v2" else f"database {self.database}")
        return [
            f"influxdb: {self.url} api {self.api}, {where}, precision {self.precision}, "
            f"batches of {self.batch_size}, gzip {'on' if self.gzip else 'off'}, "
            f"timeout {format_duration(self.timeout)}, spool up to {self.spool_max_bytes} bytes"
            f" (fsync {'on' if self.spool_fsync else 'off'})"
        ]
