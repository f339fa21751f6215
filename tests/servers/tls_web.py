"""A real aiohttp HTTPS (or HTTP) server on loopback whose certificate can be swapped while it runs.

The certificate is chosen per handshake through the SNI callback, so a test turns a
valid site into an expiring, expired or misnamed one (and back) without restarting
it; ``require_client`` asks every client for a certificate signed by ``client_ca``.
Routes: ``/`` (a page with a marker and ``X-Check: yes``), ``/status/{code}``,
``/redirect`` (302 to ``/``), ``/slow`` (answers after ``delay`` seconds), ``/chunked``.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

from aiohttp import web

from tests.servers.certificates import Pair
from tests.servers.processes import free_port

PAGE = b"<html><body>monitord status page: all systems nominal</body></html>"


def server_context(pair: Pair, client_ca: Path | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pair.cert), str(pair.key))
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(str(client_ca))
    return context


class TlsWeb:
    """``url(path)``; ``use(pair)`` swaps the certificate; ``status``/``delay`` change answers."""

    def __init__(self, pair: Pair | None, client_ca: Path | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port()
        self.client_ca = client_ca
        self.status = 200
        self.delay = 0.0
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self._context: ssl.SSLContext | None = None
        self._current: ssl.SSLContext | None = None
        if pair is not None:
            self._context = server_context(pair, client_ca)
            self._current = self._context
            self._context.sni_callback = self._pick

    def _pick(self, sock: ssl.SSLObject, _name: str | None, _ctx: ssl.SSLContext) -> None:
        if self._current is not None and self._current is not self._context:
            sock.context = self._current

    def use(self, pair: Pair) -> None:
        """New handshakes present ``pair`` from now on."""
        self._current = server_context(pair, self.client_ca)

    def url(self, path: str = "/", host: str = "localhost") -> str:
        scheme = "https" if self._context is not None else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    async def _root(self, _request: web.Request) -> web.Response:
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(
            body=PAGE, status=self.status, content_type="text/html", headers={"X-Check": "yes"}
        )

    async def _status(self, request: web.Request) -> web.Response:
        return web.Response(text="status", status=int(request.match_info["code"]))

    async def _redirect(self, _request: web.Request) -> web.Response:
        raise web.HTTPFound("/")

    async def _slow(self, _request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        return web.Response(text="slow")

    async def _chunked(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for part in (b"first part ", b"second part ", b"marker-in-chunk"):
            await response.write(part)
        await response.write_eof()
        return response

    async def up(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._root)
        app.router.add_post("/", self._root)
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/chunked", self._chunked)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port, ssl_context=self._context).start()

    async def down(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
