"""Tickets in the real state store (SQLite and PostgreSQL): lifecycle, recurring faults, merges."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from alerts.alert_repo import AlertRepo
from alerts.outbox import Outbox
from alerts.state import Alert, fingerprint
from alerts.tickets import TicketRepo
from monitord.errors import ConflictError, NotFoundError
from monitord.store.engine import StateStore


def _alert(target: str, rule: str = "host-down") -> Alert:
    return Alert(
        fingerprint=fingerprint(rule, target, {}),
        rule=rule,
        target=target,
        labels={"site": "store-3", "severity": "critical", "rule": rule, "target": target},
        status="firing",
        fired_at=time.time(),
        summary=f"{target} is down",
        evidence=["Nov 27 12:00 kernel: eth0 link down"],
    )


async def test_recurring_fault_links_earlier_tickets_and_needs_a_root_cause(
    state_url: str, tmp_path: Path
) -> None:
    store = await StateStore.open(state_url, tmp_path)
    try:
        repo = TicketRepo(store, recurring_window=30 * 86400)
        alert = _alert("store-3-router")
        now = time.time()
        async with store.engine.begin() as conn:
            first = await repo.open(conn, alert, "urgent", now)
        ticket = await repo.get(first)
        assert ticket is not None and ticket["recurring"] is False and ticket["status"] == "open"
        assert [e["kind"] for e in ticket["history"]] == ["opened", "evidence"]
        assert "eth0 link down" in ticket["history"][1]["text"]

        async with store.engine.begin() as conn:
            assert await repo.alert_resolved(conn, first, alert, now + 60) is True
        resolved = await repo.get(first)
        assert resolved is not None and resolved["status"] == "resolved"
        assert resolved["time_to_repair_s"] == pytest.approx(60, abs=0.01)

        async with store.engine.begin() as conn:
            second = await repo.open(conn, alert, "urgent", now + 120)
        again = await repo.get(second)
        assert again is not None
        assert again["recurring"] is True and again["repeat_count"] == 2 and again["earlier"] == [first]
        assert [t["id"] for t in again["earlier_faults"]] == [first]

        acked = await repo.act(second, "ack", "alice")
        assert acked["status"] == "acknowledged" and acked["assignee"] == "alice"
        with pytest.raises(ConflictError, match="root-cause"):
            await repo.act(second, "close", "alice")
        closed = await repo.act(second, "close", "alice", "flaky SFP in uplink port, replaced")
        assert closed["status"] == "closed" and closed["root_cause"].startswith("flaky SFP")
        with pytest.raises(ConflictError):
            await repo.act(second, "ack", "alice")
        with pytest.raises(NotFoundError):
            await repo.act(999, "ack", "alice")

        faults = await repo.recurring(30 * 86400)
        assert len(faults) == 1 and faults[0]["count"] == 2 and faults[0]["target"] == "store-3-router"
        assert faults[0]["root_causes"][0]["ticket"] == second

        # the first ticket auto-closes after its quiet period; recurring ones need a cause first
        assert await repo.auto_close(30, now + 200) == [first]
    finally:
        await store.close()


async def test_child_ticket_merges_into_parent_and_alert_state_round_trips(
    state_url: str, tmp_path: Path
) -> None:
    store = await StateStore.open(state_url, tmp_path)
    try:
        repo = TicketRepo(store, recurring_window=86400)
        parent, child = _alert("router"), _alert("till-1")
        now = time.time()
        async with store.engine.begin() as conn:
            parent_id = await repo.open(conn, parent, "normal", now)
            child_id = await repo.open(conn, child, "normal", now)
            await repo.merge(conn, child_id, parent_id, now)
        merged = await repo.get(child_id)
        assert merged is not None and merged["status"] == "closed" and merged["merged_into"] == parent_id
        incident = await repo.get(parent_id)
        assert incident is not None and {a["target"] for a in incident["alerts"]} == {"router", "till-1"}

        child.ticket_id = parent_id
        child.notified = {"oncall": "firing", "at:oncall": now}
        child.history = [True, False, True]
        alerts = AlertRepo(store)
        await alerts.save([child, parent])
        await alerts.save([child])  # an upsert, not a second row
        loaded = {a.fingerprint: a for a in await alerts.load()}
        assert loaded[child.fingerprint] == child and len(loaded) == 2

        outbox = Outbox(store)
        async with store.engine.begin() as conn:
            await Outbox.add(
                conn,
                [
                    {
                        "key": "k-0",
                        "route": "r",
                        "url_index": 0,
                        "title": "t",
                        "body": "b",
                        "short": "s",
                        "notify_type": "info",
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                ],
            )
        due = await outbox.due(now + 1)
        assert [p.key for p in due] == ["k-0"]
        await outbox.failed(due[0].id, "refused", now + 30, now)
        assert await outbox.due(now + 1) == []
        assert await outbox.next_due() == pytest.approx(now + 30)
        await outbox.delivered(due[0].id, now + 31)
        assert await outbox.counts() == {"pending": 0, "gave_up": 0}
    finally:
        await store.close()
