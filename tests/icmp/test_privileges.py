"""Without CAP_NET_RAW: unprivileged ping sockets when the sysctl allows, else a clear start-up error.

The CLI runs in a subprocess inside the lab namespace with CAP_NET_RAW removed
(setpriv); ``net.ipv4.ping_group_range`` is per namespace, so setting it there
leaves the host's value alone.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.lab.netns import Lab

pytestmark = pytest.mark.root


def run_cli(lab: Lab, *args: str) -> subprocess.CompletedProcess[str]:
    argv = lab.command([sys.executable, "-m", "monitord", "probe", "icmp", *args], without_net_raw=True)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_no_capability_and_no_ping_group_fails_naming_both(lab: Lab) -> None:
    lab.sysctl("net.ipv4.ping_group_range", "1 0")
    done = run_cli(lab, "127.0.0.1")
    assert done.returncode == 3, done.stderr
    assert "CAP_NET_RAW" in done.stderr
    assert "net.ipv4.ping_group_range" in done.stderr
    assert "Traceback" not in done.stderr


def test_ping_sockets_take_over_when_the_sysctl_allows(lab: Lab) -> None:
    lab.sysctl("net.ipv4.ping_group_range", "0 2147483647")
    lab.silence("127.0.0.9")
    lab.reject("127.0.0.11")
    done = run_cli(
        lab,
        "127.0.0.1",
        "::1",
        "127.0.0.9",
        "127.0.0.11",
        "--count",
        "2",
        "--interval",
        "10",
        "--timeout",
        "500",
        "--json",
    )
    assert done.returncode == 1, done.stderr
    results = {row["target"]: row for row in json.loads(done.stdout)}
    assert results["127.0.0.1"]["fields"]["received"] == 2
    assert results["::1"]["fields"]["received"] == 2
    assert results["127.0.0.9"]["reason"] == "no reply: 2 echo(es) timed out"
    assert results["127.0.0.11"]["reason"].startswith(
        "destination unreachable: host unreachable (type 3 code 1)"
    )


def test_raw_capability_really_is_dropped(lab: Lab) -> None:
    code = "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)"
    done = subprocess.run(
        lab.command([sys.executable, "-c", code], without_net_raw=True),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "PermissionError" in done.stderr
