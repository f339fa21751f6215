"""``/api/v1/cluster``: the members, their leases, what each owns, whose file differs."""

from __future__ import annotations

from aiohttp import web

from monitord.api.auth import require
from monitord.api.keys import CLUSTER_KEY, service_of


async def cluster_status(request: web.Request) -> web.Response:
    require(request, "read")
    return web.json_response(service_of(request, CLUSTER_KEY).status())


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/cluster", cluster_status)
