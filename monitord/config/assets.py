"""``assets:``: the equipment register's discovery schedule and its weekly warranty digest.

The register itself lives in the state store and is edited over the API, the
CLI or a CSV import; this section says how often devices are asked what they
are (``discovery``) and where the list of warranties ending soon goes
(``digest``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from monitord.config.durations import PositiveDuration, format_duration
from monitord.config.notify import NotifyConfig
from monitord.config.section import Section
from monitord.config.zones import validate_timezone
from monitord.inputs import Name

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class DiscoveryConfig(Section):
    """Asking linked devices what they are: ENTITY-MIB and sysDescr over SNMP, os-release and DMI over SSH."""

    enabled: bool = Field(
        default=True,
        description="Discover assets linked to a target with an snmp, ssh_log or backup probe "
        "(with that probe's credentials); false: no rounds, and on-demand discovery answers 409.",
    )
    interval: PositiveDuration = Field(
        default=86400.0, description="Time between discovery rounds; the first runs a minute after start-up."
    )
    timeout: PositiveDuration = Field(default=30.0, description="Deadline of one target's discovery.")
    concurrency: int = Field(default=8, ge=1, le=256, description="Targets discovered at the same time.")
    address_seen_within: PositiveDuration = Field(
        default=2 * 86400.0,
        description="An IPAM address of the asset's target that reconciliation saw answering this "
        "recently, and that the asset does not list, is address drift.",
    )


class DigestConfig(Section):
    """A weekly message listing assets whose warranty ends soon, through the outbox."""

    route: Name | None = Field(
        default=None, description="The notify route (notify.routes[].name) it goes to; none: no digest."
    )
    day: Weekday = Field(default="monday", description="Weekday it is sent on.")
    time: str = Field(default="08:00", description="Local time it is sent at (HH:MM, 24 h).")
    timezone: str = Field(default="UTC", description="IANA time zone of day and time.")
    within: PositiveDuration = Field(
        default=60 * 86400.0, description="Warranties ending within this long from the send day are listed."
    )

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f"{value!r} is not a time of day as HH:MM (00:00 to 23:59)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return validate_timezone(value)


class AssetsConfig(Section):
    """The equipment register's background work."""

    discovery: DiscoveryConfig = Field(
        default_factory=DiscoveryConfig, description="Periodic discovery of linked devices."
    )
    digest: DigestConfig = Field(
        default_factory=DigestConfig, description="The weekly digest of warranties ending soon."
    )

    def route_problems(self, notify: NotifyConfig) -> list[tuple[str, str]]:
        """The digest's route must be a configured notify route."""
        route = self.digest.route
        if route and notify.route(route) is None:
            known = ", ".join(r.name for r in notify.routes) or "none configured"
            return [("assets.digest.route", f"unknown route {route!r} (routes: {known})")]
        return []

    def summary(self) -> list[str]:
        found = self.discovery
        lines = [
            f"assets: discovery every {format_duration(found.interval)}, {found.concurrency} at a time"
            if found.enabled
            else "assets: discovery off"
        ]
        digest = self.digest
        if digest.route:
            lines.append(
                f"assets: warranty digest {digest.day}s at {digest.time} {digest.timezone} to route "
                f"{digest.route} (within {format_duration(digest.within)})"
            )
        return lines
