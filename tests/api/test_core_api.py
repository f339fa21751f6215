"""The core HTTP API against a real daemon on loopback: health, metrics, targets, series,
auth and JSON errors for every kind of bad request."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.daemon import Daemon
from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, auth, base_config, running_daemon, url


@pytest.fixture
def listener() -> Any:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield sock
    sock.close()


@pytest.fixture
async def daemon(tmp_path: Path, listener: socket.socket) -> AsyncIterator[Daemon]:
    port = listener.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    document = base_config(
        tmp_path,
        probes={"tcp": {"interval": "200ms", "timeout": "1s"}},
        targets=[
            {
                "name": "web-1",
                "address": "127.0.0.1",
                "site": "head-office",
                "probes": {"tcp": {"port": port}},
            },
            {
                "name": "till-1",
                "address": "127.0.0.1",
                "site": "store-1",
                "probes": {"tcp": {"port": closed_port}},
            },
        ],
    )
    async with running_daemon(document) as running:
        yield running


async def wait_for_state(
    session: aiohttp.ClientSession, daemon: Daemon, name: str, state: str
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(100):
        async with session.get(url(daemon, f"/api/v1/targets/{name}"), headers=auth(READ_TOKEN)) as r:
            body = await r.json()
        if body.get("state") == state:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} never became {state}: {body}")


async def test_targets_report_up_and_down(daemon: Daemon) -> None:
    async with aiohttp.ClientSession() as session:
        up = await wait_for_state(session, daemon, "web-1", "up")
        down = await wait_for_state(session, daemon, "till-1", "down")
        assert up["probes"]["tcp"]["last"]["fields"]["connect_ms"] > 0
        assert down["probes"]["tcp"]["last"]["reason"] == "connection refused"
        async with session.get(url(daemon, "/api/v1/targets?site=store-1"), headers=auth(READ_TOKEN)) as r:
            listing = await r.json()
        assert [t["name"] for t in listing["targets"]] == ["till-1"]


async def test_series_returns_stored_points(daemon: Daemon) -> None:
    async with aiohttp.ClientSession() as session:
        await wait_for_state(session, daemon, "web-1", "up")
        points: list[Any] = []
        for _ in range(50):
            async with session.get(
                url(daemon, "/api/v1/series?target=web-1&measurement=tcp&field=up&since=5m"),
                headers=auth(READ_TOKEN),
            ) as r:
                assert r.status == 200
                body = await r.json()
            points = body["series"][0]["points"] if body["series"] else []
            if len(points) >= 2:
                break
            await asyncio.sleep(0.2)
        assert len(points) >= 2
        assert all(value == 1.0 for _, value in points)
        assert points == sorted(points)


async def test_healthz_and_metrics(daemon: Daemon) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(url(daemon, "/healthz")) as r:
            health = await r.json()
        assert r.status == 200
        assert health["subsystems"]["state"]["ok"] is True
        assert health["subsystems"]["http"]["ok"] is True
        await wait_for_state(session, daemon, "till-1", "down")
        text = ""
        for _ in range(100):  # the sink writes once per flush interval
            async with session.get(url(daemon, "/metrics")) as r:
                text = await r.text()
            if "monitord_sink_write_seconds_bucket" in text:
                break
            await asyncio.sleep(0.1)
        assert 'monitord_probe_runs_total{kind="tcp",outcome="failed"}' in text
        assert "monitord_scheduler_lag_seconds_bucket" in text
        assert "monitord_buffer_dropped_total" in text and "monitord_buffer_depth" in text
        assert "monitord_sink_write_seconds_bucket" in text


@pytest.mark.parametrize(
    ("path", "headers", "status", "message"),
    [
        ("/api/v1/targets", {}, 401, "missing bearer token (Authorization: Bearer TOKEN)"),
        ("/api/v1/targets", auth("wrong-token-wrong-token"), 401, "invalid token"),
        ("/api/v1/targets/nosuch", auth(READ_TOKEN), 404, "no target named 'nosuch'"),
        (
            "/api/v1/targets?state=weird",
            auth(READ_TOKEN),
            422,
            "state must be one of up, down, pending, unmonitored",
        ),
        ("/api/v1/series?target=nosuch", auth(READ_TOKEN), 404, "no target named 'nosuch'"),
        ("/api/v1/series", auth(READ_TOKEN), 422, "target: Field required"),
        (
            "/api/v1/series?target=web-1&since=yesterday-ish",
            auth(READ_TOKEN),
            422,
            "since: use a duration (90m), an ISO 8601 time or Unix seconds",
        ),
        (
            "/api/v1/series?target=web-1&limit=0",
            auth(READ_TOKEN),
            422,
            "limit: Input should be greater than or equal to 1",
        ),
        ("/api/v1/series?target=web-1&colour=red", auth(READ_TOKEN), 422, "colour: unknown key"),
        (
            "/api/v1/series?target=web-1&since=100000000000d",
            auth(READ_TOKEN),
            422,
            "since: time out of range (1970 to 9999)",
        ),
        (
            "/api/v1/series?target=web-1&until=9999-12-31T23:59:59-14:00",
            auth(READ_TOKEN),
            422,
            "until: time out of range (1970 to 9999)",
        ),
        ("/api/v1/targets", {"Authorization": "Bearer caf\u00e9-not-a-token"}, 401, "invalid token"),
        ("/api/v1/nothing-here", auth(READ_TOKEN), 404, "Not Found"),
    ],
)
async def test_bad_requests_get_json_errors(
    daemon: Daemon, path: str, headers: dict[str, str], status: int, message: str
) -> None:
    async with aiohttp.ClientSession() as session, session.get(url(daemon, path), headers=headers) as r:
        assert r.status == status
        assert r.content_type == "application/json"
        body = await r.json()
    assert body["error"] == message


async def test_wrong_method_is_json_405(daemon: Daemon) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url(daemon, "/api/v1/targets"), headers=auth(ADMIN_TOKEN), data=b"x") as r,
    ):
        assert r.status == 405
        assert (await r.json())["error"] == "Method Not Allowed"
        assert "GET" in r.headers["Allow"]


async def test_tokens_never_appear_in_output(daemon: Daemon) -> None:
    async with aiohttp.ClientSession() as session:
        for path in ("/healthz", "/metrics", "/api/v1/targets"):
            async with session.get(url(daemon, path), headers=auth(READ_TOKEN)) as r:
                text = await r.text()
            assert READ_TOKEN not in text and ADMIN_TOKEN not in text
    assert ADMIN_TOKEN not in repr(daemon.loaded.config)


async def test_pathological_json_body_is_a_400(daemon: Daemon) -> None:
    headers = {**auth(ADMIN_TOKEN), "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url(daemon, "/api/v1/silences"), headers=headers, data=b"[" * 100_000) as r,
    ):
        assert r.status == 400
        assert (await r.json())["error"] == "body is nested too deeply"
