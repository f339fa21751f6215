"""Running a real Daemon in-process for tests: loopback listener on a free port.

The one way tests start a daemon (``tests.alerts.harness.running`` and the POS
harness build on it): a daemon that cannot start fails the test at once with
its own error, and one that crashed while the test ran fails it on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from monitord.config.loader import build_config
from monitord.daemon import Daemon

READ_TOKEN = "test-read-token-0123456789"
ADMIN_TOKEN = "test-admin-token-0123456789"


def base_config(state_dir: Path, **sections: Any) -> dict[str, Any]:
    """A config document with loopback HTTP on a free port and a read and an admin token."""
    document: dict[str, Any] = {
        "daemon": {"state_dir": str(state_dir), "log_level": "debug"},
        "http": {
            "listen": "127.0.0.1:0",
            "tokens": [
                {"name": "reader", "role": "read", "token": READ_TOKEN},
                {"name": "admin", "role": "admin", "token": ADMIN_TOKEN},
            ],
        },
    }
    document.update(sections)
    return document


START_TIMEOUT = 30.0


@contextlib.asynccontextmanager
async def running_daemon(
    document: dict[str, Any] | Daemon, *, stop_timeout: float = 30.0
) -> AsyncIterator[Daemon]:
    """Start a daemon on ``document`` (or a daemon already built); stop it (the SIGTERM path)
    on exit. A start-up error is raised as itself the moment ``run`` gives up."""
    daemon = document if isinstance(document, Daemon) else Daemon(build_config(document))
    task = asyncio.create_task(daemon.run())
    started = asyncio.create_task(daemon.started.wait())
    done, _ = await asyncio.wait({task, started}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        started.cancel()
        task.result()  # raises the start-up error
        raise AssertionError("the daemon ended before it started, without an error")
    if started not in done:
        started.cancel()
        task.cancel()
        await asyncio.wait([task])
        raise TimeoutError(f"daemon did not start within {START_TIMEOUT:g} s")
    try:
        yield daemon
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, stop_timeout)


def url(daemon: Daemon, path: str) -> str:
    return f"http://127.0.0.1:{daemon.http_port}{path}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
