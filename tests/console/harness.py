"""A real daemon for the console's browser tests: tcp targets on loopback listeners we open
and close, the alert engine with a json:// receiver, the embedded series store, a POS
store, and three accounts (viewer, technician, admin) made with `monitord users add`."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitord.accounts.sessions import Sessions
from monitord.api.keys import SESSIONS_KEY
from monitord.daemon import Daemon
from tests.alerts.harness import DOWN_RULE, Listener, config_doc, running, tcp_target
from tests.servers.receiver import Receiver

PASSWORD = "correct horse battery staple"
USERS = {
    "vera": ("Vera Viewer", "viewer"),
    "tom": ("Tom Technician", "technician"),
    "ada": ("Ada Admin", "admin"),
}
HOSTILE_SITE = '<script>alert("site")</script> "Ünïcødé" \'quoted\' ✓'
LOCKOUT_THRESHOLD = 3
CLI_TIMEOUT = 60.0


@dataclass
class Console:
    daemon: Daemon
    receiver: Receiver
    listeners: dict[str, Listener] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.daemon.http_port}"

    @property
    def sessions(self) -> Sessions:
        runner = self.daemon._runner
        assert runner is not None
        return runner.app[SESSIONS_KEY]


def document(
    tmp_path: Path, receiver: Receiver, listeners: dict[str, Listener], **extra: Any
) -> dict[str, Any]:
    targets = []
    for name, listener in listeners.items():
        site = HOSTILE_SITE if name == "pos-router" else "store-7"
        target = tcp_target(name, listener.port, site=site, interval=0.25)
        target["tags"] = ["pos", 'quote"tag']
        targets.append(target)
    doc = config_doc(tmp_path, targets, receiver.url("oncall"), rules=[DOWN_RULE])
    doc["storage"] = {"embedded": {"enabled": True}}
    doc["accounts"] = {"lockout": {"threshold": LOCKOUT_THRESHOLD, "initial": "30s"}}
    doc["pos"] = {
        "stores": {
            "store-7": {
                "token": "store-7-heartbeat-token-0123456789",
                "terminals": {"till-1": {}, "till-2": {}},
            }
        }
    }
    doc.update(extra)
    return doc


async def monitord_cli(config: Path, *args: str, stdin: str) -> None:
    """Run ``monitord ARGS -c CONFIG`` as an admin would, answering its prompt on stdin."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitord",
        *args,
        "-c",
        str(config),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), CLI_TIMEOUT)
    assert process.returncode == 0, f"monitord {' '.join(args)}: {err.decode()} {out.decode()}"


async def add_user(config: Path, receiver: Receiver, name: str) -> None:
    shown, role = USERS[name]
    await monitord_cli(
        config, "users", "add", name, "--role", role, "--display-name", shown, stdin=PASSWORD + "\n"
    )
    if role != "viewer":
        await monitord_cli(config, "users", "contacts", name, stdin=receiver.url(f"people/{name}") + "\n")


async def add_users(config: Path, receiver: Receiver) -> None:
    """The accounts, made with ``monitord users add`` against the running daemon's state store."""
    await asyncio.gather(*(add_user(config, receiver, name) for name in USERS))


@contextlib.asynccontextmanager
async def console(
    tmp_path: Path, receiver: Receiver, names: tuple[str, ...] = ("web-1", "pos-router")
) -> AsyncIterator[Console]:
    listeners = {name: Listener() for name in names}
    for listener in listeners.values():
        await listener.open()
    try:
        doc = document(tmp_path, receiver, listeners)
        config = tmp_path / "monitord.yaml"
        config.write_text(yaml.safe_dump(doc))
        async with running(doc) as daemon:
            await add_users(config, receiver)
            yield Console(daemon, receiver, listeners)
    finally:
        for listener in listeners.values():
            await listener.close()
