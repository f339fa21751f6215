"""A daemon with the syslog receiver on loopback ports the kernel picks, and what it published.

``Published`` subscribes to the daemon's result bus, the way the sinks and the alert engine
do, and sums each target's ``syslog`` fields over the results; ``send_with_logger`` runs
util-linux ``logger`` against the receiver, the client the tests are about.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from monitord.bus import Subscription
from monitord.daemon import Daemon
from monitord.intake.syslog.service import SyslogService
from monitord.results import ProbeResult
from tests.daemon_harness import base_config, running_daemon
from tests.eventually import eventually
from tests.servers.processes import need_binary

TARGET = "erp-db"
HOSTNAME = socket.gethostname()


def syslog_doc(
    tmp_path: Path, *, targets: list[dict[str, Any]] | None = None, **syslog: Any
) -> dict[str, Any]:
    """UDP and TCP listeners on free loopback ports, results every 0.2 s; ``erp-db`` is 127.0.0.1."""
    section: dict[str, Any] = {
        "udp": {"listen": "127.0.0.1:0"},
        "tcp": {"listen": "127.0.0.1:0"},
        "interval": "0.2s",
        **syslog,
    }
    return base_config(
        tmp_path / "state",
        storage={"embedded": {"enabled": False}},
        targets=targets
        if targets is not None
        else [{"name": TARGET, "address": "127.0.0.1", "site": "head-office"}],
        syslog=section,
    )


def receiver_of(daemon: Daemon) -> SyslogService:
    found = next(s for s in daemon.services if s.name == "syslog")
    assert isinstance(found, SyslogService)
    return found


class Published:
    """Every syslog result the daemon publishes, summed per target."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.results: list[ProbeResult] = []

    async def run(self) -> None:
        while not self.subscription.closed or len(self.subscription):
            for result in await self.subscription.get_batch(1000, timeout=0.2):
                if result.kind == "syslog":
                    self.results.append(result)

    def total(self, target: str, field: str) -> float:
        return sum(float(r.fields.get(field, 0)) for r in self.results if r.target == target)

    def evidence(self, target: str) -> list[str]:
        return [line for r in self.results if r.target == target for line in r.evidence]

    def targets(self) -> set[str]:
        return {r.target for r in self.results}

    async def wait(self, target: str, field: str, at_least: float, timeout: float = 30.0) -> None:
        await eventually(
            lambda: self.total(target, field) >= at_least,
            f"{target} {field} >= {at_least} (now {self.total(target, field)})",
            timeout=timeout,
        )


@contextlib.asynccontextmanager
async def syslog_daemon(doc: dict[str, Any]) -> AsyncIterator[tuple[Daemon, SyslogService, Published]]:
    async with running_daemon(doc) as daemon:
        published = Published(daemon.bus.subscribe("test:syslog", 100_000))
        task = asyncio.create_task(published.run())
        try:
            yield daemon, receiver_of(daemon), published
        finally:
            published.subscription.close()
            await asyncio.wait_for(task, 10)


async def send_with_logger(
    port: int, *args: str, message: str | None = None, stdin: bytes | None = None
) -> None:
    """``logger --server 127.0.0.1 --port PORT ARGS [MESSAGE]``; fails on a non-zero exit."""
    binary = need_binary("logger", "bsdutils")
    argv = [binary, "--server", "127.0.0.1", "--port", str(port), *args]
    if message is not None:
        argv.append(message)
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 20)
    assert process.returncode == 0, f"logger {args} failed: {out.decode()} {err.decode()}"


def udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock
