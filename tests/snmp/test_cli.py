"""``monitord probe snmp`` against a real snmpd, run as the command an operator types."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers.snmpd import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, SnmpdServer

pytestmark = pytest.mark.root

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitord", "probe", "snmp", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_poll_interfaces_as_json(snmpd: SnmpdServer) -> None:
    done = cli("127.0.0.1", "--port", str(snmpd.port), "--profile", "interfaces", "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed[0]["measurement"] == "snmp_system" and printed[0]["ok"] is True
    assert sorted(r["tags"]["ifName"] for r in printed[1:]) == ["Gi0/1", "Gi0/2"]


def test_v3_walk_prints_numeric_oids(snmpd: SnmpdServer) -> None:
    done = cli(
        "127.0.0.1",
        "--port",
        str(snmpd.port),
        "--v3-user",
        V3_USER,
        "--v3-auth-key",
        V3_AUTH_KEY,
        "--v3-priv-key",
        V3_PRIV_KEY,
        "--walk",
        ".1.3.6.1.2.1.31.1.1.1.18",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        ".1.3.6.1.2.1.31.1.1.1.18.1 = octets: uplink",
        ".1.3.6.1.2.1.31.1.1.1.18.2 = octets: pos-till-1",
    ]


def test_wrong_community_exits_1_with_the_reason(snmpd: SnmpdServer) -> None:
    done = cli(
        "127.0.0.1",
        "--port",
        str(snmpd.port),
        "--community",
        "nope",
        "--request-timeout",
        "0.2",
        "--retries",
        "0",
    )
    assert done.returncode == 1
    assert "DOWN (no response after 1 x 0.2s)" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--walk", "ifTable"], "'ifTable' is not a numeric OID"),
        (["--profile", "everything"], "unknown profile 'everything'"),
        (["--v3-user", "u", "--v3-auth-key", "short"], "v3.auth_key: USM keys must be at least 8 characters"),
    ],
)
def test_bad_usage_exits_2_naming_the_problem(args: list[str], message: str) -> None:
    done = cli("127.0.0.1", *args)
    assert done.returncode == 2
    assert message in done.stderr
