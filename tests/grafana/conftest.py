"""One daemon run feeds every panel test: started once per session, before the first of them."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.grafana.scenario import DeviceSnmpd, Fed, run
from tests.servers.influxdb import InfluxServer
from tests.servers.sshd import SshdServer
from tests.servers.victoria import VictoriaServer


@pytest.fixture(scope="session")
def fed(
    influx_server: InfluxServer,
    victoria_server: VictoriaServer,
    postgres_server: str,
    sshd_server: SshdServer,
) -> Iterator[Fed]:
    """The servers after the scenario in ``tests.grafana.scenario`` has run (a few seconds)."""
    root = Path(tempfile.mkdtemp(prefix="monitord-grafana-"))
    files = Path(tempfile.mkdtemp(prefix="grafana-", dir=sshd_server.data_dir))
    files.chmod(0o755)
    snmpd = DeviceSnmpd(root / "snmpd")
    snmpd.start()
    try:
        # In a thread of its own: asyncio.run in this thread would replace (and leak, unclosed)
        # the event loop pytest-asyncio left set by an earlier async test.
        with ThreadPoolExecutor(1) as thread:
            yield thread.submit(
                asyncio.run,
                run(
                    influx=influx_server,
                    victoria=victoria_server,
                    postgres=postgres_server,
                    snmpd=snmpd,
                    sshd=sshd_server,
                    files=files,
                    state_dir=root / "state",
                ),
            ).result()
    finally:
        snmpd.stop()
        shutil.rmtree(files, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
