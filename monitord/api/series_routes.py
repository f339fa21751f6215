"""``GET /api/v1/series``: read the embedded time series.

``since``/``until`` take a duration back from now (``90m``), an ISO 8601 time
or Unix seconds; ``limit`` caps the points per series.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitord.api.auth import require
from monitord.api.bodies import read_query
from monitord.api.keys import SERIES_KEY, runtime_of, service_of
from monitord.config.durations import parse_duration
from monitord.errors import NotFoundError, RequestError
from monitord.inputs import Name

_LATEST_NS = int(datetime(9999, 12, 30, tzinfo=UTC).timestamp()) * 1_000_000_000


def parse_time(text: str, now_ns: int) -> int:
    """Nanoseconds since the epoch from a duration ago, an ISO time or Unix seconds."""
    value = text.strip()
    if value.replace(".", "", 1).isascii() and value.replace(".", "", 1).isdigit() and len(value) >= 9:
        return _in_range(int(float(value) * 1_000_000_000))
    try:
        ago = parse_duration(value)
    except ValueError:
        ago = None
    if ago is not None:
        if not math.isfinite(ago):
            raise ValueError("time out of range (1970 to 9999)")
        return _in_range(now_ns - int(ago * 1_000_000_000))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("use a duration (90m), an ISO 8601 time or Unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return _in_range(int(moment.timestamp() * 1_000_000_000))
    except OverflowError:
        raise ValueError("time out of range (1970 to 9999)") from None


def _in_range(ns: int) -> int:
    if not 0 <= ns <= _LATEST_NS:
        raise ValueError("time out of range (1970 to 9999)")
    return ns


class SeriesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Name = Field(min_length=1, max_length=128)
    measurement: Name | None = Field(default=None, max_length=128)
    field: Name | None = Field(default=None, max_length=128)
    since: str = Field(default="1h", max_length=64)
    until: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=1000, ge=1, le=100_000)

    @field_validator("since", "until")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_time(value, time.time_ns())
        return value


async def get_series(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, SeriesQuery)
    store = service_of(request, SERIES_KEY)  # off when storage.embedded.enabled is false
    now = time.time_ns()
    since = parse_time(query.since, now)
    until = parse_time(query.until, now) if query.until else now
    if since > until:
        raise RequestError("since is after until", field="since")
    if runtime_of(request).loaded.target(query.target) is None and not await store.known_target(query.target):
        raise NotFoundError(f"no target named {query.target!r}", field="target")
    found = await store.query(
        target=query.target,
        measurement=query.measurement,
        field=query.field,
        since_ns=since,
        until_ns=until,
        limit=query.limit,
    )
    return web.json_response(
        {
            "target": query.target,
            "since": datetime.fromtimestamp(since / 1e9, UTC).isoformat(),
            "until": datetime.fromtimestamp(until / 1e9, UTC).isoformat(),
            "series": [
                {
                    "measurement": s.measurement,
                    "field": s.field,
                    "tags": s.tags,
                    "points": [[ts, value] for ts, value in s.points],
                }
                for s in found
            ],
        }
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/series", get_series)
