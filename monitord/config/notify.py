"""``notify:``: notification routes through apprise, delivery timing and retries.

Routes are tried in order; the first whose ``match`` fits takes the message
(``continue: true`` lets later routes take it too). Apprise URLs are secrets
(they carry tokens): they never appear in logs, API output or the state store.
"""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field, field_validator, model_validator

from alerts.rules import Priority, Severity
from alerts.silences import WEEKDAYS, Weekday, WeeklyWindow
from alerts.templates import Templates
from monitord.config.durations import Duration, PositiveDuration
from monitord.config.secrets import Secret
from monitord.config.section import Section


class RouteMatch(Section):
    """What a route takes; an empty list means "any"."""

    priorities: list[Priority] = Field(default_factory=list)
    severities: list[Severity] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="target tags, any of them")
    rules: list[str] = Field(default_factory=list)


class RouteConfig(Section):
    """Where matching notifications go, and how they are grouped and repeated."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    match: RouteMatch = Field(default_factory=RouteMatch)
    urls: list[Secret] = Field(min_length=1)
    continue_: bool = Field(default=False, alias="continue")
    group_by: list[str] = Field(default_factory=lambda: ["site"])
    group_wait: Duration = Field(default=30.0, ge=0)
    group_interval: PositiveDuration = 300.0
    repeat_interval: PositiveDuration = 4 * 3600.0
    send_resolved: bool = True
    escalate_after: PositiveDuration | None = None
    escalate_to: str | None = None
    format: Literal["auto", "full", "short"] = "auto"
    escalation_only: bool = Field(default=False, description="takes only escalations sent to it")

    model_config = Section.model_config | {"populate_by_name": True}

    @field_validator("urls")
    @classmethod
    def _apprise_urls(cls, values: list[Secret]) -> list[Secret]:
        import apprise  # noqa: PLC0415  apprise costs ~70 ms to import; only notify routes need it

        for index, value in enumerate(values):
            if not apprise.Apprise().add(value.get_secret_value()):
                scheme = value.get_secret_value().partition("://")[0] or "?"
                raise ValueError(f"urls[{index}]: apprise does not accept this URL (scheme {scheme!r})")
        return values

    @model_validator(mode="after")
    def _escalation(self) -> RouteConfig:
        if (self.escalate_after is None) != (self.escalate_to is None):
            raise ValueError("escalate_after and escalate_to go together")
        return self


class BusinessHours(Section):
    """When normal-priority messages are delivered if ``normal_delivery: business_hours``."""

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    start: time = time(8, 0)
    end: time = time(18, 0)
    timezone: str = "UTC"

    def window(self) -> WeeklyWindow:
        return WeeklyWindow(days=self.days, start=self.start, end=self.end, timezone=self.timezone)

    @model_validator(mode="after")
    def _valid(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        self.window()
        return self


class NotifyConfig(Section):
    """Notification routes and the durable outbox's delivery policy."""

    routes: list[RouteConfig] = Field(default_factory=list)
    normal_delivery: Literal["immediate", "business_hours", "digest"] = "immediate"
    digest_interval: PositiveDuration = 3600.0
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    send_timeout: PositiveDuration = 15.0
    retry_initial: PositiveDuration = 2.0
    retry_max: PositiveDuration = 300.0
    give_up_after: PositiveDuration = 7 * 86400.0
    workers: int = Field(default=4, ge=1, le=64)
    templates: Templates = Field(default_factory=Templates)

    @model_validator(mode="after")
    def _routes(self) -> NotifyConfig:
        names = [r.name for r in self.routes]
        for route in self.routes:
            if names.count(route.name) > 1:
                raise ValueError(f"route name {route.name!r} is used twice")
            if route.escalate_to is not None and route.escalate_to not in names:
                raise ValueError(f"route {route.name!r}: escalate_to {route.escalate_to!r} is not a route")
        return self

    def route(self, name: str) -> RouteConfig | None:
        return next((r for r in self.routes if r.name == name), None)

    def summary(self) -> list[str]:
        if not self.routes:
            return ["notify: no routes (tickets are kept, nothing is sent)"]
        parts = [f"{r.name} ({len(r.urls)} URL{'s' if len(r.urls) != 1 else ''})" for r in self.routes]
        return [f"notify routes: {', '.join(parts)}; normal priority: {self.normal_delivery}"]
