"""Repair requests against a real daemon on SQLite and PostgreSQL, messages at the real
receiver behind apprise ``json://``: opening (urgent and normal routes), dispatch to a
technician, the work log, closing with a resolution, recurring requests, and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitord.daemon import Daemon
from tests.alerts.harness import ADMIN_TOKEN, READ_TOKEN, api, running
from tests.eventually import eventually
from tests.repairs.harness import PRINTER_JAM, TECHNICIAN_TOKEN, TILL_DOWN, repairs_doc
from tests.servers.receiver import Received, Receiver


async def at(receiver: Receiver, path: str, count: int) -> list[Received]:
    """Wait until ``count`` messages reached ``path``; returns those."""

    def arrived() -> bool:
        return sum(1 for m in receiver.messages if m.path == f"/{path}") >= count

    await eventually(arrived, f"{count} messages at /{path}", timeout=60)
    return [m for m in receiver.messages if m.path == f"/{path}"]


async def open_request(daemon: Daemon, body: dict[str, Any], token: str = TECHNICIAN_TOKEN) -> dict[str, Any]:
    status, ticket = await api(daemon, "POST", "/api/v1/tickets", token=token, json=body)
    assert status == 201, ticket
    return ticket


async def test_requests_are_routed_dispatched_logged_and_closed_with_a_resolution(
    tmp_path: Path, receiver: Receiver, state_url: str
) -> None:
    async with running(repairs_doc(tmp_path, receiver, state_url)) as daemon:
        # pos-payment is urgent by default: the urgent route takes it, the desk does not
        till = await open_request(daemon, TILL_DOWN)
        assert till["kind"] == "request" and till["priority"] == "urgent" and till["status"] == "open"
        assert till["severity"] == "critical" and till["rule"] == "repair-request"
        assert till["request"] == {
            "category": "pos-payment",
            "asset": "POS-0012",
            "description": TILL_DOWN["description"],
            "reporter": "Jane Doe",
            "contact": "+49 30 1234567",
            "opened_by": "helpdesk",
            "resolution": None,
        }
        assert till["recurring"] is False and till["history"][0]["actor"] == "helpdesk"
        urgent = await at(receiver, "urgent", 1)
        assert (
            urgent[0].title == f"URGENT Repair request #{till['id']}: pos-payment at store-12, asset POS-0012"
        )
        assert "Reported by: Jane Doe (+49 30 1234567)" in urgent[0].body
        assert "terminal offline" in urgent[0].body and urgent[0].kind == "failure"

        # a printer is normal by default; the reporter may still say urgent or not
        printer = await open_request(daemon, PRINTER_JAM)
        assert printer["priority"] == "normal" and printer["severity"] == "warning"
        desk = await at(receiver, "desk", 1)
        assert desk[0].title == f"Repair request #{printer['id']}: printer at head-office, asset PRN-0007"
        forced = await open_request(daemon, {**PRINTER_JAM, "asset": "PRN-0008", "urgent": True})
        assert forced["priority"] == "urgent"
        await at(receiver, "urgent", 2)
        calm = await open_request(daemon, {**TILL_DOWN, "asset": "POS-0099", "urgent": False})
        assert calm["priority"] == "normal"
        await at(receiver, "desk", 2)

        # dispatch: a request goes to a configured technician, who is sent it
        status, assigned = await api(
            daemon, "POST", f"/api/v1/tickets/{till['id']}/assign", json={"assignee": "alice"}
        )
        assert status == 200 and assigned["assignee"] == "alice", assigned
        alice = await at(receiver, "alice", 1)
        assert alice[0].title.startswith(f"URGENT Repair request #{till['id']} assigned to you")
        assert "Assigned to alice by oncall-admin." in alice[0].body and "Jane Doe" in alice[0].body
        kinds = [e["kind"] for e in assigned["history"]]
        assert kinds[-2:] == ["assign", "notified"] and "technician:alice" in assigned["history"][-1]["text"]
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{till['id']}/assign", json={"assignee": "carol"}
        )
        assert (status, error["field"]) == (422, "assignee") and "alice, bob" in error["error"], error
        status, unchanged = await api(daemon, "GET", f"/api/v1/tickets/{till['id']}", token=READ_TOKEN)
        assert unchanged["assignee"] == "alice"  # the refused assignment left nothing behind

        # the work log: the help desk's technician token may write it, a read token may not
        status, entry = await api(
            daemon,
            "POST",
            f"/api/v1/tickets/{till['id']}/worklog",
            token=TECHNICIAN_TOKEN,
            json={
                "minutes": 30,
                "note": "reseated the card reader",
                "parts": ["card reader CR-7"],
                "technician": "alice",
            },
        )
        assert status == 201 and entry["technician"] == "alice" and entry["logged_by"] == "helpdesk", entry
        status, entry = await api(
            daemon, "POST", f"/api/v1/tickets/{till['id']}/worklog", json={"minutes": 15, "parts": ["cable"]}
        )
        assert status == 201 and entry["technician"] == "oncall-admin", entry
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{till['id']}/worklog", token=READ_TOKEN, json={"minutes": 5}
        )
        assert status == 403, error
        status, log = await api(daemon, "GET", f"/api/v1/tickets/{till['id']}/worklog", token=READ_TOKEN)
        assert status == 200 and log["total_minutes"] == 45 and log["count"] == 2, log
        assert log["parts"] == ["card reader CR-7", "cable"]
        assert [e["minutes"] for e in log["entries"]] == [30, 15]

        # closing needs a resolution: refused without one, and the refusal changes nothing
        status, error = await api(daemon, "POST", f"/api/v1/tickets/{till['id']}/close")
        assert (status, error["field"]) == (409, "resolution"), error
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{till['id']}/resolve", json={"text": "done"}
        )
        assert (status, error["field"]) == (409, "resolution"), error
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{till['id']}/resolve", json={"resolution": "  "}
        )
        assert (status, error["field"]) == (422, "resolution"), error
        status, ticket = await api(daemon, "GET", f"/api/v1/tickets/{till['id']}", token=READ_TOKEN)
        assert ticket["status"] == "open" and ticket["work_minutes"] == 45
        status, resolved = await api(
            daemon,
            "POST",
            f"/api/v1/tickets/{till['id']}/resolve",
            json={"resolution": "replaced the card reader"},
        )
        assert status == 200 and resolved["status"] == "resolved", resolved
        assert resolved["request"]["resolution"] == "replaced the card reader"
        status, closed = await api(daemon, "POST", f"/api/v1/tickets/{till['id']}/close")
        assert status == 200 and closed["status"] == "closed", closed

        # the same asset and category again, within the recurring window: marked, needs a root cause
        again = await open_request(daemon, {**TILL_DOWN, "description": "card payments fail again"})
        assert again["recurring"] is True and again["earlier"] == [till["id"]] and again["repeat_count"] == 2
        assert [t["id"] for t in again["earlier_faults"]] == [till["id"]]
        assert "recurring" in [e["kind"] for e in again["history"]]
        message = (await at(receiver, "urgent", 3))[-1]
        assert f"earlier #{till['id']}" in message.body
        other_category = await open_request(daemon, {**TILL_DOWN, "category": "network"})
        assert other_category["recurring"] is False
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{again['id']}/close", json={"resolution": "rebooted the till"}
        )
        assert (status, error["field"]) == (409, "root_cause"), error
        status, closed = await api(
            daemon,
            "POST",
            f"/api/v1/tickets/{again['id']}/close",
            json={"resolution": "rebooted the till", "root_cause": "card reader firmware 2.1 hangs"},
        )
        assert status == 200 and closed["root_cause"] == "card reader firmware 2.1 hangs", closed
        status, faults = await api(daemon, "GET", "/api/v1/faults/recurring", token=READ_TOKEN)
        assert [f["count"] for f in faults["faults"]] == [2], faults

        # list filters
        status, listed = await api(daemon, "GET", "/api/v1/tickets?kind=request&category=pos-payment")
        assert status == 200
        assert {t["id"] for t in listed["tickets"]} == {till["id"], calm["id"], again["id"]}
        status, listed = await api(daemon, "GET", "/api/v1/tickets?kind=alert")
        assert status == 200 and listed["tickets"] == []
        status, listed = await api(daemon, "GET", "/api/v1/tickets?asset=PRN-0007&kind=request")
        assert [t["id"] for t in listed["tickets"]] == [printer["id"]]
        status, error = await api(daemon, "GET", "/api/v1/tickets?kind=requests")
        assert (status, error["field"]) == (422, "kind"), error

        # nobody else was sent anything
        assert [m for m in receiver.messages if m.path == "/bob"] == []


async def test_bad_requests_are_4xx_naming_the_field(
    tmp_path: Path, receiver: Receiver, state_url: str
) -> None:
    async with running(repairs_doc(tmp_path, receiver, state_url)) as daemon:
        cases: list[tuple[dict[str, Any], int, str]] = [
            ({**TILL_DOWN, "category": "coffee-machine"}, 422, "category"),
            ({**TILL_DOWN, "site": "store-99"}, 422, "site"),
            ({**TILL_DOWN, "description": "   "}, 422, "description"),
            ({**TILL_DOWN, "reporter": ""}, 422, "reporter"),
            ({k: v for k, v in TILL_DOWN.items() if k != "contact"}, 422, "contact"),
            ({**TILL_DOWN, "urgent": "yes"}, 422, "urgent"),
            ({**TILL_DOWN, "priority": "urgent"}, 422, "priority"),
            ({**TILL_DOWN, "asset": "POS\u0000"}, 422, "asset"),
            ({**TILL_DOWN, "reporter": "Jane\nDoe"}, 422, "reporter"),
        ]
        for body, status_wanted, field in cases:
            status, error = await api(daemon, "POST", "/api/v1/tickets", token=TECHNICIAN_TOKEN, json=body)
            assert (status, error["field"]) == (status_wanted, field), (body, error)
        status, error = await api(daemon, "POST", "/api/v1/tickets", token=READ_TOKEN, json=TILL_DOWN)
        assert status == 403 and "technician" in error["error"], error
        status, error = await api(daemon, "POST", "/api/v1/tickets", token="", json=TILL_DOWN)
        assert status == 401, error

        ticket = (await api(daemon, "POST", "/api/v1/tickets", token=ADMIN_TOKEN, json=PRINTER_JAM))[1]
        path = f"/api/v1/tickets/{ticket['id']}/worklog"
        for body, field in [
            ({"minutes": 0}, "minutes"),
            ({"minutes": 1441}, "minutes"),
            ({"minutes": "30"}, "minutes"),
            ({}, "minutes"),
            ({"minutes": 5, "parts": ["ok", " "]}, "parts[1]"),
            ({"minutes": 5, "technician": "carol"}, "technician"),
            ({"minutes": 5, "hours": 1}, "hours"),
        ]:
            status, error = await api(daemon, "POST", path, token=TECHNICIAN_TOKEN, json=body)
            assert (status, error["field"]) == (422, field), (body, error)
        status, error = await api(daemon, "POST", "/api/v1/tickets/4242/worklog", json={"minutes": 5})
        assert (status, error["field"]) == (404, "id"), error
        status, error = await api(daemon, "GET", "/api/v1/tickets/x1/worklog", token=READ_TOKEN)
        assert (status, error["field"]) == (400, "id"), error
        status, log = await api(daemon, "GET", path, token=READ_TOKEN)
        assert log["count"] == 0  # nothing refused was written
        # only the printer ticket exists: nothing refused opened a ticket
        status, listed = await api(daemon, "GET", "/api/v1/tickets", token=READ_TOKEN)
        assert [t["id"] for t in listed["tickets"]] == [ticket["id"]]
