"""The first middleware: headers a handler may trust, and a deadline on the request body.

aiohttp hands handlers header values decoded with ``surrogateescape`` and lets
obs-text and some control bytes through; a handler that encodes such a value
(a token digest, a database parameter) raises and answers 500. Rejecting them
here, with a 400 that names the header but never echoes its value, means no
handler sees them. The body deadline makes a client that stops sending halfway
get a 408 instead of holding a connection (and a handler) for ever.
"""

from __future__ import annotations

import asyncio
import re

from aiohttp import web
from aiohttp.streams import StreamReader
from aiohttp.typedefs import Handler

from monitord.errors import RequestError

BODY_TIMEOUT_KEY = web.AppKey("body_timeout", float)

_TOKEN = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# HTAB is the one control character RFC 9110 allows in a field value.
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


class BodyTimeout(RequestError, TimeoutError):
    """The body did not arrive in time (a TimeoutError, so aiohttp's linger loop treats it as one)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"request body not received within {seconds:g}s", field="body", status=408)


def check_headers(raw_headers: tuple[tuple[bytes, bytes], ...]) -> None:
    """Raise a 400 naming the first header that is not a token name with a UTF-8, control-free value."""
    for name, value in raw_headers:
        if not _TOKEN.match(name):
            raise RequestError("a header name has characters outside the HTTP token set", field="headers")
        label = name.decode("ascii")
        if _CONTROL.search(value):
            raise RequestError(f"header {label} contains a control character", field=label)
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError(f"header {label} is not valid UTF-8", field=label) from None


def check_target(raw_path: str) -> None:
    """The request target must be printable ASCII (percent-encode anything else)."""
    if not raw_path.isascii() or not raw_path.isprintable():
        raise RequestError("the URL must be printable ASCII (percent-encode other characters)", field="url")


def _expire(content: StreamReader, seconds: float) -> None:
    if not content.is_eof():
        content.set_exception(BodyTimeout(seconds))


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    check_headers(request.raw_headers)
    check_target(request.raw_path)
    if request.content.is_eof():
        return await handler(request)
    seconds = request.app[BODY_TIMEOUT_KEY]
    timer = asyncio.get_running_loop().call_later(seconds, _expire, request.content, seconds)
    try:
        return await handler(request)
    finally:
        timer.cancel()
