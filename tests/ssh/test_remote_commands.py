"""Remote commands on a real sshd: a run we stop waiting for does not leave its command running."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest

from monitord.ssh.pool import HostSession, SshPool
from probes.ssh_log import SshLogSettings
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import connection

pytestmark = pytest.mark.root


def remote_running(marker: str) -> bool:
    """Whether a process whose command line holds ``marker`` runs (sshd is on this machine)."""
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, timeout=10, check=False)
    return found.returncode == 0


async def gone(marker: str, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not remote_running(marker):
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.mark.parametrize("how", ["timeout", "cancel"])
async def test_abandoned_command_is_stopped(
    sshd_server: SshdServer, ssh_files: Path, pool: SshPool, how: str
) -> None:
    settings = SshLogSettings.model_validate(connection(sshd_server, files=[str(ssh_files / "x.log")]))
    endpoint = settings.endpoint("127.0.0.1", sshd_server.known_hosts)
    marker = "41.5" if how == "timeout" else "42.5"  # distinct sleep lengths name the command

    started = asyncio.Event()

    async def long_command(session: HostSession) -> object:
        started.set()
        return await session.run(["sleep", marker])

    if how == "timeout":
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1.5):
                await pool.run(endpoint, long_command)
    else:
        task = asyncio.create_task(pool.run(endpoint, long_command))
        await asyncio.wait_for(started.wait(), 20)
        await asyncio.sleep(0.5)
        assert remote_running(f"sleep {marker}")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
    assert await gone(f"sleep {marker}"), "the remote command outlived its run"

    async def echo(session: HostSession) -> object:
        return await session.run(["echo", "still usable"])

    result = await asyncio.wait_for(pool.run(endpoint, echo), 20)  # the connection is still usable
    assert getattr(result, "stdout", None) == "still usable\n"
    assert pool.connects == 1
