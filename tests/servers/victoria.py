"""A real VictoriaMetrics server (Debian ``victoria-metrics``) on a free loopback port.

It accepts InfluxDB line protocol on ``/api/v2/write`` and ``/write`` and
names each series ``measurement_field``. Samples are read back through
``/api/v1/export`` (JSON lines). The server can be stopped and started again on
the same port and data directory, which the outage tests need.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers.processes import free_port, need_binary, started, stop, tcp_open, wait_until


class VictoriaServer:
    """One VictoriaMetrics process; ``stop``/``start`` keep port and data."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.binary = need_binary("/usr/bin/victoria-metrics", "victoria-metrics")
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / "victoria.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [
            self.binary,
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self.root / 'data'}",
            "-retentionPeriod=100y",
            "-search.latencyOffset=0s",
            "-search.disableCache",
            "-loggerLevel=ERROR",
            "-memory.allowedBytes=256MiB",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, 30, "VictoriaMetrics", self.process, self.log)

    def _ready(self) -> bool:
        if not tcp_open("127.0.0.1", self.port):
            return False
        with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
            return bool(response.status == 200)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def export(self, match: str) -> list[dict[str, Any]]:
        """Every raw sample of the series matching ``match`` (a series selector)."""
        urllib.request.urlopen(f"{self.url}/internal/force_flush", timeout=10).close()
        end = int(time.time()) + 2 * 86400  # tests write a little in the future too
        query = urllib.parse.urlencode({"match[]": match, "start": "0", "end": str(end)})
        with urllib.request.urlopen(f"{self.url}/api/v1/export?{query}", timeout=30) as response:
            body = response.read().decode()
        return [json.loads(line) for line in body.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def victoria_server() -> Iterator[VictoriaServer]:
    """A running VictoriaMetrics shared by the session (tests use distinct measurements)."""
    root = Path(tempfile.mkdtemp(prefix="monitord-vm-"))
    with started(VictoriaServer(root), remove=root) as server:
        yield server


@pytest.fixture
def victoria_private(tmp_path: Path) -> Iterator[VictoriaServer]:
    """A VictoriaMetrics of this test's own, which the test may stop and restart."""
    (tmp_path / "vm").mkdir()
    with started(VictoriaServer(tmp_path / "vm")) as server:
        yield server
