"""Finding 6 of issue 13: header, body and idle timeouts, and connection caps, on a real daemon.

Slow clients come from 127.0.0.2 and up (all of 127.0.0.0/8 is loopback), so the
per-address cap they hit is not the test client's own at 127.0.0.1. The
timeouts are set short here; each test waits for the close with a generous
bounded deadline and never asserts how long it took.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.api.server import EVICT_GRACE, GuardedServer
from monitord.daemon import Daemon
from tests.api.raw_http import closed_by_peer, exchange, read_answer
from tests.daemon_harness import ADMIN_TOKEN, base_config, running_daemon, url
from tests.eventually import eventually

DEADLINE = 30.0
CSV_HEADER = "address,subnet,status,hostname,mac,description,owner,target,range\n"


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
async def connections(
    port: int | None, count: int, local: str = "127.0.0.2", first: bytes = b""
) -> AsyncIterator[list[Connection]]:
    assert port is not None
    opened: list[Connection] = []
    try:
        for _ in range(count):
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0)), 10
            )
            if first:
                writer.write(first)
            opened.append((reader, writer))
        yield opened
    finally:
        for _, writer in opened:
            writer.transport.abort()


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
        writer.write(
            b"POST /api/v1/ipam/subnets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + ADMIN_TOKEN.encode() + b"\r\nContent-Length: 100\r\n\r\n{"
        )
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
            refused = await exchange(
                daemon.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", local="127.0.0.2"
            )
            assert refused.status == 503 and set(refused.json()) == {"error", "field"}, refused
            assert (await exchange(daemon.http_port, HEALTHZ)).status == 200
        await eventually(lambda: not server.open, "all connections released")


async def test_at_the_total_cap_the_longest_idle_connection_makes_room(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, max_connections=10)) as daemon:
        server = server_of(daemon)
        async with connections(daemon.http_port, 10, first=b"GET /healthz HTTP/1.1\r\n") as slow:
            await eventually(lambda: len(server.open) == 10, "10 connections counted")
            loop = asyncio.get_running_loop()
            await eventually(
                lambda: all(
                    loop.time() - (h.awaiting_since or loop.time()) > EVICT_GRACE for h in server.open
                ),
                "the slow connections past the grace",
            )
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


async def test_a_later_request_on_a_kept_alive_connection_has_its_own_header_deadline(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, header_timeout="300ms", idle_timeout="1h")) as daemon:
        reader, writer = await asyncio.open_connection("127.0.0.1", daemon.http_port)
        writer.write(HEALTHZ)
        assert (await read_answer(reader, DEADLINE)).status == 200
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and then nothing more
        answer = await read_answer(reader, DEADLINE)
        assert answer.status == 408 and answer.json()["field"] == "headers", answer
        assert await closed_by_peer(reader, DEADLINE)
        writer.close()


async def test_pipelined_requests_are_all_answered(tmp_path: Path) -> None:
    async with running_daemon(limited(tmp_path, header_timeout="300ms")) as daemon:
        reader, writer = await asyncio.open_connection("127.0.0.1", daemon.http_port)
        body = b'{"cidr": "10.91.0.0/24"}'
        post = (
            b"POST /api/v1/ipam/subnets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer "
            + ADMIN_TOKEN.encode()
            + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
            + body
        )
        writer.write(HEALTHZ + post + HEALTHZ)
        statuses = [(await read_answer(reader, DEADLINE)).status for _ in range(3)]
        assert statuses == [200, 201, 200]
        writer.close()


async def test_a_client_that_never_reads_its_answer_is_dropped(tmp_path: Path) -> None:
    """A slow reader: the export streams megabytes to a client whose receive window stays shut."""
    async with running_daemon(limited(tmp_path, send_timeout="300ms")) as daemon:
        server = server_of(daemon)
        rows = "".join(
            f"10.92.{i // 250}.{i % 250 + 1},,allocated,host-{i},,{'x' * 180},,,\n" for i in range(20000)
        )
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as session:
            async with session.post(url(daemon, "/api/v1/ipam/subnets"), json={"cidr": "10.92.0.0/16"}) as r:
                assert r.status == 201, await r.text()
            async with session.post(
                url(daemon, "/api/v1/ipam/import"),
                headers={"Content-Type": "text/csv"},
                data=io.BytesIO((CSV_HEADER + rows).encode()),
            ) as r:
                assert r.status == 200, await r.text()
        await eventually(lambda: not server.open, "the import connection released")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", daemon.http_port))
        try:
            await asyncio.get_running_loop().sock_sendall(
                sock,
                b"GET /api/v1/ipam/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + ADMIN_TOKEN.encode()
                + b"\r\n\r\n",
            )
            await eventually(lambda: len(server.open) == 1, "the export connection counted")
            await eventually(lambda: not server.open, "the stalled connection dropped")
        finally:
            sock.close()
