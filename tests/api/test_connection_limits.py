"""Finding 6 of issue 13: header, body and idle timeouts, and connection caps, on a real daemon.

Slow clients come from 127.0.0.2 and up (all of 127.0.0.0/8 is loopback), so the
per-address cap they hit is not the test client's own at 127.0.0.1. The
timeouts are set short here; each test waits for the close with a generous
bounded deadline and never asserts how long it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.api.server import EVICT_GRACE, GuardedServer
from monitord.daemon import Daemon
from tests.api.raw_http import closed_by_peer, exchange, read_answer
from tests.daemon_harness import ADMIN_TOKEN, base_config, running_daemon, url

DEADLINE = 30.0


def limited(tmp_path: Path, **http: Any) -> dict[str, Any]:
    document = base_config(tmp_path, storage={"embedded": {"enabled": False}})
    document["http"].update(http)
    return document


def server_of(daemon: Daemon) -> GuardedServer:
    runner = daemon._runner
    assert runner is not None and isinstance(runner.server, GuardedServer)
    return runner.server


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


@contextlib.asynccontextmanager
async def connections(port: int, count: int, local: str = "127.0.0.2",
                      first: bytes = b"") -> AsyncIterator[list[Connection]]:
    opened: list[Connection] = []
    try:
        for _ in range(count):
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0)), 10)
            if first:
                writer.write(first)
            opened.append((reader, writer))
        yield opened
    finally:
        for _, writer in opened:
            writer.transport.abort()


async def eventually(check: Any, what: str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not check():
        if loop.time() > end:
            raise AssertionError(f"never: {what}")
        await asyncio.sleep(0.02)


async def test_headers_that_never_finish_get_408_and_a_close(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, header_timeout="300ms")) as daemon:
        reader, writer = await asyncio.open_connection("127.0.0.1", daemon.http_port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        answer = await read_answer(reader, DEADLINE)
        assert answer.status == 408 and answer.json()["field"] == "headers", answer
        assert await closed_by_peer(reader, DEADLINE)
        writer.close()


async def test_a_connection_that_never_sends_anything_is_closed(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, header_timeout="300ms")) as daemon:
        reader, writer = await asyncio.open_connection("127.0.0.1", daemon.http_port)
        assert await closed_by_peer(reader, DEADLINE)
        writer.close()


async def test_a_body_that_never_finishes_gets_408(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_daemon(limited(tmp_path, body_timeout="300ms")) as daemon:
        reader, writer = await asyncio.open_connection("127.0.0.1", daemon.http_port)
        writer.write(b"POST /api/v1/ipam/subnets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + ADMIN_TOKEN.encode() + b"\r\nContent-Length: 100\r\n\r\n{")
        answer = await read_answer(reader, DEADLINE)
        assert answer.status == 408 and answer.json()["field"] == "body", answer
        assert await closed_by_peer(reader, DEADLINE)
        writer.close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


async def test_an_idle_keep_alive_connection_is_closed(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, idle_timeout="300ms")) as daemon:
        reader, writer = await asyncio.open_connection("127.0.0.1", daemon.http_port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await read_answer(reader, DEADLINE)).status == 200
        assert await closed_by_peer(reader, DEADLINE)
        writer.close()


async def test_kept_alive_connections_serve_many_requests(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path)) as daemon:
        reader, writer = await asyncio.open_connection("127.0.0.1", daemon.http_port)
        for _ in range(5):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await read_answer(reader, DEADLINE)).status == 200
        writer.close()


async def test_one_address_cannot_hold_more_than_its_share(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, max_connections_per_address=5)) as daemon:
        server = server_of(daemon)
        async with connections(daemon.http_port, 5):
            await eventually(lambda: server.per_address["127.0.0.2"] == 5, "5 connections counted")
            refused = await exchange(daemon.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                     local="127.0.0.2")
            assert refused.status == 503 and set(refused.json()) == {"error", "field"}, refused
            assert (await exchange(daemon.http_port, HEALTHZ)).status == 200
        await eventually(lambda: not server.open, "all connections released")


async def test_at_the_total_cap_the_longest_idle_connection_makes_room(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, max_connections=10)) as daemon:
        server = server_of(daemon)
        async with connections(daemon.http_port, 10, first=b"GET /healthz HTTP/1.1\r\n") as slow:
            await eventually(lambda: len(server.open) == 10, "10 connections counted")
            loop = asyncio.get_running_loop()
            await eventually(lambda: all(loop.time() - (h.awaiting_since or loop.time()) > EVICT_GRACE
                                         for h in server.open), "the slow connections past the grace")
            async with aiohttp.ClientSession() as session, session.get(url(daemon, "/healthz")) as response:
                assert response.status == 200
            assert server.evicted >= 1
            assert await closed_by_peer(slow[0][0], DEADLINE)  # the oldest went first
            assert len(server.open) <= 10


async def test_a_new_connection_is_not_evicted_before_it_could_speak(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, max_connections=3)) as daemon:
        server = server_of(daemon)
        async with connections(daemon.http_port, 3, first=b"GET /healthz HTTP/1.1\r\n"):
            await eventually(lambda: len(server.open) == 3, "3 connections counted")
            # All three are younger than the grace: nothing may be evicted, the newcomer gets 503.
            refused = await exchange(daemon.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert refused.status == 503, refused
            assert server.evicted == 0
