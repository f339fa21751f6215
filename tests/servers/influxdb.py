"""A real InfluxDB 1.6 server (Debian ``influxdb``) on a free loopback port.

InfluxDB 1.x speaks only the v1 API (``/write?db=``, InfluxQL ``/query``).
Every listener is bound to 127.0.0.1 (HTTP on a free port, the RPC bind
address on another) and everything else (UDP, graphite, reporting, the
monitor store) is off. ``stop``/``start`` keep the port and data directory.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers.processes import free_port, need_binary, started, stop, tcp_open, wait_until

_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"
  logging-enabled = false

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
  max-body-size = 0

[ifql]
  enabled = false

[[udp]]
  enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false
"""


class InfluxServer:
    """One influxd 1.6 process; ``stop``/``start`` keep port and data."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.rpc_port = free_port()
        self.binary = need_binary("influxd", "influxdb")
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / "influxd.log"
        self.config = root / "influxdb.conf"
        self.config.write_text(_CONFIG.format(root=root, http_port=self.port, rpc_port=self.rpc_port))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-config", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(self._ready, 30, "InfluxDB", self.process, self.log)

    def _ready(self) -> bool:
        if not tcp_open("127.0.0.1", self.port):
            return False
        with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as response:
            return bool(response.status == 204)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def query(self, database: str, influxql: str) -> list[dict[str, Any]]:
        """The ``series`` of the first statement's result (empty when nothing matched)."""
        params = urllib.parse.urlencode({"db": database, "q": influxql, "epoch": "ns"})
        request = urllib.request.Request(f"{self.url}/query", data=params.encode(), method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
        result = body["results"][0]
        if "error" in result:
            raise AssertionError(f"InfluxQL error: {result['error']}")
        series: list[dict[str, Any]] = result.get("series", [])
        return series

    def create_database(self, database: str) -> None:
        params = urllib.parse.urlencode({"q": f'CREATE DATABASE "{database}"'})
        request = urllib.request.Request(f"{self.url}/query", data=params.encode(), method="POST")
        urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture(scope="session")
def influx_server() -> Iterator[InfluxServer]:
    """A running InfluxDB 1.6 shared by the session (tests use their own databases)."""
    root = Path(tempfile.mkdtemp(prefix="monitord-influx-"))
    with started(InfluxServer(root), remove=root) as server:
        yield server


@pytest.fixture
def influx_private(tmp_path: Path) -> Iterator[InfluxServer]:
    """An InfluxDB of this test's own, which the test may stop and restart."""
    root = tmp_path / "influx"
    root.mkdir()
    with started(InfluxServer(root)) as server:
        yield server
