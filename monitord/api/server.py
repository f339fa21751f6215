"""The HTTP server's edge: timeouts, connection caps and JSON answers for unreadable requests.

aiohttp's own server keeps a connection that trickles its headers or sits idle
for an hour, answers parser errors in plain text quoting the bad bytes, and
logs each one with a traceback. ``GuardedServer`` and ``GuardedHandler`` wrap it:

- a request's line and headers must arrive within ``header_timeout`` (counted
  from the connection for the first request, from its first byte for later
  ones), else 408 and close; idle keep-alive connections close after
  ``idle_timeout`` (aiohttp's keep-alive timer); a client that stops reading
  its answer is dropped after ``send_timeout``; the body deadline is enforced in
  ``edges.edge_middleware``, where the handler reads it;
- at most ``max_connections`` in total and ``max_connections_per_address`` per
  client address: at the total cap the connection idle the longest (and idle
  for more than ``EVICT_GRACE``) is closed to make room, so connections left
  open by slow or vanished clients cannot lock out a health check; a new
  connection that finds nothing to evict, or its address at the cap, gets 503.
  Against many addresses reconnecting as fast as they can, only the per-address
  cap helps: it bounds what each address can hold;
- a request the parser rejects gets a JSON ``{"error", "field"}`` answer and one
  rate-limited log line, neither of which quotes the request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import BaseRequest

from monitord.api.rejects import RejectLog, describe
from monitord.config.http import HttpConfig

log = logging.getLogger("monitord.api.server")
# Reading and dropping an unread body before closing lets the client see the answer.
LINGER_SECONDS = 2.0
# Seconds (at most half the header timeout) a new connection cannot be evicted for.
EVICT_GRACE = 1.0


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """The ``http:`` settings the server edge enforces (seconds and counts)."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0
    idle_timeout: float = 75.0
    send_timeout: float = 60.0
    max_connections: int = 1024
    max_connections_per_address: int = 256

    @classmethod
    def from_config(cls, config: HttpConfig) -> HttpLimits:
        return cls(
            header_timeout=config.header_timeout,
            body_timeout=config.body_timeout,
            idle_timeout=config.idle_timeout,
            send_timeout=config.send_timeout,
            max_connections=config.max_connections,
            max_connections_per_address=config.max_connections_per_address,
        )


def tls_context(config: HttpConfig) -> ssl.SSLContext | None:
    """The server context of the ``http.tls`` listener (blocking file reads: run in a thread)."""
    if config.tls is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.tls.certificate, config.tls.key)
    return context


