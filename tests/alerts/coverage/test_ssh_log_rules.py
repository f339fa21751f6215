"""Rule coverage, SSH log scraping: the session's real sshd, its log files changing,
and a path to it that goes away (``ssh_path``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.forwarder import Forwarder
from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import running, wait_probed
from tests.servers.receiver import Receiver
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import connection, write

pytestmark = pytest.mark.root

TARGET = "erp-db"


def log_target(ssh: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    settings = {**ssh, "files": [str(f) for f in files], "interval": "0.5s", "timeout": "10s"}
    settings["client_keys"] = [str(k) for k in settings["client_keys"]]
    settings["known_hosts"] = str(settings["known_hosts"])
    return {"name": TARGET, "address": "127.0.0.1", "site": "head-office", "probes": {"ssh_log": settings}}


@contextlib.asynccontextmanager
async def logging_lines(log: Path, line: str) -> AsyncIterator[None]:
    """The fault: ``line`` keeps being logged (a few times per probe run) until the block ends."""

    async def run() -> None:
        for number in range(100_000):
            write(log, line.format(number=number))
            await asyncio.sleep(0.2)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def direct(sshd: SshdServer) -> dict[str, Any]:
    ssh = connection(sshd)
    del ssh["timeout"]
    return ssh


@pytest.mark.rule_coverage("ssh-unreachable")
async def test_ssh_unreachable(
    ssh_path: Forwarder, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    doc = matrix_doc(
        tmp_path, [log_target(ssh_path.settings(), [log])], receiver, built_in("ssh-unreachable", for_="0s")
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "ssh-unreachable", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="ssh_log")
        await incident.no_news_yet()
        await ssh_path.close()  # connections cut, new ones refused
        await incident.fired()
        body = receiver.messages[0].body
        assert "logs cannot be read: " in body and "cannot connect" in body, body
        await ssh_path.open()
        await incident.resolved()


@pytest.mark.rule_coverage("log-file-missing")
async def test_log_file_missing(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    log = ssh_files / "erp.log"
    write(log, "")
    doc = matrix_doc(
        tmp_path, [log_target(direct(sshd_server), [log])], receiver, built_in("log-file-missing", for_="0s")
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "log-file-missing", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="ssh_log")
        await incident.no_news_yet()
        log.unlink()
        await incident.fired()
        assert f"missing: {log}" in receiver.messages[0].body
        write(log, "")
        await incident.resolved()


@pytest.mark.rule_coverage("log-critical")
async def test_log_critical(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    log = ssh_files / "kern.log"
    write(log, "")
    doc = matrix_doc(
        tmp_path, [log_target(direct(sshd_server), [log])], receiver, built_in("log-critical", clear_for="0s")
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "log-critical", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="ssh_log")
        await incident.no_news_yet()
        async with logging_lines(log, "kernel: Out of memory: Killed process {number} (erp)\n"):
            await incident.fired()
        await incident.resolved()  # a run without a new critical line: with clear_for 0 that ends it


@pytest.mark.rule_coverage("log-errors")
async def test_log_errors(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    log = ssh_files / "erp.log"
    write(log, "")
    doc = matrix_doc(
        tmp_path, [log_target(direct(sshd_server), [log])], receiver, built_in("log-errors", clear_for="0s")
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "log-errors", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="ssh_log")
        await incident.no_news_yet()
        async with logging_lines(log, "2026-12-01 04:30:{number:02d} ERROR replication to erp-db-2 broken\n"):
            await incident.fired()
        await incident.resolved()
