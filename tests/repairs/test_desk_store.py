"""The repair desk and the work log on the real state store (SQLite and PostgreSQL) with
chosen times: the recurring window's edge, a resolution on an alert ticket, an alert
ticket assigned to a technician, and the figures reports read, with hand-counted answers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts.outbox import Outbox
from alerts.state import Alert, fingerprint
from alerts.tables import outbox
from alerts.tickets import TicketRepo
from monitord.config.loader import build_config
from monitord.errors import RequestError
from monitord.repairs.desk import RepairDesk
from monitord.repairs.opening import Opening
from monitord.repairs.worklog import RequestCount, Work, WorkLog
from monitord.store.engine import StateStore

DAY = 86400.0
T0 = 1_780_000_000.0  # a fixed moment; every time below is counted from it


def _config(tmp_path: Path) -> Any:
    return build_config(
        {
            "daemon": {"state_dir": str(tmp_path)},
            "sites": {"store-12": {}},
            "alerts": {"tickets": {"recurring_window": "7d"}},
            "notify": {"routes": [{"name": "desk", "urls": ["json://127.0.0.1:9/desk"]}]},
            "repairs": {"technicians": [{"name": "alice", "urls": ["json://127.0.0.1:9/alice"]}]},
        }
    ).config


@pytest.fixture
async def store(state_url: str, tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(state_url, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


def _till(asset: str = "POS-0012", category: str = "pos-payment") -> Opening:
    return Opening(category, "store-12", "no card payments", "Jane", "+49 30 1", asset=asset)


async def test_recurring_window_edge_and_requests_without_an_asset(store: StateStore, tmp_path: Path) -> None:
    config = _config(tmp_path)
    desk = RepairDesk(TicketRepo(store, config.alerts.tickets.recurring_window), config, lambda: None)
    first = await desk.open(_till(), "helpdesk", T0)
    inside = await desk.open(_till(asset="pos-0012"), "helpdesk", T0 + 7 * DAY)  # tags compare caseless
    assert inside["recurring"] is True and inside["earlier"] == [first["id"]]
    outside = await desk.open(_till(), "helpdesk", T0 + 7 * DAY + 1)  # the first is now too old
    assert outside["earlier"] == [inside["id"]]
    third = await desk.open(_till(), "helpdesk", T0 + 7 * DAY + 2)
    assert third["earlier"] == [inside["id"], outside["id"]] and third["repeat_count"] == 3
    no_asset = [await desk.open(_till(asset=""), "helpdesk", T0 + 8 * DAY + i) for i in range(2)]
    assert [t["recurring"] for t in no_asset] == [False, False]
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.route, outbox.c.title))).all()
    assert len(rows) == 6 and {route for route, _ in rows} == {"desk"}


async def test_alert_tickets_refuse_a_resolution_and_tell_a_technician_assignee(
    store: StateStore, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    repo = TicketRepo(store, config.alerts.tickets.recurring_window)
    desk = RepairDesk(repo, config, lambda: None)
    alert = Alert(
        fingerprint=fingerprint("host-down", "router-12", {}),
        rule="host-down",
        target="router-12",
        labels={"site": "store-12", "severity": "critical"},
        status="resolved",
        summary="router-12 is down",
    )
    async with store.engine.begin() as conn:
        ticket_id = await repo.open(conn, alert, "urgent", time.time())
    with pytest.raises(RequestError) as refused:
        await desk.act(ticket_id, "resolve", "oncall", resolution="replaced the PSU")
    assert refused.value.field == "resolution" and refused.value.status == 422
    resolved = await desk.act(ticket_id, "resolve", "oncall")
    assert resolved["kind"] == "alert" and resolved["request"] is None and resolved["status"] == "resolved"

    # an assignee is an account or a configured technician (who is sent it); nobody else
    with pytest.raises(RequestError) as nobody:
        await desk.act(ticket_id, "assign", "oncall", assignee="someone-else")
    assert nobody.value.field == "assignee" and "repairs.technicians (alice)" in str(nobody.value)
    assert await Outbox(store).counts() == {"pending": 0, "gave_up": 0}
    assigned = await desk.act(ticket_id, "assign", "oncall", assignee="alice")
    assert assigned["assignee"] == "alice"
    pending = await Outbox(store).due(time.time() + 1)
    assert [(p.route, p.title) for p in pending] == [
        (
            "technician:alice",
            f"URGENT Ticket #{ticket_id} assigned to you: host-down on router-12: router-12 is down",
        )
    ]


async def test_worklog_figures_for_reports(store: StateStore, tmp_path: Path) -> None:
    config = _config(tmp_path)
    repo = TicketRepo(store, config.alerts.tickets.recurring_window)
    desk = RepairDesk(repo, config, lambda: None)
    log = WorkLog(store)
    till = await desk.open(_till(), "helpdesk", T0)
    printer = await desk.open(
        Opening("printer", "store-12", "jam", "Sam", "x", asset="PRN-1"), "helpdesk", T0 + 10
    )
    await desk.open(Opening("printer", "store-12", "jam", "Sam", "x", urgent=True), "helpdesk", T0 + DAY)
    await desk.open(
        Opening("pc", "store-12", "slow", "Kim", "x"), "helpdesk", T0 + 3 * DAY
    )  # after the period
    await log.add(repo, till["id"], Work("alice", 30, parts=("reader",)), "helpdesk", T0 + 60)
    await log.add(repo, till["id"], Work("alice", 15), "alice", T0 + 2 * DAY - 1)  # the period's last second
    await log.add(repo, printer["id"], Work("bob", 45, "cleared"), "bob", T0 + 120)
    await log.add(repo, printer["id"], Work("bob", 10), "bob", T0 + 2 * DAY)  # the next period's first
    await log.add(repo, till["id"], Work("carol", 5), "carol", T0 - 1)  # before it

    since, until = T0, T0 + 2 * DAY
    assert await log.minutes_by_technician(since, until) == {"alice": 45, "bob": 45}
    assert await log.tickets_by_technician(since, until) == {"alice": 1, "bob": 1}
    assert await log.request_counts(since, until) == [
        RequestCount("pos-payment", "urgent", 1),
        RequestCount("printer", "normal", 1),
        RequestCount("printer", "urgent", 1),
    ]
    assert await log.requests_by_category(since, until) == {"pos-payment": 1, "printer": 2}
    assert await log.requests_by_priority(since, until) == {"normal": 1, "urgent": 2}
    entries = await log.entries(till["id"])
    assert [(e["technician"], e["minutes"], e["parts"]) for e in entries] == [
        ("alice", 30, ["reader"]),
        ("alice", 15, []),
        ("carol", 5, []),
    ]
    ticket = await desk.views.get(till["id"])
    assert ticket is not None and ticket["work_minutes"] == 50
    worklog = next(e["text"] for e in ticket["history"] if e["kind"] == "worklog")
    assert worklog == "alice: 30 min; parts: reader"
