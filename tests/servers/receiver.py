"""A real HTTP endpoint behind apprise's ``json://``: records what it receives.

It listens on a free loopback port and can be taken down (the port then
refuses connections) and brought back on the same port, to test that an
endpoint outage delays messages without losing or duplicating them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from tests.servers.processes import free_port


@dataclass(frozen=True)
class Received:
    path: str
    title: str
    body: str
    kind: str
    key: str | None
    payload: dict[str, Any]
    at: float  # time.monotonic() on arrival (benchmarks measure delivery latency)


class Receiver:
    """``url(path)`` gives the apprise URL; ``messages`` what arrived, in order."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Received] = []
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Event()

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        payload = json.loads(await request.read())
        self.messages.append(
            Received(
                path=request.path,
                title=payload.get("title", ""),
                body=payload.get("message", ""),
                kind=payload.get("type", ""),
                key=request.headers.get("X-Idempotency-Key"),
                payload=payload,
                at=time.monotonic(),
            )
        )
        self._arrived.set()
        return web.json_response({"ok": True})

    async def up(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()

    async def down(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_for(self, count: int, timeout: float) -> list[Received]:
        """Wait until at least ``count`` messages arrived (or the timeout); returns them all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.messages) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._arrived.clear()
            try:
                async with asyncio.timeout(min(remaining, 0.5)):
                    await self._arrived.wait()
            except TimeoutError:
                pass
        return list(self.messages)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver(free_port())
    await server.up()
    try:
        yield server
    finally:
        await server.down()
