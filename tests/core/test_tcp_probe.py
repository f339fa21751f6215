"""The tcp probe against real loopback listeners (IPv4 and IPv6) and the one-shot CLI."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from probes.base import ProbeTarget
from probes.tcp import TcpProbe, TcpSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def open_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def target(address: str) -> ProbeTarget:
    return ProbeTarget(name="t", address=address, site="head-office")


async def test_open_port_is_up(open_port: int) -> None:
    result = await TcpProbe().probe(target("127.0.0.1"), TcpSettings(port=open_port))
    assert result.ok and result.reason is None
    assert result.fields["up"] == 1 and result.fields["connect_ms"] > 0
    assert result.tags == {"site": "head-office", "port": str(open_port)}
    # the probe's cached tags are the kind's documented ones
    assert result.tags == TcpProbe().tags(target("127.0.0.1"), TcpSettings(port=open_port))
    assert result.measurement == "tcp"


async def test_closed_port_is_refused(closed_port: int) -> None:
    result = await TcpProbe().probe(target("127.0.0.1"), TcpSettings(port=closed_port))
    assert not result.ok
    assert result.reason == "connection refused"
    assert result.fields == {"up": 0}


async def test_ipv6_loopback_and_name() -> None:
    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        sock.listen(4)
        port = sock.getsockname()[1]
        v6 = await TcpProbe().probe(target("::1"), TcpSettings(port=port))
        assert v6.ok
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        by_name = await TcpProbe().probe(target("localhost"), TcpSettings(port=sock.getsockname()[1]))
    # localhost may resolve to ::1 first, where nothing listens on that port: either way a verdict
    assert by_name.ok or by_name.reason == "connection refused"


def test_cli_probe_tcp(open_port: int, closed_port: int) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitord",
            "probe",
            "tcp",
            f"127.0.0.1:{open_port}",
            f"127.0.0.1:{closed_port}",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 1  # one endpoint is down
    body = json.loads(result.stdout)
    assert [r["ok"] for r in body] == [True, False]
    assert body[1]["reason"] == "connection refused"
    ok_only = subprocess.run(
        [sys.executable, "-m", "monitord", "probe", "tcp", f"127.0.0.1:{open_port}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert ok_only.returncode == 0
    assert ok_only.stdout.startswith(f"127.0.0.1:{open_port} tcp: up connect_ms=")


def test_cli_bad_endpoint_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitord", "probe", "tcp", "127.0.0.1:http"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "expected HOST:PORT with a port 1-65535" in result.stdout + result.stderr
