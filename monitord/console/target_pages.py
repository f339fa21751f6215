"""A target's page: state, newest result of each probe with its reason, a Smokeping-style
latency graph, its alerts and its tickets.

The graph's data comes from the embedded series store (the object behind the
API's ``/api/v1/series``) through ``/console/graph``, a session-protected JSON
route shaped for uPlot: one time axis and, per point, the minimum, median and
maximum round trip and the loss. The page's own script draws it; with
JavaScript off the page still reads, without the graph.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monitord.api.core_routes import probe_state, target_state
from monitord.api.keys import ALERTS_KEY, SERIES_KEY
from monitord.console import lookup
from monitord.console.query import read_page_query
from monitord.console.render import render
from monitord.errors import NotFoundError
from monitord.inputs import Name
from monitord.results import ProbeResult
from monitord.tsdb.store import Series

# probe kind -> (min field, median field, max field, loss field); loss "up" means 100 % when up is 0.
GRAPHS: dict[str, tuple[str | None, str, str | None, str]] = {
    "icmp": ("rtt_min_ms", "rtt_median_ms", "rtt_max_ms", "loss_pct"),
    "tcp": (None, "connect_ms", None, "up"),
    "http": (None, "total_ms", None, "up"),
    "tls": (None, "handshake_ms", None, "up"),
}
RANGES = {"1h": 3600, "6h": 6 * 3600, "24h": 86400, "7d": 7 * 86400}
MAX_POINTS = 20_000  # per series, from the store
MAX_COLUMNS = 800  # per graph: more points than pixels are folded into buckets
TICKETS_SHOWN = 20


class GraphQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Name = Field(min_length=1, max_length=128)
    kind: Literal["icmp", "tcp", "http", "tls"]
    range: Literal["1h", "6h", "24h", "7d"] = "6h"


def _resolved(request: web.Request, name: str) -> Any:
    resolved = lookup.runtime(request).loaded.target(name)
    if resolved is None:
        raise NotFoundError(f"no target named {name!r}", field="name")
    return resolved


async def target_page(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    resolved = _resolved(request, name)
    latest = lookup.runtime(request).results.latest()
    last: dict[str, ProbeResult] = {kind: r for (t, kind), r in latest.items() if t == name}
    probes = [
        {"kind": kind, "state": probe_state(last.get(kind)), "result": last.get(kind)}
        for kind in resolved.probes
    ]
    alerts_service = lookup.optional(request, ALERTS_KEY)
    alerts = []
    tickets: list[dict[str, Any]] = []
    if alerts_service is not None:
        alerts = sorted(
            (
                a
                for a in alerts_service.evaluator.alerts.values()
                if a.target == name and a.status != "inactive"
            ),
            key=lambda a: (a.status != "firing", a.rule),
        )
        if alerts_service.pipeline is not None:
            tickets = await alerts_service.pipeline.tickets.search(limit=TICKETS_SHOWN, target=name)
    graphs = [kind for kind in resolved.probes if kind in GRAPHS]
    series_on = lookup.optional(request, SERIES_KEY) is not None
    return render(
        request,
        "target.html",
        {
            "title": name,
            "section": "overview",
            "target": resolved.target,
            "overall": target_state(resolved, last),
            "probes": probes,
            "alerts": alerts,
            "tickets": tickets,
            "graphs": graphs if series_on else [],
            "series_on": series_on,
            "range": request.query.get("range", "6h") if request.query.get("range") in RANGES else "6h",
            "ranges": list(RANGES),
        },
    )


def graph_columns(found: Sequence[Series], kind: str) -> dict[str, list[float | None]]:
    """uPlot's columns: ``t`` (Unix seconds) and min, median, max, loss aligned on it."""
    low, mid, high, loss = GRAPHS[kind]
    wanted = {
        name: column
        for name, column in ((low, "min"), (mid, "median"), (high, "max"), (loss, "loss"))
        if name
    }
    by_time: dict[int, dict[str, float]] = {}
    for series in found:
        column = wanted.get(series.field)
        if column is None:
            continue
        for ts, value in series.points:
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            by_time.setdefault(ts, {})[column] = float(value)
    times = sorted(by_time)
    out: dict[str, list[float | None]] = {"t": [ts / 1e9 for ts in times]}
    for column in ("min", "median", "max", "loss"):
        out[column] = [by_time[ts].get(column) for ts in times]
    if loss == "up":  # a failed run is full loss; its latency is no measurement
        out["loss"] = [None if v is None else (0.0 if v >= 1 else 100.0) for v in out["loss"]]
    for i, lost in enumerate(out["loss"]):
        if lost is not None and lost >= 100.0:
            out["median"][i] = out["min"][i] = out["max"][i] = None
    return fold(out, MAX_COLUMNS)


def _values(column: Sequence[float | None]) -> list[float]:
    return [v for v in column if v is not None]


def fold(columns: dict[str, list[float | None]], most: int) -> dict[str, list[float | None]]:
    """At most ``most`` points: each bucket keeps the lowest minimum, the median of the
    medians, the highest maximum and the mean loss (Smokeping's reading of a long range)."""
    times = columns["t"]
    if len(times) <= most:
        return columns
    size = -(-len(times) // most)
    out: dict[str, list[float | None]] = {key: [] for key in columns}
    for start in range(0, len(times), size):
        end = start + size
        out["t"].append(times[start])
        lows, mids = _values(columns["min"][start:end]), sorted(_values(columns["median"][start:end]))
        highs, losses = _values(columns["max"][start:end]), _values(columns["loss"][start:end])
        out["min"].append(min(lows) if lows else None)
        out["median"].append(mids[len(mids) // 2] if mids else None)
        out["max"].append(max(highs) if highs else None)
        out["loss"].append(sum(losses) / len(losses) if losses else None)
    return out


async def graph_data(request: web.Request) -> web.Response:
    query = read_page_query(request.query, GraphQuery)
    _resolved(request, query.target)
    store = lookup.service(request, SERIES_KEY)
    now = time.time_ns()
    found = await store.query(
        target=query.target,
        measurement=query.kind,
        field=None,
        since_ns=now - RANGES[query.range] * 1_000_000_000,
        until_ns=now,
        limit=MAX_POINTS,
    )
    return web.json_response({"target": query.target, "kind": query.kind, **graph_columns(found, query.kind)})


def setup(app: web.Application) -> None:
    app.router.add_get("/targets/{name:.+}", target_page)
    app.router.add_get("/graph", graph_data)
