"""Core routes: ``/healthz``, ``/metrics``, ``/api/v1/targets`` and ``/api/v1/series``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from monitord.api.auth import require
from monitord.api.keys import CLUSTER_KEY, runtime_of
from monitord.config.resolve import ResolvedTarget
from monitord.errors import NotFoundError, RequestError
from monitord.results import ProbeResult, result_json


async def healthz(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    board = runtime.health.snapshot()
    body: dict[str, Any] = {
        "status": "ok" if runtime.health.ok else "degraded",
        "subsystems": {
            name: {
                "ok": health.ok,
                "detail": health.detail,
                "since": datetime.fromtimestamp(health.since, UTC).isoformat(),
            }
            for name, health in sorted(board.items())
        },
        "buffers": runtime.bus.depth(),
    }
    cluster = request.app.get(CLUSTER_KEY)
    if cluster is not None:
        body["cluster"] = cluster.health()
    return web.json_response(body, status=200 if runtime.health.ok else 503)


async def metrics(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    payload = generate_latest(runtime.registry)
    return web.Response(body=payload, headers={"Content-Type": CONTENT_TYPE_LATEST})


def probe_state(result: ProbeResult | None) -> str:
    """One probe kind's state: pending until its first result, then up or down."""
    return "pending" if result is None else ("up" if result.ok else "down")


def target_state(resolved: ResolvedTarget, last: Mapping[str, ProbeResult]) -> str:
    """A target's state from its probes' newest results: any down is down, all up is up
    (the API and the console both report this)."""
    states = [probe_state(last.get(kind)) for kind in resolved.probes]
    if not states:
        return "unmonitored"
    return "down" if "down" in states else ("up" if "pending" not in states else "pending")


def _target_json(resolved: ResolvedTarget, last: dict[str, ProbeResult]) -> dict[str, Any]:
    target = resolved.target
    probes = {}
    for kind in resolved.probes:
        result = last.get(kind)
        probes[kind] = {
            "state": probe_state(result),
            "last": result_json(result) if result is not None else None,
        }
    return {
        "name": target.name,
        "address": target.address,
        "site": target.site,
        "zone": target.zone,
        "parent": target.parent,
        "criticality": target.criticality,
        "tags": list(target.tags),
        "state": target_state(resolved, last),
        "probes": probes,
    }


def last_by_target(latest: Mapping[tuple[str, str], ProbeResult]) -> dict[str, dict[str, ProbeResult]]:
    """The newest result of each probe kind, grouped by target name."""
    grouped: dict[str, dict[str, ProbeResult]] = {}
    for (target, kind), result in latest.items():
        grouped.setdefault(target, {})[kind] = result
    return grouped


def _last_by_target(request: web.Request) -> dict[str, dict[str, ProbeResult]]:
    return last_by_target(runtime_of(request).results.latest())


TARGET_STATES = ("up", "down", "pending", "unmonitored")  # what _target_json reports


async def list_targets(request: web.Request) -> web.Response:
    require(request, "read")
    runtime = runtime_of(request)
    site = request.query.get("site")
    state = request.query.get("state")
    if state is not None and state not in TARGET_STATES:
        raise RequestError(f"state must be one of {', '.join(TARGET_STATES)}", field="state", status=422)
    last = _last_by_target(request)
    items = [
        _target_json(r, last.get(r.target.name, {}))
        for r in runtime.loaded.targets
        if site is None or r.target.site == site
    ]
    if state is not None:
        items = [i for i in items if i["state"] == state]
    return web.json_response({"targets": items, "count": len(items)})


async def get_target(request: web.Request) -> web.Response:
    require(request, "read")
    runtime = runtime_of(request)
    name = request.match_info["name"]
    resolved = runtime.loaded.target(name)
    if resolved is None:
        raise NotFoundError(f"no target named {name!r}", field="name")
    return web.json_response(_target_json(resolved, _last_by_target(request).get(name, {})))


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/v1/targets", list_targets)
    app.router.add_get("/api/v1/targets/{name}", get_target)
