"""The HTTPS listener (``http.tls``) and trusted reverse proxies (``http.trusted_proxies``).

The console marks cookies Secure from ``request.secure`` and records ``request.remote``
in the audit log, so both must be right over TLS and behind a proxy that is trusted,
and must not be forgeable by anyone else.
"""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from monitord.accounts.service import Accounts
from monitord.api.forwarded import TRUSTED_PROXIES_KEY, client_address, forwarded_middleware
from monitord.config.loader import build_config
from monitord.errors import ConfigError
from tests.daemon_harness import ADMIN_TOKEN, base_config, running_daemon, url
from tests.servers.certificates import Pki
from tests.servers.processes import free_port

V4 = ipaddress.ip_network


async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"remote": request.remote, "secure": request.secure})


@contextlib.asynccontextmanager
async def echo_server(*trusted: str) -> AsyncIterator[str]:
    """A real loopback server running only the forwarded middleware, trusting ``trusted``."""
    app = web.Application(middlewares=[forwarded_middleware])
    app[TRUSTED_PROXIES_KEY] = tuple(V4(t) for t in trusted)
    app.router.add_get("/", _echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def _get(address: str, headers: dict[str, str]) -> dict[str, object]:
    async with aiohttp.ClientSession() as session, session.get(address, headers=headers) as response:
        body: dict[str, object] = await response.json()
        return body


async def test_forwarded_headers_count_only_from_trusted_proxies() -> None:
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    async with echo_server() as address:
        assert await _get(address, forged) == {"remote": "127.0.0.1", "secure": False}
    async with echo_server("10.0.0.0/8") as address:  # some other proxy: still not us
        assert await _get(address, forged) == {"remote": "127.0.0.1", "secure": False}
    async with echo_server("10.0.0.0/8", "127.0.0.0/8") as address:
        assert await _get(address, forged) == {"remote": "203.0.113.9", "secure": True}
        # The client is the right-most hop that is not a trusted proxy; what it claims left of
        # that is ignored.
        chain = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 10.1.2.3", "X-Forwarded-Proto": "http"}
        assert await _get(address, chain) == {"remote": "203.0.113.9", "secure": False}
        assert await _get(address, {"X-Forwarded-Proto": "gopher"}) == {
            "remote": "127.0.0.1",
            "secure": False,
        }


def test_client_address_rules() -> None:
    proxies = [V4("10.0.0.0/8"), V4("::1/128")]
    assert client_address("10.0.0.1", ["192.0.2.1"], proxies) == "192.0.2.1"
    assert client_address("10.0.0.1", ["10.0.0.2, 10.0.0.3"], proxies) == "10.0.0.2"  # all proxies
    assert client_address("10.0.0.1", ["garbage, 10.0.0.3"], proxies) == "10.0.0.3"
    assert client_address("10.0.0.1", ["[2001:db8::1]:443"], proxies) == "2001:db8::1"
    assert client_address("10.0.0.1", ["192.0.2.1:5555", "10.9.9.9"], proxies) == "192.0.2.1"


async def test_https_listener_and_audit_source_behind_a_trusted_proxy(tmp_path: Path) -> None:
    pki = Pki(tmp_path / "pki")
    pair = pki.leaf("monitord", names=("127.0.0.1",))
    doc = base_config(tmp_path / "state")
    doc["http"]["tls"] = {"listen": "127.0.0.1:0", "certificate": str(pair.cert), "key": str(pair.key)}
    doc["http"]["trusted_proxies"] = ["127.0.0.1"]
    async with running_daemon(doc) as daemon:
        assert daemon.https_port and daemon.https_port != daemon.http_port
        client_tls = ssl.create_default_context(cafile=str(pki.ca))
        async with aiohttp.ClientSession() as session:
            https = f"https://127.0.0.1:{daemon.https_port}/api/v1/me"
            headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            async with session.get(https, ssl=client_tls, headers=headers) as response:
                assert response.status == 200 and (await response.json())["role"] == "admin"
            async with session.get(url(daemon, "/healthz")) as response:
                assert response.status == 200  # the plain listener keeps working beside it
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                async with session.get(https, ssl=ssl.create_default_context()):
                    pass  # a client that does not trust the CA refuses the listener
            assert daemon.state is not None
            accounts = Accounts(daemon.state)
            await accounts.add("alice", "", "viewer", None, actor="test", source="test")
            token = (await accounts.tokens.issue("alice", "t", "viewer", actor="test", source="test")).token
            headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "192.0.2.44"}
            async with session.post(
                url(daemon, "/api/v1/me/tokens"), headers=headers, json={"label": "from behind a proxy"}
            ) as response:
                assert response.status == 201
        entries = await accounts.audit(account="alice", action="token-issued")
        assert entries[0]["source"] == "192.0.2.44"


def test_tls_files_are_checked_when_the_config_loads(tmp_path: Path) -> None:
    pki = Pki(tmp_path / "pki")
    pair = pki.leaf("monitord")
    other = pki.leaf("other")
    for certificate, key, message in [
        (tmp_path / "missing.pem", pair.key, "no such file"),
        (pair.cert, other.key, "do not load together"),
    ]:
        doc = base_config(tmp_path / "state")
        doc["http"]["tls"] = {"certificate": str(certificate), "key": str(key)}
        with pytest.raises(ConfigError) as refused:
            build_config(doc)
        assert any(
            path.startswith("http.tls") and message in text for path, text in refused.value.problems
        ), refused.value.problems
