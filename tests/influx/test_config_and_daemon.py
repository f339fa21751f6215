"""``storage.influxdb`` configuration, and the sink inside a real daemon."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.config.loader import build_config
from monitord.errors import ConfigError
from monitord.results import ProbeResult
from tests.daemon_harness import READ_TOKEN, auth, base_config, running_daemon, url
from tests.servers.victoria import VictoriaServer


def problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        build_config(document)
    return caught.value.lines()


@pytest.mark.parametrize(
    ("influx", "message"),
    [
        ({}, "storage.influxdb.url: Field required"),
        ({"url": "ftp://x"}, "storage.influxdb.url: URL scheme should be 'http' or 'https'"),
        ({"url": "http://127.0.0.1:8086", "api": "v3"}, "storage.influxdb.api: Input should be 'v2' or 'v1'"),
        (
            {"url": "http://127.0.0.1:8086", "batch_size": 0},
            "storage.influxdb.batch_size: Input should be greater than or equal to 1",
        ),
        (
            {"url": "http://127.0.0.1:8086", "timeout": "soon"},
            "storage.influxdb.timeout: not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)",
        ),
        (
            {"url": "http://127.0.0.1:8086", "api": "v1", "token": "t"},
            "storage.influxdb: token is for api v2; api v1 uses username and password",
        ),
        (
            {"url": "http://127.0.0.1:8086", "api": "v1", "username": "u"},
            "storage.influxdb: username and password go together",
        ),
        ({"url": "http://127.0.0.1:8086", "bucket": ""}, "storage.influxdb: api v2 needs a bucket"),
        (
            {"url": "http://127.0.0.1:8086", "spool_max_bytes": 10},
            "storage.influxdb.spool_max_bytes: Input should be greater than or equal to 1048576",
        ),
        ({"url": "http://127.0.0.1:8086", "colour": "red"}, "storage.influxdb.colour: unknown key"),
        (
            {"url": "http://admin:hunter2@127.0.0.1:8086", "api": "v1"},
            "storage.influxdb.url: put credentials in token or username/password, not in the URL",
        ),
        (
            {"url": "https://admin@127.0.0.1:8086"},
            "storage.influxdb.url: put credentials in token or username/password, not in the URL",
        ),
        (
            {"url": "http://127.0.0.1:8086", "api": "v1", "username": "a:b", "password": "p"},
            "storage.influxdb.username: must not contain ':' (HTTP basic auth cannot carry it)",
        ),
    ],
)
def test_bad_influxdb_settings_name_the_field(tmp_path: Path, influx: dict[str, Any], message: str) -> None:
    lines = problems(base_config(tmp_path, storage={"influxdb": influx}))
    assert message in lines
    assert not any("hunter2" in line for line in lines)  # the error does not repeat the password


def test_token_from_a_file_stays_secret(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    config = build_config(
        base_config(
            tmp_path,
            storage={
                "influxdb": {"url": "http://127.0.0.1:8086", "token": {"file": str(token_file)}, "org": "it"}
            },
        )
    ).config
    influx = config.storage.influxdb
    assert influx is not None and influx.token is not None
    assert influx.token.get_secret_value() == "s3cret-token"
    assert "s3cret" not in repr(influx) and "s3cret" not in " ".join(influx.summary())
    assert not config.storage.embedded_enabled  # influxdb replaces the embedded store by default
    both = build_config(
        base_config(
            tmp_path, storage={"influxdb": {"url": "http://127.0.0.1:8086"}, "embedded": {"enabled": True}}
        )
    ).config
    assert both.storage.embedded_enabled


async def _serve_tcp() -> asyncio.Server:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    return await asyncio.start_server(accept, "127.0.0.1", 0)


@pytest.mark.root
async def test_daemon_writes_every_result_and_keeps_them_across_an_outage_and_restart(
    victoria_private: VictoriaServer, tmp_path: Path
) -> None:
    listener = await _serve_tcp()
    port = listener.sockets[0].getsockname()[1]
    document = base_config(
        tmp_path / "state",
        storage={"influxdb": {"url": victoria_private.url, "retry_initial": "100ms", "retry_max": "500ms"}},
        probes={"tcp": {"interval": "200ms", "timeout": "1s"}},
        sites={"hq": {"description": "head office"}},
        targets=[
            {"name": f"svc-{index}", "address": "127.0.0.1", "site": "hq", "probes": {"tcp": {"port": port}}}
            for index in range(5)
        ],
    )
    published: list[ProbeResult] = []
    try:
        async with running_daemon(document) as daemon:
            tap = daemon.bus.subscribe("test-tap", 1_000_000)
            await asyncio.sleep(1.0)
            await asyncio.to_thread(victoria_private.stop)  # outage: the sink spools
            await asyncio.sleep(1.5)
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    url(daemon, "/metrics"), headers=auth(READ_TOKEN), timeout=aiohttp.ClientTimeout(10)
                ) as response,
            ):
                metrics = await response.text()
            assert "monitord_influx_spool_points" in metrics
            assert not daemon.health.snapshot()["influxdb"].ok
        published += await tap.get_batch(1_000_000, timeout=0)
        spool = tmp_path / "state" / "influx-spool"
        assert list(spool.glob("*.seg")), "SIGTERM with the server down must leave the spool on disk"
        await asyncio.to_thread(victoria_private.start)
        async with running_daemon(document) as daemon:
            deadline = time.monotonic() + 30
            sink = daemon.sinks[-1]
            while getattr(sink, "spool").points and time.monotonic() < deadline:  # noqa: B009
                await asyncio.sleep(0.1)
            assert daemon.health.snapshot()["influxdb"].ok
    finally:
        listener.close()
        await listener.wait_closed()
    assert len(published) >= 5 * 5
    rows = victoria_private.export('{__name__="tcp_up"}')
    stored = {(row["metric"]["target"], stamp) for row in rows for stamp in row["timestamps"]}
    expected = {(result.target, result.time_ns // 1_000_000) for result in published}
    assert expected <= stored, f"{len(expected - stored)} results missing"
