"""The rule-coverage matrix's shared steps: a built-in rule as configured, a daemon with every
built-in rule on, and the one-incident check (one ticket, one message, one resolved message).

Long holds (``for``/``clear_for`` of minutes) are the one thing a case may change: it
configures a rule of the same name built from ``DEFAULT_RULES`` with only the holds
replaced, so condition, field, thresholds, severity and summary stay the built-in ones.
The hold logic itself is tested with an injected clock, not here.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from alerts.defaults import DEFAULT_RULES
from alerts.outbox import Outbox
from alerts.service import AlertService
from monitord.daemon import Daemon
from tests.alerts.harness import api, config_doc, wait_until
from tests.servers.receiver import Received, Receiver

HOLDS = frozenset({"for", "clear_for"})
DEADLINE = 60.0  # seconds for any one step; the steps take about a second each


def built_in(name: str, **holds: str) -> dict[str, Any]:
    """The built-in rule ``name``; with ``holds`` (``for_``/``clear_for``) replaced, nothing else."""
    raw = next((r for r in DEFAULT_RULES if r["name"] == name), None)
    assert raw is not None, f"{name} is not a built-in rule"
    changes = {key.rstrip("_"): value for key, value in holds.items()}
    assert set(changes) <= HOLDS, f"only holds may change, not {sorted(set(changes) - HOLDS)}"
    rule = copy.deepcopy(raw)
    rule.update(changes)
    return rule


def matrix_doc(
    tmp_path: Path, targets: list[dict[str, Any]], receiver: Receiver, *rules: dict[str, Any], **sections: Any
) -> dict[str, Any]:
    """Every built-in rule on (``rules`` replace some by name, holds only), one route to ``receiver``."""
    doc = config_doc(
        tmp_path,
        targets,
        receiver.url(),
        rules=list(rules),
        alerts={"default_rules": True},
        route={"group_wait": "0.1s", "group_interval": "0.3s"},
    )
    doc["storage"] = {"embedded": {"enabled": False}}
    doc.update(sections)
    return doc


def service(daemon: Daemon) -> AlertService:
    found = next(s for s in daemon.services if s.name == "alerts")
    assert isinstance(found, AlertService)
    return found


async def quiet(daemon: Daemon) -> bool:
    """Nothing left to send: no group waiting to flush and no message in the outbox."""
    alerts = service(daemon)
    assert alerts.pipeline is not None
    if alerts.pipeline.next_flush() is not None:
        return False
    return (await Outbox(daemon.state_store).counts())["pending"] == 0


async def tickets(daemon: Daemon) -> list[dict[str, Any]]:
    status, body = await api(daemon, "GET", "/api/v1/tickets")
    assert status == 200, body
    return list(body["tickets"])


def describe(messages: list[Received]) -> list[str]:
    return [f"{m.title} | {m.body}" for m in messages]


class Incident:
    """One real fault of one rule on one target, checked from the receiver's side."""

    def __init__(self, daemon: Daemon, receiver: Receiver, rule: str, target: str) -> None:
        self.daemon, self.receiver, self.rule, self.target = daemon, receiver, rule, target
        self.ticket: dict[str, Any] = {}

    async def no_news_yet(self) -> None:
        """Before the fault: the target is watched and nothing was said."""
        assert self.receiver.messages == [], describe(self.receiver.messages)
        assert await tickets(self.daemon) == []

    async def fired(self, timeout: float = DEADLINE, *, settle: bool = True) -> dict[str, Any]:
        """Exactly one message (FIRING, this rule on this target) and exactly one ticket.

        ``settle=False`` is for an event that is over by itself on the next run (a device
        restart): its resolved message may follow at once, so ``resolved`` counts both.
        """
        messages = await self.receiver.wait_for(1, timeout)
        assert messages, f"no message for {self.rule} on {self.target} within {timeout}s"
        if settle:
            await wait_until(lambda: quiet(self.daemon), timeout, "the outbox to drain")
            messages = self.receiver.messages
            assert len(messages) == 1, describe(messages)
        assert "FIRING" in messages[0].title, describe(messages)
        assert f"FIRING {self.rule} on {self.target} " in messages[0].body, describe(messages)
        found = await tickets(self.daemon)
        assert [(t["rule"], t["target"]) for t in found] == [(self.rule, self.target)], found
        self.ticket = found[0]
        return self.ticket

    async def resolved(self, timeout: float = DEADLINE) -> None:
        """Exactly one more message (RESOLVED), the ticket resolved, still one ticket."""
        messages = await self.receiver.wait_for(2, timeout)
        assert len(messages) >= 2, f"no resolved message within {timeout}s: {describe(messages)}"

        async def ticket_resolved() -> bool:
            found = await tickets(self.daemon)
            return len(found) == 1 and found[0]["status"] == "resolved"

        await wait_until(ticket_resolved, timeout, f"ticket #{self.ticket.get('id')} to resolve")
        await wait_until(lambda: quiet(self.daemon), timeout, "the outbox to drain")
        messages = self.receiver.messages
        assert len(messages) == 2, describe(messages)
        assert "RESOLVED" in messages[1].title, describe(messages)
        assert f"RESOLVED {self.rule} on {self.target} " in messages[1].body, describe(messages)
        assert [t["id"] for t in await tickets(self.daemon)] == [self.ticket["id"]]
