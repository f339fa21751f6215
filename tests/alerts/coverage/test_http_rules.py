"""Rule coverage, HTTP and certificates: a real aiohttp server whose answers, delay and
certificate (made by ``cryptography``) change while the daemon checks it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import running, wait_probed
from tests.servers.certificates import Pair, Pki
from tests.servers.receiver import Receiver
from tests.servers.tls_web import TlsWeb

TARGET = "intranet"


@pytest.fixture
async def site() -> AsyncIterator[list[TlsWeb]]:
    started: list[TlsWeb] = []
    yield started
    for server in started:
        await server.down()


async def serve(started: list[TlsWeb], pair: Pair | None) -> TlsWeb:
    server = TlsWeb(pair)
    started.append(server)
    await server.up()
    return server


def http_target(server: TlsWeb, pki: Pki | None = None, **settings: Any) -> dict[str, Any]:
    probe = {"url": server.url("/"), "interval": "0.3s", "timeout": "5s", **settings}
    if pki is not None:
        probe["ca_file"] = str(pki.ca)
    return {"name": TARGET, "address": "127.0.0.1", "site": "hq", "probes": {"http": probe}}


@pytest.mark.rule_coverage("http-down")
async def test_http_down(tmp_path: Path, receiver: Receiver, site: list[TlsWeb]) -> None:
    server = await serve(site, None)
    doc = matrix_doc(
        tmp_path,
        [http_target(server, body_match="all systems nominal")],
        receiver,
        built_in("http-down", for_="0s"),
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "http-down", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="http")
        await incident.no_news_yet()
        server.status = 503  # an answer, but not the expected one: up 0 on an ok run
        ticket = await incident.fired()
        assert "status 503 (expected 2xx)" in receiver.messages[0].body, ticket
        server.status = 200
        await incident.resolved()


@pytest.mark.rule_coverage("http-slow")
async def test_http_slow(tmp_path: Path, receiver: Receiver, site: list[TlsWeb]) -> None:
    server = await serve(site, None)
    doc = matrix_doc(
        tmp_path, [http_target(server)], receiver, built_in("http-slow", for_="0s", clear_for="0s")
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "http-slow", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="http")
        await incident.no_news_yet()
        server.delay = 2.3  # above the 2,000 ms trigger, within the 5 s timeout
        await incident.fired()
        server.delay = 0.0
        await incident.resolved()


@pytest.mark.rule_coverage("tls-certificate-expiring")
async def test_tls_certificate_expiring(tmp_path: Path, receiver: Receiver, site: list[TlsWeb]) -> None:
    pki = Pki(tmp_path / "pki")
    server = await serve(site, pki.leaf("intranet", days=90))
    doc = matrix_doc(tmp_path, [http_target(server, pki)], receiver)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "tls-certificate-expiring", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="http")
        await incident.no_news_yet()
        server.use(pki.leaf("intranet-old", days=15))  # inside 21 days, outside 7
        await incident.fired()
        assert "certificate expires in 1" in receiver.messages[0].body
        server.use(pki.leaf("intranet-renewed", days=90))
        await incident.resolved()


@pytest.mark.rule_coverage("tls-certificate-expiring-critical")
async def test_tls_certificate_expiring_critical(
    tmp_path: Path, receiver: Receiver, site: list[TlsWeb]
) -> None:
    """Three days left is inside both limits; the warning sibling is switched off here so the
    case can check one ticket (with both on, the warning fires too: one ticket each)."""
    pki = Pki(tmp_path / "pki")
    server = await serve(site, pki.leaf("intranet", days=90))
    doc = matrix_doc(tmp_path, [http_target(server, pki)], receiver)
    doc["alerts"]["disabled_rules"] = ["tls-certificate-expiring"]
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "tls-certificate-expiring-critical", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="http")
        await incident.no_news_yet()
        server.use(pki.leaf("intranet-old", days=3))
        await incident.fired()
        server.use(pki.leaf("intranet-renewed", days=90))
        await incident.resolved()


@pytest.mark.rule_coverage("tls-certificate-invalid")
async def test_tls_certificate_invalid(tmp_path: Path, receiver: Receiver, site: list[TlsWeb]) -> None:
    pki = Pki(tmp_path / "pki")
    server = await serve(site, pki.leaf("intranet", days=90))
    doc = matrix_doc(tmp_path, [http_target(server, pki)], receiver)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "tls-certificate-invalid", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="http")
        await incident.no_news_yet()
        server.use(pki.leaf("other-host", days=90, names=("wiki.corp.example",)))
        await incident.fired()
        assert "Hostname mismatch" in receiver.messages[0].body
        server.use(pki.leaf("intranet-fixed", days=90))
        await incident.resolved()
