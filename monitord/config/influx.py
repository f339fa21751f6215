"""``storage.influxdb:``: the InfluxDB (or VictoriaMetrics) time-series sink.

When this section is present the embedded SQLite store is off by default
(``storage.embedded.enabled: auto``); ``storage.embedded.enabled: true`` keeps
both. See docs/storage.md and docs/configuration.md for every key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from monitord.config.durations import Duration, PositiveDuration, format_duration
from monitord.config.secrets import Secret
from monitord.config.section import Section


class InfluxConfig(Section):
    """v2 API (/api/v2/write: InfluxDB 2.x/3.x, 1.8+ compat, VictoriaMetrics) or v1 (/write)."""

    url: HttpUrl = Field(
        description="Base URL of the server (http or https, no credentials in it); the API path is added."
    )
    api: Literal["v2", "v1"] = Field(
        default="v2",
        description="v2: POST /api/v2/write (InfluxDB 2.x/3.x, 1.8+ compat, VictoriaMetrics); "
        "v1: POST /write?db= (InfluxDB 1.x).",
    )
    # v2: token, org, bucket. v1: database, retention_policy, username, password.
    token: Secret | None = Field(
        default=None, description="API token, api v2 only (secret); none: no Authorization header."
    )
    org: str = Field(
        default="", description="Organisation, api v2 (InfluxDB 2.x needs it; VictoriaMetrics ignores it)."
    )
    bucket: str = Field(default="monitord", description="Bucket written to, api v2; must not be empty.")
    database: str = Field(default="monitord", description="Database written to, api v1.")
    retention_policy: str | None = Field(
        default=None, description="Retention policy, api v1; none: the database's default."
    )
    username: str | None = Field(
        default=None, description="User name, api v1 (goes together with password; no ':')."
    )
    password: Secret | None = Field(default=None, description="Password, api v1 (secret).")
    precision: Literal["ns", "us", "ms", "s"] = Field(
        default="ns",
        description="Timestamp precision written (VictoriaMetrics keeps milliseconds whatever is sent).",
    )
    batch_size: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="Most points in one write request; a bigger batch from the daemon is cut into "
        "chunks of this size sent side by side (up to 4 at once).",
    )
    # 0: each batch the daemon hands over is sent (or spooled) before write() returns.
    # > 0: small batches are held in memory up to this long to send fewer, bigger requests.
    flush_interval: Duration = Field(
        default=0.0,
        ge=0,
        description="0: every batch is delivered or spooled before the next; > 0: batches smaller "
        "than batch_size are held in memory up to this long and merged (a SIGKILL "
        "loses what is held; SIGTERM sends it).",
    )
    gzip: bool = Field(
        default=True,
        description="Compress request bodies of 1 KiB and more (zlib level 1); turn off for a "
        "server on the same host.",
    )
    timeout: PositiveDuration = Field(
        default=10.0, description="Bound on one whole write request; expiry counts as unreachable."
    )
    connect_timeout: PositiveDuration = Field(default=5.0, description="Bound on connecting to the server.")
    verify_tls: bool = Field(default=True, description="Verify the server's certificate for https URLs.")
    retry_initial: PositiveDuration = Field(
        default=0.5,
        description="First delay of the spool drainer while the server is away; doubles per "
        "attempt, with jitter.",
    )
    retry_max: PositiveDuration = Field(
        default=60.0, description="Longest delay between retries (a Retry-After header overrides it)."
    )
    spool_max_bytes: int = Field(
        default=1024 * 1024 * 1024,
        ge=1024 * 1024,
        le=1 << 40,
        description="Bytes the durable spool under daemon.state_dir/influx-spool may hold; beyond "
        "it the oldest segments are dropped and counted.",
    )
    spool_fsync: bool = Field(
        default=True,
        description="fsync each spooled batch before acknowledging it (survives power loss); "
        "false still survives a daemon crash.",
    )

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
        where = (
            f"bucket {self.bucket}" + (f" org {self.org}" if self.org else "")
            if self.api == "v2"
            else f"database {self.database}"
        )
        return [
            f"influxdb: {self.url} api {self.api}, {where}, precision {self.precision}, "
            f"batches of {self.batch_size}, gzip {'on' if self.gzip else 'off'}, "
            f"timeout {format_duration(self.timeout)}, spool up to {self.spool_max_bytes} bytes"
            f" (fsync {'on' if self.spool_fsync else 'off'})"
        ]
