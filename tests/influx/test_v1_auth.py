"""API v1 credentials travel in an Authorization header, never in a URL that error texts print."""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from monitord.errors import RetryableError
from monitord.sinks.influx.transports import V1Transport, WriteRejected, describe_failure
from tests.influx.feed import influx_config
from tests.servers.influxdb import InfluxServer
from tests.servers.processes import free_port

USER = "writer"
PASSWORD = "s3cret-pw-do-not-print"


class AuthInfluxServer(InfluxServer):
    """InfluxDB 1.6 with ``auth-enabled = true`` and one admin user."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        text = self.config.read_text()
        assert "auth-enabled = false" in text
        self.config.write_text(text.replace("auth-enabled = false", "auth-enabled = true"))

    def statement(self, influxql: str, database: str | None = None, auth: bool = True) -> Any:
        fields = {"q": influxql, "epoch": "ns", **({"db": database} if database else {})}
        request = urllib.request.Request(
            f"{self.url}/query", data=urllib.parse.urlencode(fields).encode(), method="POST"
        )
        if auth:
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def auth_influx() -> Iterator[AuthInfluxServer]:
    root = Path(tempfile.mkdtemp(prefix="monitord-influx-auth-"))
    server = AuthInfluxServer(root)
    server.start()
    try:
        # With no user yet, InfluxDB 1.x takes this one statement unauthenticated.
        server.statement(f"CREATE USER \"{USER}\" WITH PASSWORD '{PASSWORD}' WITH ALL PRIVILEGES", auth=False)
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.root
async def test_v1_basic_auth_writes_to_an_auth_enabled_influxdb(auth_influx: AuthInfluxServer) -> None:
    database = f"auth_{uuid.uuid4().hex[:8]}"
    auth_influx.statement(f'CREATE DATABASE "{database}"')
    good = V1Transport(
        influx_config(auth_influx.url, api="v1", database=database, username=USER, password=PASSWORD)
    )
    bad = V1Transport(
        influx_config(
            auth_influx.url, api="v1", database=database, username=USER, password="wrong-password-xyz"
        )
    )
    anonymous = V1Transport(influx_config(auth_influx.url, api="v1", database=database))
    try:
        assert "p" not in good.params and "u" not in good.params
        await good.send(b"authed,target=a up=1", gzipped=False)
        with pytest.raises(WriteRejected) as refused:
            await bad.send(b"authed,target=b up=1", gzipped=False)
        assert refused.value.status == 401
        assert "wrong-password-xyz" not in str(refused.value)
        with pytest.raises(WriteRejected) as unauthenticated:
            await anonymous.send(b"authed,target=c up=1", gzipped=False)
        assert unauthenticated.value.status == 401
    finally:
        for transport in (good, bad, anonymous):
            await transport.close()
    body = auth_influx.statement("SELECT up, target FROM authed", database=database)
    rows = body["results"][0]["series"][0]["values"]
    assert [row[2] for row in rows] == ["a"]


class Recorder:
    """Loopback /write endpoints: one records what arrives, one redirects elsewhere."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.port = free_port()

    async def write(self, request: web.Request) -> web.Response:
        self.seen.append((str(request.rel_url), request.headers.get("Authorization")))
        return web.Response(status=204)

    async def redirect(self, request: web.Request) -> web.Response:
        self.seen.append((str(request.rel_url), request.headers.get("Authorization")))
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.1:{free_port()}/elsewhere")


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    server = Recorder()
    app = web.Application()
    app.router.add_post("/write", server.write)
    app.router.add_post("/moved/write", server.redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", server.port).start()
    yield server
    await runner.cleanup()


async def test_password_is_in_the_header_and_redirects_are_not_followed(recorder: Recorder) -> None:
    base = f"http://127.0.0.1:{recorder.port}"
    transport = V1Transport(influx_config(base, api="v1", username=USER, password=PASSWORD))
    moved = V1Transport(influx_config(f"{base}/moved", api="v1", username=USER, password=PASSWORD))
    try:
        await transport.send(b"m up=1", gzipped=False)
        with pytest.raises(WriteRejected) as caught:
            await moved.send(b"m up=1", gzipped=False)
    finally:
        await transport.close()
        await moved.close()
    assert caught.value.status == 307
    assert PASSWORD not in str(caught.value)
    (path, authorization), (moved_path, _) = recorder.seen  # nothing followed the redirect
    assert PASSWORD not in path and "p=" not in path and "u=" not in path
    assert moved_path.startswith("/moved/write")
    expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert authorization == f"Basic {expected}"


def test_failure_texts_leave_out_the_request_url() -> None:
    url = URL(f"http://127.0.0.1:1/write?db=x&u={USER}&p={PASSWORD}")
    info = aiohttp.RequestInfo(url, "POST", headers=CIMultiDictProxy(CIMultiDict()), real_url=url)
    for error in (
        aiohttp.ClientResponseError(info, (), status=502, message="Bad Gateway"),
        aiohttp.TooManyRedirects(info, (), status=302, message="Found"),
    ):
        assert PASSWORD in str(error)  # what aiohttp itself would print
        text = describe_failure(error)
        assert PASSWORD not in text and "http://" not in text
        assert str(error.status) in text
    assert describe_failure(TimeoutError()) == "TimeoutError"
    assert describe_failure(OSError("connection refused")) == "connection refused"


async def test_unreachable_server_error_names_no_credentials() -> None:
    transport = V1Transport(
        influx_config(f"http://127.0.0.1:{free_port()}", api="v1", username=USER, password=PASSWORD)
    )
    try:
        with pytest.raises(RetryableError) as caught:
            await transport.send(b"m up=1", gzipped=False)
    finally:
        await transport.close()
    assert str(caught.value).startswith("cannot reach http://127.0.0.1:")
    assert PASSWORD not in str(caught.value) and caught.value.__cause__ is None
