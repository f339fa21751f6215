"""Every error answer is JSON: ``{"error": message, "field": name}``; never a traceback.

Handlers raise ``RequestError`` (or its subclasses) or aiohttp's HTTP exceptions;
this middleware turns both into JSON, and anything else into a logged 500 that
says only "internal error". A 4xx is the client's doing: it is logged as one
rate-limited debug line (``REJECTS_KEY``), without header values. A client that
hangs up mid-request is neither a 5xx nor a database failure: ``ClientGone``.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestPayloadError

from monitord.api.rejects import RejectLog
from monitord.errors import RequestError

log = logging.getLogger("monitord.api")
REJECTS_KEY = web.AppKey("rejects", RejectLog)
# RFC 6750: a 401 names the scheme it wants. A route whose tokens are not API tokens
# (the POS heartbeat) stores its own challenge in the request under CHALLENGE.
API_CHALLENGE = 'Bearer realm="monitord"'
CHALLENGE = web.RequestKey("www_authenticate", str)
# nginx's "client closed request": never sent (nobody is listening), but it keeps the
# outcome out of both the 4xx-the-client-sent and the 5xx-we-failed counts.
CLIENT_CLOSED = 499


class ClientGone(RequestError):
    """The client closed the connection before its request was read."""

    def __init__(self) -> None:
        super().__init__("the client closed the connection", status=CLIENT_CLOSED)


def client_gone(request: web.Request) -> bool:
    """True when the request's connection is closed or closing (the client hung up)."""
    transport = request.transport
    return transport is None or transport.is_closing()


def json_error(status: int, message: str, field: str | None = None) -> web.Response:
    return web.json_response({"error": message, "field": field}, status=status)


def _answer(request: web.Request, exc: RequestError) -> web.Response:
    response = json_error(exc.status, str(exc), exc.field)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = request.get(CHALLENGE) or API_CHALLENGE
    rejects = request.app.get(REJECTS_KEY)
    if rejects is not None:
        rejects.note(
            logging.DEBUG, "%s %s answered %d: %s", request.method, request.path, exc.status, exc.field or "-"
        )
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ClientGone:
        log.debug("%s %s: the client closed the connection", request.method, request.path)
        return json_error(CLIENT_CLOSED, "the client closed the connection")
    except RequestError as exc:
        return _answer(request, exc)
    except (HttpProcessingError, RequestPayloadError):
        # The body's framing was bad (chunk sizes, a short Content-Length); the message quotes it.
        return _answer(request, RequestError("malformed request body framing", field="body"))
    except ConnectionResetError:
        if not client_gone(request):
            raise
        log.debug("%s %s: the client closed the connection", request.method, request.path)
        return json_error(CLIENT_CLOSED, "the client closed the connection")
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
                    status=exc.status,
                    text=message,
                    content_type="application/json",
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
