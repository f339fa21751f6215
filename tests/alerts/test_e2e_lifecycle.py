"""End to end: an alert follows the configuration. When its target, its probe or its rule
is removed or changed (SIGHUP reload, or a restart on a changed file), it ends: one
RESOLVED message naming why, its ticket resolves, and it leaves its parent's count."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from monitord.daemon import Daemon
from tests.alerts.harness import (
    DOWN_RULE,
    Listener,
    api,
    arrived,
    config_doc,
    engine,
    running,
    settle,
    shifted,
    sighup,
    tcp_target,
    wait_probed,
    wait_until,
    write_config,
)
from tests.servers.receiver import Receiver

ROUTE = {"group_wait": "0.5s", "group_interval": "1s", "repeat_interval": "1h"}
OTHER_RULE = {
    "name": "backup-port-down",
    "kind": "tcp",
    "condition": "down",
    "severity": "warning",
    "match": {"targets": ["elsewhere"]},
}


class Running:
    """The daemon under test; ``change`` applies a new file by SIGHUP or by a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stack = contextlib.AsyncExitStack()
        self.daemon: Daemon | None = None

    async def start(self) -> Daemon:
        self.daemon = await self._stack.enter_async_context(running(self.path))
        return self.daemon

    async def change(self, mode: str, doc: dict[str, Any]) -> Daemon:
        write_config(self.path, doc)
        assert self.daemon is not None
        if mode == "reload":
            await sighup(self.daemon)
            return self.daemon
        await self._stack.aclose()  # stopped: its final save is done
        self._stack = contextlib.AsyncExitStack()
        return await self.start()

    async def close(self) -> None:
        await self._stack.aclose()


@contextlib.asynccontextmanager
async def started(path: Path) -> AsyncIterator[Running]:
    holder = Running(path)
    try:
        await holder.start()
        yield holder
    finally:
        await holder.close()


async def _ticket(daemon: Daemon, ticket_id: int) -> dict[str, Any]:
    status, ticket = await api(daemon, "GET", f"/api/v1/tickets/{ticket_id}")
    assert status == 200
    return dict(ticket)


@pytest.mark.parametrize("mode", ["reload", "restart"])
@pytest.mark.parametrize("change", ["target removed", "probe changed", "probe removed", "rule removed"])
async def test_alert_ends_once_when_its_configuration_goes(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener], mode: str, change: str
) -> None:
    nas, moved = listeners(), listeners()
    await moved.open()  # the port the probe is moved to answers
    doc = config_doc(
        tmp_path,
        [tcp_target("nas", nas.port, site="office"), tcp_target("elsewhere", moved.port, site="branch")],
        receiver.url(),
        rules=[DOWN_RULE, OTHER_RULE],
        notify={
            "routes": [  # two routes take the alert: each hears it fire and end
                {**ROUTE, "name": "oncall", "urls": [receiver.url("oncall")], "continue": True},
                {**ROUTE, "name": "chat", "urls": [receiver.url("chat")]},
            ]
        },
    )
    path = write_config(tmp_path / "monitord.yaml", doc)
    async with started(path) as run:
        assert run.daemon is not None
        daemon = run.daemon
        await arrived(daemon, receiver, 2, 60)
        await settle(daemon)
        assert sorted((m.path, m.title.split(":")[0]) for m in receiver.messages) == [
            ("/chat", "[normal] FIRING"),
            ("/oncall", "[normal] FIRING"),
        ]
        _, body = await api(daemon, "GET", "/api/v1/tickets?status=open")
        (ticket,) = body["tickets"]

        new = dict(doc)
        if change == "target removed":
            new["targets"] = [t for t in doc["targets"] if t["name"] != "nas"]
        elif change == "probe changed":
            new["targets"] = [tcp_target("nas", moved.port, site="office"), doc["targets"][1]]
        elif change == "probe removed":
            new["targets"] = [{**doc["targets"][0], "probes": {}}, doc["targets"][1]]
        else:
            new["alerts"] = {**doc["alerts"], "rules": [OTHER_RULE]}
        daemon = await run.change(mode, new)
        if change == "probe changed":
            await wait_probed(daemon, "nas", up=True)
        await arrived(daemon, receiver, 4, 60)
        await settle(daemon)
        ended = receiver.messages[2:]
        assert len(receiver.messages) == 4, [(m.path, m.title) for m in receiver.messages]
        assert sorted((m.path, m.title.split(":")[0]) for m in ended) == [
            ("/chat", "[normal] RESOLVED"),
            ("/oncall", "[normal] RESOLVED"),
        ]
        assert all(f"(ended: {change})" in m.body for m in ended), [m.body for m in ended]

        _, alerts = await api(daemon, "GET", "/api/v1/alerts")
        (alert,) = [a for a in alerts["alerts"] if a["target"] == "nas"]
        assert alert["status"] == "resolved" and alert["reason"] == change
        after = await _ticket(daemon, ticket["id"])
        assert after["status"] == "resolved"
        assert any(e["kind"] == "ended" and change in e["text"] for e in after["history"])
        if change == "probe changed":
            # the new port answers: the alert stays resolved, nothing more is sent
            await settle(daemon)
            assert len(receiver.messages) == 4


@pytest.mark.parametrize("mode", ["reload", "restart"])
async def test_removed_child_leaves_its_parents_dependent_count(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener], mode: str
) -> None:
    router, till_1, till_2 = listeners(), listeners(), listeners()
    targets = [
        tcp_target("router", router.port, site="store-3"),
        *(
            tcp_target(f"till-{i}", t.port, site="store-3", parent="router")
            for i, t in ((1, till_1), (2, till_2))
        ),
    ]
    doc = config_doc(tmp_path, targets, receiver.url(), route={"group_wait": "2s", "repeat_interval": "1h"})
    path = write_config(tmp_path / "monitord.yaml", doc)
    async with started(path) as run:
        assert run.daemon is not None
        daemon = run.daemon

        def all_firing() -> bool:
            alerts = engine(daemon).evaluator.alerts.values()
            return sum(a.status == "firing" for a in alerts) == 3

        await wait_until(all_firing, 60, "router and both tills to fire")
        await receiver.wait_for(1, 60)
        await settle(daemon)
        assert len(receiver.messages) == 1
        assert "+2 dependent alerts" in receiver.messages[0].body, receiver.messages[0].body

        new = {**doc, "targets": [t for t in targets if t["name"] != "till-1"]}
        daemon = await run.change(mode, new)
        await settle(daemon)
        assert len(receiver.messages) == 1  # till-1 was never announced: nothing to take back
        shifted(daemon).advance(3600)  # the repeat names what is still behind the router
        await arrived(daemon, receiver, 2, 60)
        await settle(daemon)
        assert len(receiver.messages) == 2 and "STILL FIRING" in receiver.messages[1].title
        assert "+1 dependent alerts" in receiver.messages[1].body, receiver.messages[1].body

        for listener in (router, till_2):
            await listener.open()
        await arrived(daemon, receiver, 3, 60)
        shifted(daemon).advance(10)  # past dependency_grace: till-2's recovery stays quiet
        await settle(daemon)
        titles = [m.title for m in receiver.messages]
        assert len(titles) == 3 and "RESOLVED" in titles[2], titles
