"""Silences and maintenance windows: matchers plus a time range, one-off or weekly.

A silence mutes notifications only. The alert still fires, its ticket is still
written, and because the notification planner compares what receivers last
heard with the alert's current state, whatever changed during the silence
(typically the resolved message) is sent when the silence ends; nothing is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.matchers import Matcher, all_match, parse_matcher
from monitord.config.zones import validate_timezone
from monitord.inputs import Line, Text

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WeeklyWindow(BaseModel):
    """Recurring window, e.g. store closing hours ``20:00``-``07:00`` every day.

    ``end`` before ``start`` crosses midnight; ``days`` name the day it starts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS),
        min_length=1,
        description="Days the window starts on (mon ... sun).",
    )
    start: time = Field(description="Local start time, HH:MM.")
    end: time = Field(description="Local end time, HH:MM; before start crosses midnight.")
    timezone: str = Field(default="UTC", description="IANA time zone of start and end.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return validate_timezone(value)

    @field_validator("start", "end")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        # "20:00+01:00" parses as an aware time, which cannot be compared with the wall clock
        # ``contains`` reads: every later look at the silence would raise (a 500 on each list).
        if value.tzinfo is not None:
            raise ValueError("a wall-clock time without a zone (HH:MM); the zone is `timezone`")
        return value

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        clock = local.time().replace(tzinfo=None)
        today = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        if self.start <= self.end:
            return today in self.days and self.start <= clock < self.end
        return (today in self.days and clock >= self.start) or (yesterday in self.days and clock < self.end)


def _matcher(value: str) -> str:
    """Checked one by one, so an error names ``matchers[i]``."""
    parse_matcher(value)
    return value


class SilenceSpec(BaseModel):
    """A silence as written in ``alerts.silences`` or posted to ``/api/v1/silences``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    matchers: list[Annotated[Line, AfterValidator(_matcher)]] = Field(
        min_length=1,
        max_length=64,
        description="label=value, !=, =~ or !~ (RE2, full match), all of which must hold; labels: "
        "rule, target, site, zone, parent, severity, priority, tags and series tags.",
    )
    starts_at: datetime | None = Field(
        default=None, description="When the silence begins (ISO 8601, UTC if no zone); none: now."
    )
    ends_at: datetime | None = Field(
        default=None, description="When a one-off silence ends; a silence needs ends_at or weekly."
    )
    weekly: WeeklyWindow | None = Field(
        default=None, description="A recurring window (e.g. store closing hours) instead of ends_at."
    )
    comment: Text = Field(default="", max_length=1000, description="Why; shown in the API.")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _range(self) -> SilenceSpec:
        if self.weekly is None and self.ends_at is None:
            raise ValueError("a silence needs ends_at (one-off) or weekly (recurring)")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


@dataclass(frozen=True, slots=True)
class Silence:
    """A stored silence; ``source`` is ``config`` (reloaded) or ``api`` (persisted)."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime | None
    ends_at: datetime | None
    weekly: WeeklyWindow | None
    comment: str
    created_by: str
    source: str

    @classmethod
    def from_spec(
        cls, spec: SilenceSpec, *, created_by: str, source: str, silence_id: str | None = None
    ) -> Silence:
        return cls(
            id=silence_id or uuid.uuid4().hex[:16],
            matchers=tuple(parse_matcher(m) for m in spec.matchers),
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            weekly=spec.weekly,
            comment=spec.comment,
            created_by=created_by,
            source=source,
        )

    def active(self, moment: datetime) -> bool:
        if self.starts_at is not None and moment < self.starts_at:
            return False
        if self.ends_at is not None and moment >= self.ends_at:
            return False
        return self.weekly is None or self.weekly.contains(moment)

    def expired(self, moment: datetime) -> bool:
        return self.ends_at is not None and moment >= self.ends_at + timedelta(seconds=0)

    def mutes(self, labels: Mapping[str, str], moment: datetime) -> bool:
        return self.active(moment) and all_match(self.matchers, labels)

    def to_json(self, moment: datetime) -> dict[str, object]:
        return {
            "id": self.id,
            "matchers": [str(m) for m in self.matchers],
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "weekly": self.weekly.model_dump(mode="json") if self.weekly else None,
            "comment": self.comment,
            "created_by": self.created_by,
            "source": self.source,
            "active": self.active(moment),
        }

    def spec(self) -> SilenceSpec:
        return SilenceSpec(
            matchers=[str(m) for m in self.matchers],
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            weekly=self.weekly,
            comment=self.comment,
        )


class SilenceBook:
    """Every known silence; answers "is this alert muted now?"."""

    def __init__(self) -> None:
        self._config: list[Silence] = []
        self._api: dict[str, Silence] = {}

    def set_config(self, specs: Iterable[SilenceSpec]) -> None:
        self._config = [
            Silence.from_spec(spec, created_by="config", source="config", silence_id=f"config-{i}")
            for i, spec in enumerate(specs)
        ]

    def add(self, silence: Silence) -> None:
        self._api[silence.id] = silence

    def remove(self, silence_id: str) -> Silence | None:
        return self._api.pop(silence_id, None)

    def get(self, silence_id: str) -> Silence | None:
        return self._api.get(silence_id) or next((s for s in self._config if s.id == silence_id), None)

    def all(self) -> list[Silence]:
        return [*self._config, *self._api.values()]

    def muted(self, labels: Mapping[str, str], moment: datetime) -> bool:
        return any(s.mutes(labels, moment) for s in self._config) or any(
            s.mutes(labels, moment) for s in self._api.values()
        )
