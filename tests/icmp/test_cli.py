"""``monitord probe icmp`` as a user runs it, inside the lab namespace."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys

import pytest

from monitord.cli.probe_icmp import expand, json_array
from tests.lab.netns import Lab


def run_cli(lab: Lab, *args: str) -> subprocess.CompletedProcess[str]:
    argv = lab.command([sys.executable, "-m", "monitord", "probe", "icmp", *args])
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_cidr_expands_like_fping_g() -> None:
    assert expand("127.0.0.0/30") == ["127.0.0.1", "127.0.0.2"]
    assert expand("127.0.0.4/31") == ["127.0.0.4", "127.0.0.5"]
    assert expand("127.0.0.9/32") == ["127.0.0.9"]
    assert expand("::1/128") == ["::1"]
    # The integer fast path for IPv4 gives exactly what ipaddress gives.
    assert expand("10.1.16.0/20") == [str(host) for host in ipaddress.ip_network("10.1.16.0/20").hosts()]
    with pytest.raises(ValueError, match="at most 65536 per run"):
        expand("127.0.0.0/8")
    with pytest.raises(ValueError, match="not a CIDR range"):
        expand("127.0.0.0/33")


@pytest.mark.root
def test_all_alive_exits_zero_with_fping_lines(lab: Lab) -> None:
    done = run_cli(lab, "127.0.0.0/30", "::1", "--count", "2", "--interval", "10")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(" : ")[0] for line in lines] == ["127.0.0.1", "127.0.0.2", "::1"]
    assert all(" : xmt/rcv/%loss = 2/2/0%, min/avg/max = " in line for line in lines)


@pytest.mark.root
def test_one_silent_target_exits_one(lab: Lab) -> None:
    lab.silence("127.0.0.2")
    done = run_cli(lab, "127.0.0.0/30", "--timeout", "300")
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == "127.0.0.2 : xmt/rcv/%loss = 1/0/100%"


@pytest.mark.root
def test_json_output_and_unresolvable_name(lab: Lab) -> None:
    done = run_cli(lab, "127.0.0.1", "no-such-host.invalid", "--timeout", "300", "--json")
    assert done.returncode == 1
    rows = json.loads(done.stdout)
    assert [row["ok"] for row in rows] == [True, False]
    assert rows[0]["fields"]["received"] == 1 and rows[0]["tags"]["address"] == "127.0.0.1"
    assert rows[1]["reason"].startswith("name not resolved: no-such-host.invalid")


def test_json_array_is_the_same_json_one_target_per_line() -> None:
    objects = [
        {"target": "127.0.0.1", "fields": {"rtt_ms": 0.5}, "reason": None},
        {"target": "b", "ok": False},
    ]
    text = json_array(objects)
    assert json.loads(text) == objects
    assert text.count("\n") == len(objects) + 2 and text.endswith("]\n")
    assert json.loads(json_array([])) == []


def test_bad_input_exits_two() -> None:
    for args in (["not an address"], ["127.0.0.1", "--count", "0"]):
        done = subprocess.run(
            [sys.executable, "-m", "monitord", "probe", "icmp", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, (args, done.stderr)
        assert "monitord probe icmp:" in done.stderr
