"""A test PKI per module and HTTPS servers presenting its certificates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from monitord.results import ProbeResult
from probes.base import ProbeTarget
from probes.http import HttpProbe, HttpSettings
from tests.servers.certificates import Pair, Pki
from tests.servers.tls_web import TlsWeb


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    yield Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
async def web_servers() -> AsyncIterator[Callable[..., TlsWeb]]:
    """``make(pair, client_ca=None)``: a started server, stopped after the test."""
    started: list[TlsWeb] = []

    def make(pair: Pair | None, client_ca: Path | None = None, host: str = "127.0.0.1") -> TlsWeb:
        server = TlsWeb(pair, client_ca, host)
        started.append(server)
        return server

    yield make
    for server in started:
        await server.down()


async def check(**settings: object) -> list[ProbeResult]:
    """One run of the http kind with these settings (as the scheduler would, under a deadline)."""
    from monitord.cli.output import run_with_deadline

    values = {"interval": 60, "timeout": 10, **settings}
    return await run_with_deadline(
        HttpProbe(),
        ProbeTarget(name="site", address="127.0.0.1", site="hq"),
        HttpSettings.model_validate(values),
    )
