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

    priorities: list[Priority] = Field(
        default_factory=list, description="Ticket priorities taken (urgent, normal); empty: any."
    )
    severities: list[Severity] = Field(default_factory=list, description="Rule severities taken; empty: any.")
    sites: list[str] = Field(default_factory=list, description="Site names taken; empty: any.")
    tags: list[str] = Field(
        default_factory=list, description="Target tags; a target with any of them is taken; empty: any."
    )
    rules: list[str] = Field(default_factory=list, description="Rule names taken; empty: any.")


class RouteConfig(Section):
    """Where matching notifications go, and how they are grouped and repeated."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Unique route name (logs, metrics, escalate_to).",
    )
    match: RouteMatch = Field(
        default_factory=RouteMatch, description="Which alerts the route takes; empty: all."
    )
    urls: list[Secret] = Field(
        min_length=1,
        description="apprise URLs (secrets: never logged, never in the API or the state store), "
        "e.g. tgram://BOT/CHAT, wecombot://KEY, workflow://... (Teams), mailto://...; "
        "each is checked when the file is loaded.",
    )
    continue_: bool = Field(
        default=False,
        alias="continue",
        description="Let later routes match too (first match wins otherwise).",
    )
    group_by: list[str] = Field(
        default_factory=lambda: ["site"],
        description="Label names; alerts with equal values share one message.",
    )
    group_wait: Duration = Field(
        default=30.0, ge=0, description="How long a new group waits for more alerts before its first message."
    )
    group_interval: PositiveDuration = Field(
        default=300.0, description="Least time between two messages of one group."
    )
    repeat_interval: PositiveDuration = Field(
        default=4 * 3600.0,
        description="Firing alerts of an open, unacknowledged ticket are sent again this often.",
    )
    send_resolved: bool = Field(default=True, description="Also send a message when alerts resolve.")
    escalate_after: PositiveDuration | None = Field(
        default=None,
        description="Unacknowledged this long, the alerts go once to escalate_to (set both or neither).",
    )
    escalate_to: str | None = Field(default=None, description="Name of the route escalations go to.")
    format: Literal["auto", "full", "short"] = Field(
        default="auto",
        description="short: one line, no title (SMS); full: title and one line per alert; "
        "auto: short for SMS schemes, else full.",
    )
    escalation_only: bool = Field(
        default=False, description="The route takes only escalations sent to it by name."
    )

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

    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS[:5]),
        min_length=1,
        description="Weekdays with business hours (mon ... sun).",
    )
    start: time = Field(default=time(8, 0), description="Local time business hours begin.")
    end: time = Field(default=time(18, 0), description="Local time they end; after start.")
    timezone: str = Field(default="UTC", description="IANA time zone of start and end.")

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

    routes: list[RouteConfig] = Field(
        default_factory=list,
        description="Tried in order, first match wins; with none, tickets are kept and nothing is sent.",
    )
    normal_delivery: Literal["immediate", "business_hours", "digest"] = Field(
        default="immediate",
        description="For normal-priority messages: immediate; business_hours (held until "
        "business_hours opens); digest (one digest per destination per "
        "digest_interval, within business hours). Urgent ones always go at once.",
    )
    digest_interval: PositiveDuration = Field(
        default=3600.0, description="Digest slots, aligned to the clock (normal_delivery: digest)."
    )
    business_hours: BusinessHours = Field(
        default_factory=BusinessHours, description="When normal-priority messages may be delivered."
    )
    send_timeout: PositiveDuration = Field(
        default=15.0, description="Bound on one apprise send, also its socket timeouts."
    )
    retry_initial: PositiveDuration = Field(
        default=2.0, description="First delay before a failed message is retried; doubles per attempt."
    )
    retry_max: PositiveDuration = Field(default=300.0, description="Longest delay between retries.")
    give_up_after: PositiveDuration = Field(
        default=7 * 86400.0,
        description="A message not delivered after this long is dropped, logged and counted.",
    )
    workers: int = Field(default=4, ge=1, le=64, description="apprise sender threads.")
    templates: Templates = Field(
        default_factory=Templates, description="Message wording; placeholders are listed in docs/messages.md."
    )

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
