"""Delivery: backoff, Retry-After, rejected batches (bisected on the real InfluxDB 1.6)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from monitord.errors import RetryableError
from monitord.sinks.influx.delivery import Backoff, Deliverer
from monitord.sinks.influx.metrics import InfluxMetrics
from monitord.sinks.influx.transports import WriteRejected, classify, open_transport, retry_after_seconds
from tests.influx.feed import counter, influx_config, make_sink, sequence_results
from tests.servers.influxdb import InfluxServer
from tests.servers.processes import free_port


def test_backoff_grows_exponentially_with_jitter_and_stays_bounded() -> None:
    backoff = Backoff(0.5, 8.0)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (30, 8.0)]:
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # jittered
    assert backoff.delay(3, retry_after=7.0) == 7.0


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    in_a_minute = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    seconds = retry_after_seconds(in_a_minute)
    assert seconds is not None and 55 <= seconds <= 61


def test_status_classification() -> None:
    assert classify(204, b"", None) is None
    for status in (429, 500, 503, 408):
        error = classify(status, b'{"error":"busy"}', "3")
        assert isinstance(error, RetryableError) and error.retry_after == 3.0
    rejected = classify(400, b'{"error":"unable to parse"}', None)
    assert isinstance(rejected, WriteRejected) and rejected.message == "unable to parse"
    assert isinstance(classify(401, b"unauthorized", None), WriteRejected)


@pytest.mark.root
async def test_a_rejected_batch_is_split_so_the_good_lines_arrive(
    influx_server: InfluxServer, tmp_path: Path
) -> None:
    database = f"split_{uuid.uuid4().hex[:8]}"
    influx_server.create_database(database)
    config = influx_config(influx_server.url, api="v1", database=database)
    registry = CollectorRegistry()
    metrics = InfluxMetrics(registry)
    transport = open_transport(config)
    deliverer = Deliverer(transport, metrics, gzip=True)
    now = time.time_ns()
    lines = [f"conflict,target=t{index} up={index} {now}" for index in range(7)]
    lines[3] = f'conflict,target=t3 up="three" {now}'  # a type conflict inside one batch: all refused
    try:
        await deliverer.deliver("\n".join(lines).encode(), len(lines))
    finally:
        await transport.close()
    series = influx_server.query(database, "SELECT up, target FROM conflict")
    stored = {row[2]: row[1] for row in series[0]["values"]}
    assert stored == {f"t{index}": index for index in range(7) if index != 3}
    assert counter(registry, "monitord_influx_points_written_total") == 6
    assert counter(registry, "monitord_influx_points_dropped_total", reason="rejected") == 1


@pytest.mark.root
async def test_partial_writes_count_only_the_dropped_lines(
    influx_server: InfluxServer, tmp_path: Path
) -> None:
    database = f"partial_{uuid.uuid4().hex[:8]}"
    influx_server.create_database(database)
    config = influx_config(influx_server.url, api="v1", database=database)
    registry = CollectorRegistry()
    deliverer = Deliverer(open_transport(config), InfluxMetrics(registry), gzip=False)
    now = time.time_ns()
    body = f"pw,target=a up=1 {now}\nthis is not line protocol\npw,target=b up=2 {now}".encode()
    try:
        await deliverer.deliver(body, 3)
    finally:
        await deliverer.transport.close()
    series = influx_server.query(database, "SELECT up FROM pw")
    assert [row[1] for row in series[0]["values"]] == [1, 2]
    assert counter(registry, "monitord_influx_points_written_total") == 2
    assert counter(registry, "monitord_influx_points_dropped_total", reason="rejected") == 1


class ScriptedServer:
    """A loopback HTTP server answering /write from a script of (status, headers): the
    retry logic's edge (429, Retry-After, 401) without needing a server to misbehave."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        self.script = script
        self.calls: list[tuple[float, bytes]] = []
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((time.monotonic(), await request.read()))
        status, headers = self.script.pop(0) if self.script else (204, {})
        body = None if status == 204 else '{"error":"scripted"}'
        return web.Response(status=status, headers=headers, text=body)


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer([])
    app = web.Application()
    app.router.add_post("/write", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", server.port).start()
    yield server
    await runner.cleanup()


async def test_429_is_spooled_and_retried_after_the_servers_retry_after(
    scripted: ScriptedServer, tmp_path: Path
) -> None:
    scripted.script[:] = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "1"})]
    config = influx_config(
        f"http://127.0.0.1:{scripted.port}", api="v1", retry_initial=0.05, retry_max=0.1, gzip=False
    )
    sink, registry = make_sink(config, tmp_path)
    await sink.start()
    try:
        await sink.write(sequence_results("ra", 0, 10))
        assert sink.spool.points == 10  # refused live: durably spooled, write() returned
        deadline = time.monotonic() + 10
        while sink.spool.points and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await sink.stop()
    assert sink.spool.points == 0
    assert len(scripted.calls) == 3
    assert scripted.calls[1][0] - scripted.calls[0][0] >= 0.95  # Retry-After beat the 0.1 s backoff
    assert scripted.calls[2][0] - scripted.calls[1][0] >= 0.95
    assert scripted.calls[2][1] == scripted.calls[0][1]  # the same batch, unchanged
    assert counter(registry, "monitord_influx_batches_retried_total") == 2
    assert counter(registry, "monitord_influx_points_written_total") == 10


async def test_401_is_not_retried_but_counted(
    scripted: ScriptedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.script[:] = [(401, {})]
    config = influx_config(f"http://127.0.0.1:{scripted.port}", api="v1", gzip=False)
    sink, registry = make_sink(config, tmp_path)
    await sink.start()
    try:
        await sink.write(sequence_results("auth", 0, 5))
        await asyncio.sleep(0.3)
    finally:
        await sink.stop()
    assert len(scripted.calls) == 1
    assert sink.spool.points == 0
    assert counter(registry, "monitord_influx_points_dropped_total", reason="rejected") == 5
    assert counter(registry, "monitord_influx_batches_rejected_total") == 1
    assert "HTTP 401: scripted" in caplog.text


async def test_flush_interval_merges_small_batches_and_stop_flushes_what_is_held(
    scripted: ScriptedServer, tmp_path: Path
) -> None:
    config = influx_config(
        f"http://127.0.0.1:{scripted.port}", api="v1", gzip=False, flush_interval="300ms", batch_size=1000
    )
    sink, registry = make_sink(config, tmp_path)
    await sink.start()
    try:
        for start in range(0, 50, 10):
            await sink.write(sequence_results("linger", start, 10))
        assert scripted.calls == []  # held, not yet sent
        deadline = time.monotonic() + 5
        while not scripted.calls and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert len(scripted.calls) == 1 and scripted.calls[0][1].count(b"\n") == 49  # one request
        await sink.write(sequence_results("linger", 50, 7))
    finally:
        await sink.stop()
    assert len(scripted.calls) == 2 and scripted.calls[1][1].count(b"\n") == 6  # stop sent the rest
    assert counter(registry, "monitord_influx_points_written_total") == 57
