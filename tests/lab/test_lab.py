"""The lab itself: rules take effect inside the namespace only, and go away with it."""

from __future__ import annotations

import socket
import subprocess

import pytest

from monitord.icmp.engine import IcmpEngine
from tests.lab.netns import Lab

pytestmark = pytest.mark.root


async def test_silence_applies_inside_the_lab_only(lab: Lab) -> None:
    lab.silence("127.0.0.9")
    with lab.icmp_sockets():
        async with IcmpEngine.open() as engine:
            inside = await engine.ping_many(["127.0.0.1", "127.0.0.9"], count=2, interval=0.01, timeout=0.3)
    async with IcmpEngine.open() as engine:
        outside = await engine.ping_many(["127.0.0.9"], count=2, interval=0.01, timeout=1.0)
    assert [s.received for s in inside] == [2, 0]
    assert outside[0].received == 2


async def test_run_executes_in_the_namespace_and_restore_heals(lab: Lab) -> None:
    lab.silence("127.0.0.9")

    async def sweep() -> int:
        async with IcmpEngine.open() as engine:
            return (await engine.ping("127.0.0.9", count=2, interval=0.01, timeout=0.3)).received

    assert await lab.run(sweep) == 0
    lab.restore("127.0.0.9")
    assert await lab.run(sweep) == 2


def test_namespace_and_rules_are_removed_on_close() -> None:
    instance = Lab()
    instance.silence("127.0.0.9")
    assert "127.0.0.9" in instance.ruleset()
    instance.close()
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert instance.name not in listed.stdout


def test_lab_socket_lives_in_the_namespace(lab: Lab) -> None:
    own = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    own.bind(("127.0.0.1", 0))
    own.listen()
    inner = lab.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        inner.settimeout(1.0)
        # The root namespace's listener is invisible from inside the lab.
        assert inner.connect_ex(own.getsockname()) != 0
    finally:
        inner.close()
        own.close()


async def test_a_silent_host_can_start_rejecting_and_many_can_be_silent(lab: Lab) -> None:
    many = [f"127.5.{i // 250}.{i % 250 + 1}" for i in range(2000)]
    lab.silence(*many)
    lab.reject(many[0])
    with lab.icmp_sockets():
        async with IcmpEngine.open() as engine:
            stats = await engine.ping_many([*many[:3], "127.5.200.1"], count=1, timeout=0.3)
    assert [s.received for s in stats] == [0, 0, 0, 1]
    assert stats[0].error is not None and stats[0].error.startswith("destination unreachable")
    assert stats[1].error is None


def test_stale_namespaces_of_dead_processes_are_swept() -> None:
    from tests.lab.netns import remove_stale_labs

    stale = "mdlab-999999999-deadbeef"
    subprocess.run(["ip", "netns", "add", stale], check=True, timeout=20)
    try:
        assert stale in remove_stale_labs()
    finally:
        subprocess.run(["ip", "netns", "del", stale], capture_output=True, timeout=20, check=False)
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert stale not in listed.stdout
