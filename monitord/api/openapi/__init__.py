"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 description of the whole HTTP API.

Served without a token, like ``/healthz`` and ``/metrics``: it describes shapes
only (no configuration, no data, no secrets), and tools such as client
generators and the fuzz test load it before they hold a token.
"""

from __future__ import annotations

from aiohttp import web

from monitord.api.openapi.catalog import OPERATIONS
from monitord.api.openapi.document import build_document
from monitord.api.openapi.operations import Operation

__all__ = ["OPERATIONS", "Operation", "build_document", "setup"]


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(build_document())


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/openapi.json", openapi_json)
