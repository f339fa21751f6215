"""Every error answer is JSON: ``{"error": message, "field": name}``; never a traceback.

Handlers raise ``RequestError`` (or its subclasses) or aiohttp's HTTP exceptions;
this middleware turns both into JSON, and anything else into a logged 500 that
says only "internal error".
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from monitord.errors import RequestError

log = logging.getLogger("monitord.api")


def json_error(status: int, message: str, field: str | None = None) -> web.Response:
    body: dict[str, object] = {"error": message}
    if field is not None:
        body["field"] = field
    return web.json_response(body, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except RequestError as exc:
        return json_error(exc.status, str(exc), exc.field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.content_type == "application/json" else None
        if message is not None:
            try:
                json.loads(message)
            except ValueError:
                message = None
            else:
                return web.Response(
                    status=exc.status, text=message, content_type="application/json",
                    headers={k: v for k, v in exc.headers.items() if k.lower() != "content-type"},
                )
        response = json_error(exc.status, exc.reason)
        for key in ("Allow", "WWW-Authenticate", "Retry-After"):
            if key in exc.headers:
                response.headers[key] = exc.headers[key]
        return response
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return json_error(500, "internal error")
