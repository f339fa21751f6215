"""``/api/v1/cluster``: the members, their leases, what each owns, whose file differs."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monitord.api.auth import require
from monitord.api.bodies import read_query
from monitord.api.keys import CLUSTER_KEY, service_of
from monitord.inputs import QueryFlag


class ClusterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owned: QueryFlag = Field(
        default=False, description="true: also list the targets this node probes now (owned)"
    )


async def cluster_status(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, ClusterQuery)
    service = service_of(request, CLUSTER_KEY)
    body = service.status()
    if query.owned:
        body["owned"] = sorted(service.coordination.ownership.assigned)
    return web.json_response(body)


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/cluster", cluster_status)
