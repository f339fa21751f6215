"""Rejected requests: a safe description for each, and a log that cannot be flooded.

Anyone who reaches the port can make the daemon reject requests as fast as the
network allows. Each rejection is worth one line for the operator, never a
traceback and never a header value (a mistyped ``Authorization`` line holds a
token). ``RejectLog`` keeps it to ``burst`` lines per ``period`` and says how many
it left out; ``describe`` turns aiohttp's parser errors, whose messages quote the
offending bytes, into a fixed sentence, a status and the part of the request at fault.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import http_exceptions as hx

# llhttp's reasons ("Invalid header value char") and aiohttp's own fixed sentences
# ("Duplicate 'Host' header found.") are plain words; anything else may quote data.
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z '-]{0,79}\.?$")


@dataclass(frozen=True, slots=True)
class Rejection:
    """What a client is told (and the log says) about a request that could not be read."""

    status: int
    message: str
    field: str


def describe(exc: BaseException | None) -> Rejection:
    """A fixed description of a parser error; never echoes the bytes that caused it."""
    if isinstance(exc, hx.LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 else "the limit of"
        start = exc.args[0] if exc.args else b""
        head = start.encode("latin-1", "replace") if isinstance(start, str) else bytes(start)
        if head[:1] in (b"/", b"*") or head[:7].lower() in (b"http://", b"https:/"):
            return Rejection(414, f"request line longer than {limit} bytes", "url")
        return Rejection(431, f"header field longer than {limit} bytes", "headers")
    if isinstance(exc, hx.BadHttpMethod):
        if "HTTPS" in exc.message:
            return Rejection(400, "TLS sent to a plain HTTP port", "request line")
        return Rejection(400, "not an HTTP request (bad method)", "request line")
    if isinstance(exc, hx.BadStatusLine):
        return Rejection(400, "malformed request line", "request line")
    if isinstance(exc, hx.InvalidURLError):
        return Rejection(400, "invalid character in the URL", "url")
    if isinstance(exc, hx.InvalidHeader):
        return Rejection(400, "a header value contains a NUL or control character", "headers")
    if isinstance(exc, hx.PayloadEncodingError):
        return Rejection(400, "malformed request body framing", "body")
    if isinstance(exc, hx.BadHttpMessage):
        first = exc.message.split(":\n", 1)[0].strip()
        lowered = first.lower()
        field = "url" if "url" in lowered else "body" if "chunk" in lowered else "headers"
        text = first if _PLAIN.match(first) else "malformed request"
        return Rejection(400, text[0].lower() + text[1:], field)
    return Rejection(400, "malformed request", "request")


class RejectLog:
    """At most ``burst`` lines per ``period`` seconds; the next line says how many were dropped.

    A token bucket, so a steady trickle of rejections is logged in full and a
    flood costs ``burst`` lines per period. The clock is injectable for tests.
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        burst: int = 10,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._burst = burst
        self._rate = burst / period
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self.suppressed = 0

    def note(self, level: int, message: str, *args: object) -> bool:
        """Log one line unless the budget is spent; True when it was written."""
        if not self._log.isEnabledFor(level):
            return False
        now = self._clock()
        self._tokens = min(float(self._burst), self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens < 1.0:
            self.suppressed += 1
            return False
        self._tokens -= 1.0
        if self.suppressed:
            message += " (%d similar lines suppressed)"
            args = (*args, self.suppressed)
            self.suppressed = 0
        self._log.log(level, message, *args)
        return True
