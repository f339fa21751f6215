"""Rule coverage, TLS services: a real TLS listener (aiohttp over TLS, certificate from a test
CA) stops and starts on the same port while the daemon checks it with the tls kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import running, wait_probed
from tests.servers.certificates import Pki
from tests.servers.receiver import Receiver
from tests.servers.tls_web import TlsWeb


@pytest.mark.rule_coverage("tls-service-down")
async def test_tls_service_down(tmp_path: Path, receiver: Receiver) -> None:
    pki = Pki(tmp_path / "pki")
    server = TlsWeb(pki.leaf("ldaps", days=90))
    await server.up()
    target = {
        "name": "ldap",
        "address": "127.0.0.1",
        "site": "hq",
        "probes": {"tls": {"port": server.port, "ca_file": str(pki.ca), "interval": "0.3s", "timeout": "2s"}},
    }
    doc = matrix_doc(tmp_path, [target], receiver, built_in("tls-service-down", for_="0s"))
    try:
        async with running(doc) as daemon:
            incident = Incident(daemon, receiver, "tls-service-down", "ldap")
            await wait_probed(daemon, "ldap", up=True, kind="tls")
            await incident.no_news_yet()
            await server.down()
            await incident.fired()
            await server.up()
            await incident.resolved()
    finally:
        await server.down()
