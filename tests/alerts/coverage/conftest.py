"""Servers shared across the rule-coverage matrix: one snmpd for every SNMP case (the
session's sshd comes from ``tests.servers.sshd``), and a switchable path to that sshd."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.alerts.coverage.forwarder import Forwarder
from tests.servers.snmpd import SnmpdServer, default_interfaces
from tests.servers.sshd import SshdServer


class SharedSnmpd(SnmpdServer):
    """An snmpd that knows since when it runs (a reboot case needs an uptime to go back from)."""

    started_at = 0.0

    def start(self) -> None:
        super().start()
        self.started_at = time.monotonic()

    def pause(self) -> None:
        """SIGSTOP: the agent stops answering, its uptime clock runs on (no reboot)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


@pytest.fixture(scope="session")
def matrix_snmpd() -> Iterator[SharedSnmpd]:
    """One controlled snmpd for every SNMP case; each case sets the interfaces it needs."""
    if os.geteuid() != 0:
        pytest.skip("needs root: snmpd is started as a system server")
    root = Path(tempfile.mkdtemp(prefix="monitord-matrix-snmpd-"))
    server = SharedSnmpd(root / "snmpd")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def snmpd_agent(matrix_snmpd: SharedSnmpd) -> Iterator[SharedSnmpd]:
    """The shared snmpd, running and serving the default interfaces, left so for the next case."""
    if matrix_snmpd.process is None:
        matrix_snmpd.start()
    matrix_snmpd.set_interfaces(default_interfaces())
    try:
        yield matrix_snmpd
    finally:
        matrix_snmpd.resume()
        matrix_snmpd.set_interfaces(default_interfaces())


@pytest.fixture
async def ssh_path(sshd_server: SshdServer, tmp_path: Path) -> AsyncIterator[Forwarder]:
    """A port that reaches the session's sshd while open and refuses while closed."""
    forward = Forwarder(sshd_server, tmp_path / "known_hosts")
    await forward.open()
    try:
        yield forward
    finally:
        await forward.close()
