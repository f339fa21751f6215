"""``daemon:``: where state lives, logging, and scheduler limits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from monitord.config.durations import PositiveDuration
from monitord.config.section import Section

LogLevel = Literal["debug", "info", "warning", "error"]


class DaemonConfig(Section):
    """Process-wide settings."""

    state_dir: Path = Field(
        default=Path("/var/lib/monitord"),
        description="Directory of the SQLite state store (state.db), the embedded series store "
        "(series.db), the InfluxDB spool and SSH known_hosts; must be writable.",
    )
    log_level: LogLevel = Field(
        default="info",
        description="Least severe log level written to stderr (the journal under systemd); "
        "one line per state change, never per retry.",
    )
    max_concurrency: dict[str, Annotated[int, Field(ge=1, le=1_000_000)]] = Field(
        default_factory=dict,
        description="Per probe kind, how many runs may be in flight at once, e.g. "
        "{icmp: 5000, snmp: 200}; a kind not listed uses its own default "
        "(shown under each probe kind below).",
    )
    buffer_size: int = Field(
        default=200_000,
        ge=1000,
        le=10_000_000,
        description="Results held per consumer (each sink, the alert engine) before the oldest "
        "are dropped and counted in monitord_buffer_dropped_total.",
    )
    shutdown_timeout: PositiveDuration = Field(
        default=10.0,
        description="On SIGTERM, how long the daemon may take to drain its buffers and flush "
        "the sinks before it exits.",
    )