def raw_answer(status: int, message: str, field: str | None) -> bytes:
    """A complete JSON error response, for connections no request object exists for."""
    body = json.dumps({"error": message, "field": field}).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def _address(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else "local"


class GuardedHandler(web.RequestHandler):
    """aiohttp's per-connection protocol with a header deadline and quiet JSON errors."""

    def __init__(self, manager: GuardedServer, *, loop: asyncio.AbstractEventLoop, **kwargs: Any) -> None:
        super().__init__(manager, loop=loop, **kwargs)
        self._guard = manager
        self._refused = False
        self._header_timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        # Set while no request is being read or handled: the connection may be evicted.
        self.awaiting_since: float | None = None
        self.address = "local"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.address = _address(transport)
        refusal = self._guard.admit(self)
        if refusal is not None:
            self._refused = True
            assert isinstance(transport, asyncio.Transport)
            transport.write(raw_answer(503, refusal, None))
            transport.close()
            return
        super().connection_made(transport)
        self.awaiting_since = self._loop.time()
        self._arm_header_timer()

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._refused:
            return
        self._guard.release(self)
        self._disarm_header_timer()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None
        self.awaiting_since = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self.awaiting_since is not None and self._header_timer is None and data:
            self._arm_header_timer()  # the first byte of a request on a kept-alive connection
        before = self._request_count
        super().data_received(data)
        if self._request_count != before:  # the parser produced a request (or an error)
            self._disarm_header_timer()
            self.awaiting_since = None

    async def finish_response(
        self, request: BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        answered = await super().finish_response(request, resp, start_time)
        if not self._messages:  # nothing pipelined behind it: idle until the next request
            self.awaiting_since = self._loop.time()
        return answered

    def _arm_header_timer(self) -> None:
        self._header_timer = self._loop.call_later(self._guard.limits.header_timeout, self._header_expired)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_expired(self) -> None:
        self._header_timer = None
        if self.awaiting_since is None or self.transport is None:
            return
        seconds = self._guard.limits.header_timeout
        self._guard.rejects.note(
            logging.INFO,
            "closed a connection from %s: request headers not received within %gs",
            self.address,
            seconds,
        )
        self.transport.write(raw_answer(408, f"request headers not received within {seconds:g}s", "headers"))
        self.force_close()

    def pause_writing(self) -> None:
        """The send buffer is full: the client has that long to start reading again."""
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self._loop.call_later(self._guard.limits.send_timeout, self._send_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _send_stalled(self) -> None:
        self._send_timer = None
        if self.transport is None:
            return
        self._guard.rejects.note(
            logging.INFO,
            "dropped a connection from %s: it read none of its answer for %gs",
            self.address,
            self._guard.limits.send_timeout,
        )
        self.transport.abort()  # close() would wait for the buffer to drain, which it never will

    def evict(self) -> None:
        """Close an idle connection to make room for a new one."""
        self.awaiting_since = None
        self.force_close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """JSON instead of aiohttp's text; one rate-limited line instead of a traceback."""
        if request.writer.output_size > 0:
            raise ConnectionError("the answer had begun; the connection cannot carry an error")
        if status >= 500 and status != 504:
            self.log_exception("unhandled error in %s %s", request.method, request.path, exc_info=exc)
            text, field = "internal error", None
        elif status == 504:
            text, field = "the request took too long to handle", None
        else:
            rejection = describe(exc if isinstance(exc, HttpProcessingError) else None)
            status, text, field = rejection.status, rejection.message, rejection.field
            self._guard.rejects.note(
                logging.INFO, "rejected a request from %s: %d %s (%s)", self.address, status, text, field
            )
        response = web.json_response({"error": text, "field": field}, status=status)
        response.force_close()
        return response


class GuardedServer(web.Server):
    """Counts connections in total and per address; hands out ``GuardedHandler``s."""

    def __init__(self, handler: Any, *, limits: HttpLimits, rejects: RejectLog, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.limits = limits
        self.rejects = rejects
        self._handler_kwargs = {
            k: v for k, v in kwargs.items() if k not in ("request_factory", "handler_cancellation", "loop")
        }
        self.open: dict[GuardedHandler, str] = {}
        self.per_address: Counter[str] = Counter()
        self.evicted = 0
        self.refused = 0

    def __call__(self) -> GuardedHandler:
        return GuardedHandler(self, loop=self._loop, **self._handler_kwargs)

    def admit(self, handler: GuardedHandler) -> str | None:
        """Count ``handler`` in, or say why it is refused (evicting an idle one at the total cap)."""
        address = handler.address
        limits = self.limits
        if self.per_address[address] >= limits.max_connections_per_address:
            self.refused += 1
            self.rejects.note(
                logging.WARNING,
                "refused a connection from %s: %d open from that address (http.max_connections_per_address)",
                address,
                self.per_address[address],
            )
            return f"too many connections from {address}"
        if len(self.open) >= limits.max_connections:
            # A connection gets a moment to send its request before it may be evicted, else
            # under churn the newest (a health check) would be the next to go.
            settled = self._loop.time() - min(EVICT_GRACE, limits.header_timeout / 2)
            idle = [h for h in self.open if h.awaiting_since is not None and h.awaiting_since <= settled]
            if not idle:
                self.refused += 1
                self.rejects.note(
                    logging.WARNING,
                    "refused a connection from %s: %d connections open, none idle (http.max_connections)",
                    address,
                    len(self.open),
                )
                return "too many connections"
            oldest = min(idle, key=lambda h: h.awaiting_since or 0.0)
            self.evicted += 1
            self.rejects.note(
                logging.INFO,
                "closed an idle connection from %s to make room (http.max_connections %d reached)",
                oldest.address,
                limits.max_connections,
            )
            self.release(oldest)
            oldest.evict()
        self.open[handler] = address
        self.per_address[address] += 1
        return None

    def release(self, handler: GuardedHandler) -> None:
        address = self.open.pop(handler, None)
        if address is not None:
            self.per_address[address] -= 1
            if self.per_address[address] <= 0:
                del self.per_address[address]


class GuardedAppRunner(web.AppRunner):
    """``AppRunner`` whose server is a ``GuardedServer`` (the daemon owns the loop)."""

    def __init__(self, app: web.Application, limits: HttpLimits, rejects: RejectLog) -> None:
        super().__init__(app, access_log=None, handle_signals=False)
        self._limits = limits
        self._rejects = rejects

    async def _make_server(self) -> web.Server:
        base = await super()._make_server()
        return GuardedServer(
            base.request_handler,
            request_factory=base.request_factory,
            limits=self._limits,
            rejects=self._rejects,
            access_log=None,
            keepalive_timeout=self._limits.idle_timeout,
            lingering_time=min(LINGER_SECONDS, self._limits.body_timeout),
        )
