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

    state_dir: Path = Path("/var/lib/monitord")
    log_level: LogLevel = "info"
    max_concurrency: dict[str, Annotated[int, Field(ge=1, le=1_000_000)]] = Field(
        default_factory=dict,
        description="per probe kind: runs in flight at once (default: the kind's own)",
    )
    buffer_size: int = Field(default=200_000, ge=1000, le=10_000_000, description="results held per consumer")
    shutdown_timeout: PositiveDuration = 10.0
