"""Rule coverage, syslog: util-linux ``logger`` sends RFC 5424 messages over UDP to the
daemon's receiver; the matching lines are the ticket's evidence."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from monitord.daemon import Daemon
from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import api, running, sighup, write_config
from tests.servers.processes import need_binary
from tests.servers.receiver import Receiver
from tests.syslog.harness import receiver_of, send_with_logger

TARGET = "erp-db"


def syslog_targets() -> list[dict[str, Any]]:
    return [{"name": TARGET, "address": "127.0.0.1", "site": "head-office"}]


SYSLOG = {"udp": {"listen": "127.0.0.1:0"}, "interval": "0.3s"}


@contextlib.asynccontextmanager
async def sending(daemon: Daemon, priority: str, message: str) -> AsyncIterator[None]:
    """The fault: ``message`` keeps arriving (several per interval) until the block ends.

    One ``logger`` reads the lines from its stdin and sends each as it arrives: starting a
    process per line took longer than an interval on a loaded machine, and the quiet gap
    ended the alert (``clear_for: 0s``) before the next line opened it again.
    """
    port = receiver_of(daemon).port("udp")
    binary = need_binary("logger", "bsdutils")
    process = await asyncio.create_subprocess_exec(
        *[binary, "--server", "127.0.0.1", "--port", str(port), "--udp", "--rfc5424"],
        *["-p", priority, "-t", "erp"],
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None

    async def run() -> None:
        assert process.stdin is not None
        for number in range(10_000):
            process.stdin.write(f"{message} {number}\n".encode())
            await process.stdin.drain()
            await asyncio.sleep(0.05)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        process.stdin.close()
        _, err = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, f"logger failed: {err.decode()}"


async def evidence_of(daemon: Daemon, ticket: dict[str, Any]) -> str:
    status, body = await api(daemon, "GET", f"/api/v1/tickets/{ticket['id']}")
    assert status == 200, body
    return json.dumps(body)


@pytest.mark.rule_coverage("syslog-critical")
async def test_syslog_critical(tmp_path: Path, receiver: Receiver) -> None:
    rule = built_in("syslog-critical", clear_for="0s")
    doc = matrix_doc(tmp_path, syslog_targets(), receiver, rule, syslog=SYSLOG)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "syslog-critical", TARGET)
        await send_with_logger(
            receiver_of(daemon).port("udp"), "--udp", "--rfc5424", message="backup started"
        )
        await incident.no_news_yet()
        async with sending(daemon, "local0.crit", "Out of memory: Killed process"):
            ticket = await incident.fired()
        assert "Out of memory: Killed process" in await evidence_of(daemon, ticket)
        await incident.resolved()  # an interval without a new critical line: with clear_for 0 that ends it


@pytest.mark.rule_coverage("syslog-errors")
async def test_syslog_errors(tmp_path: Path, receiver: Receiver) -> None:
    rule = built_in("syslog-errors", clear_for="0s")
    doc = matrix_doc(tmp_path, syslog_targets(), receiver, rule, syslog=SYSLOG)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "syslog-errors", TARGET)
        await incident.no_news_yet()
        async with sending(daemon, "user.err", "ERROR replication to erp-db-2 broken"):
            ticket = await incident.fired()
        text = await evidence_of(daemon, ticket)
        assert "[error error] user.err: erp: ERROR replication to erp-db-2 broken" in text, text
        await incident.resolved()


async def test_removing_the_sender_ends_its_syslog_alert(tmp_path: Path, receiver: Receiver) -> None:
    """A syslog alert (30 min clear hold) ends at once when a reload removes its target:
    syslog is not a probe kind, so the alert engine is told which senders exist."""
    doc = matrix_doc(
        tmp_path,
        [*syslog_targets(), {"name": "other", "address": "127.0.0.2", "site": "head-office"}],
        receiver,
        syslog=SYSLOG,
    )
    path = write_config(tmp_path / "monitord.yaml", doc)
    async with running(path) as daemon:
        incident = Incident(daemon, receiver, "syslog-critical", TARGET)
        async with sending(daemon, "local0.crit", "Out of memory: Killed process"):
            await incident.fired()
        write_config(path, {**doc, "targets": [t for t in doc["targets"] if t["name"] != TARGET]})
        await sighup(daemon)
        await incident.resolved()
        ended = [m for m in receiver.messages if "RESOLVED" in m.title]
        assert ended and all("(ended: target removed)" in m.body for m in ended), [m.body for m in ended]
