"""``reports:``: the availability rollup, response-time targets and scheduled management reports.

The rollup (per target and probe kind per hour: runs, failed runs, seconds
down) is kept while the daemon runs, whatever time-series store is configured;
reports are computed from it and from the ticket records (docs/reports.md).
Scheduled reports go out through the durable outbox with the PDF attached;
recipients are apprise URLs and so secrets.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from alerts.rules import Priority
from monitord.config.durations import PositiveDuration
from monitord.config.schedules import Schedule, parse_schedule
from monitord.config.secrets import Secret
from monitord.config.section import Section
from monitord.config.zones import validate_timezone

ReportKind = Literal["management", "availability", "incidents", "backups"]
REPORT_KINDS: tuple[ReportKind, ...] = ("management", "availability", "incidents", "backups")
PeriodName = Literal["yesterday", "last-week", "last-month", "this-week", "this-month"]
PERIOD_NAMES: tuple[PeriodName, ...] = ("yesterday", "last-week", "last-month", "this-week", "this-month")


class ResponseTarget(Section):
    """How fast tickets of one priority should be acknowledged and repaired."""

    acknowledge: PositiveDuration = Field(description="Acknowledged within this long after opening.")
    repair: PositiveDuration = Field(description="Resolved within this long after opening.")


def _default_targets() -> dict[Priority, ResponseTarget]:
    return {
        "urgent": ResponseTarget(acknowledge=15 * 60.0, repair=4 * 3600.0),
        "normal": ResponseTarget(acknowledge=4 * 3600.0, repair=3 * 86400.0),
    }


class ScheduledReport(Section):
    """One report sent on a schedule, as a PDF attached to a message to each recipient."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Unique name (logs, the outbox, the attachment's file name).",
    )
    kind: ReportKind = Field(
        default="management", description="Which report: " + ", ".join(REPORT_KINDS) + "."
    )
    period: PeriodName = Field(
        default="last-month", description="The period it covers, seen from the moment it is sent."
    )
    schedule: str = Field(
        description="When: 'daily at HH:MM', 'weekly on <weekday> at HH:MM' or 'monthly on day N at HH:MM'."
    )
    timezone: str = Field(default="UTC", description="IANA time zone of the schedule and of the period.")
    recipients: list[Secret] = Field(
        min_length=1,
        description="apprise URLs (secrets), e.g. mailto://user:pass@mail.example.com?to=boss@example.com; "
        "the PDF goes as an attachment.",
    )

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return validate_timezone(value)

    @field_validator("recipients")
    @classmethod
    def _apprise_urls(cls, values: list[Secret]) -> list[Secret]:
        import apprise  # noqa: PLC0415  apprise costs ~70 ms to import; only schedules need it

        for index, value in enumerate(values):
            if not apprise.Apprise().add(value.get_secret_value()):
                scheme = value.get_secret_value().partition("://")[0] or "?"
                raise ValueError(f"recipients[{index}]: apprise does not accept this URL (scheme {scheme!r})")
        return values

    def parsed(self) -> Schedule:
        return parse_schedule(self.schedule)


class ReportsConfig(Section):
    """The rollup that reports read, their targets and figures, and scheduled delivery."""

    rollup: bool = Field(
        default=True,
        description="Keep the hourly availability rollup (reports need it; it costs ~1 µs a result).",
    )
    timezone: str = Field(
        default="UTC", description="IANA time zone of report periods asked for on demand (API, CLI)."
    )
    flush_every: PositiveDuration = Field(
        default=60.0, description="How often the rollup's counts are written to the state store (one batch)."
    )
    gap_intervals: int = Field(
        default=3,
        ge=1,
        le=100,
        description="A failed run counts as down until the next run, but at most this many probe "
        "intervals (the daemon was stopped, the probe removed).",
    )
    buffer_size: int = Field(
        default=100_000,
        ge=100,
        le=10_000_000,
        description="Results the rollup may hold before the oldest are dropped (counted).",
    )
    keep_days: int = Field(
        default=800, ge=35, le=36_500, description="Hourly rollup rows older than this are deleted."
    )
    targets: dict[Priority, ResponseTarget] = Field(
        default_factory=_default_targets,
        description="Response targets per ticket priority: acknowledge and repair within (compliance).",
    )
    top_faults: int = Field(default=10, ge=1, le=100, description="Recurring faults listed.")
    worst_targets: int = Field(
        default=20,
        ge=1,
        le=500,
        description="Targets with the least availability listed besides the critical ones.",
    )
    warranty_days: int = Field(
        default=60, ge=1, le=3650, description="Warranties ending within this many days are listed."
    )
    schedules: list[ScheduledReport] = Field(
        default_factory=list, description="Reports sent on a schedule through the outbox."
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return validate_timezone(value)

    @model_validator(mode="after")
    def _unique(self) -> ReportsConfig:
        names = [s.name for s in self.schedules]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"schedule name {name!r} is used twice")
        return self

    def schedule(self, name: str) -> ScheduledReport | None:
        return next((s for s in self.schedules if s.name == name), None)

    def summary(self) -> list[str]:
        if not self.schedules:
            return []
        parts = [f"{s.name} ({s.kind}, {s.period}, {s.schedule} {s.timezone})" for s in self.schedules]
        return [f"scheduled reports: {', '.join(parts)}"]
