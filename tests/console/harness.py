"""A real daemon for the console's browser tests: tcp targets on loopback listeners we open
and close, the alert engine with a json:// receiver, the embedded series store, a POS
store, and three accounts (viewer, technician, admin) made through the accounts service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitord.accounts.service import Accounts
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


async def add_users(daemon: Daemon, receiver: Receiver) -> None:
    assert daemon.runtime is not None
    accounts = Accounts(daemon.runtime.state)
    for name, (shown, role) in USERS.items():
        contacts = [receiver.url(f"people/{name}")] if role != "viewer" else []
        await accounts.add(name, shown, role, PASSWORD, contacts=contacts, actor="test", source="test")


@contextlib.asynccontextmanager
async def console(
    tmp_path: Path, receiver: Receiver, names: tuple[str, ...] = ("web-1", "pos-router")
) -> AsyncIterator[Console]:
    listeners = {name: Listener() for name in names}
    for listener in listeners.values():
        await listener.open()
    try:
        async with running(document(tmp_path, receiver, listeners)) as daemon:
            await add_users(daemon, receiver)
            yield Console(daemon, receiver, listeners)
    finally:
        for listener in listeners.values():
            await listener.close()
