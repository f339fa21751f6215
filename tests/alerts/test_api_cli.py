"""The ticket, alert and silence API (auth, 4xx answers) and the ``monitord tickets`` CLI."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from monitord.accounts.service import Accounts
from monitord.cli import main
from monitord.daemon import Daemon
from tests.alerts.harness import (
    ADMIN_TOKEN,
    READ_TOKEN,
    Listener,
    api,
    config_doc,
    running,
    tcp_target,
    wait_until,
)
from tests.servers.receiver import Receiver


async def _cli(daemon: Daemon, *args: str, token: str = ADMIN_TOKEN) -> tuple[int, str, str]:
    env = {**os.environ, "MONITORD_URL": f"http://127.0.0.1:{daemon.http_port}", "MONITORD_TOKEN": token}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitord",
        "tickets",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _cli_here(daemon: Daemon, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """The same command through ``monitord.cli.main`` in this process (no interpreter start-up)."""
    monkeypatch.setenv("MONITORD_URL", f"http://127.0.0.1:{daemon.http_port}")
    monkeypatch.setenv("MONITORD_TOKEN", ADMIN_TOKEN)

    def call() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["tickets", *args])
        return code, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(call)


async def test_ticket_api_and_cli(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = listeners()
    doc = config_doc(tmp_path, [tcp_target("nas-1", service.port, site="head-office")], receiver.url())
    async with running(doc) as daemon:

        async def has_ticket() -> bool:
            _, body = await api(daemon, "GET", "/api/v1/tickets", token=READ_TOKEN)
            return len(body["tickets"]) == 1

        await wait_until(has_ticket, 60, "a ticket")
        _, body = await api(daemon, "GET", "/api/v1/tickets?status=&site=head-office&priority=normal")
        ticket_id = body["tickets"][0]["id"]

        # reads with a read token, writes need admin
        status, alerts = await api(daemon, "GET", "/api/v1/alerts?status=firing", token=READ_TOKEN)
        assert status == 200 and alerts["alerts"][0]["target"] == "nas-1"
        status, error = await api(daemon, "POST", f"/api/v1/tickets/{ticket_id}/ack", token=READ_TOKEN)
        assert status == 403 and "this needs technician" in error["error"]
        status, error = await api(daemon, "POST", f"/api/v1/tickets/{ticket_id}/ack", token="")
        assert status == 401
        status, error = await api(daemon, "GET", "/api/v1/tickets/abc")
        assert status == 400 and error["field"] == "id"
        status, error = await api(daemon, "GET", "/api/v1/tickets/%C2%B2")  # "²" passes isdigit()
        assert status == 400 and error["field"] == "id"
        status, error = await api(daemon, "GET", "/api/v1/tickets/9999999999999999999999")
        assert status == 400 and error["field"] == "id"
        status, error = await api(daemon, "GET", "/api/v1/tickets/4242")
        assert status == 404
        status, error = await api(daemon, "GET", "/api/v1/tickets?status=bogus")
        assert status == 422 and error["field"] == "status"
        status, error = await api(daemon, "POST", f"/api/v1/tickets/{ticket_id}/notes", json={"text": ""})
        assert status == 422 and error["field"] == "text"
        # NUL (PostgreSQL refuses it in text) and other control characters; line breaks are fine
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/notes", json={"text": "disk\u0000 shelf"}
        )
        assert (status, error["field"]) == (422, "text") and "NUL" in error["error"], error
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/notes", json={"text": "disk\u0007 shelf"}
        )
        assert (status, error["field"]) == (422, "text") and "position 4" in error["error"], error
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/assign", json={"assignee": "bob\u001b[31m"}
        )
        assert (status, error["field"]) == (422, "assignee"), error
        status, error = await api(daemon, "POST", "/api/v1/silences", json={"matchers": ["x"]})
        assert status == 422
        status, error = await api(
            daemon,
            "POST",
            "/api/v1/silences",
            json={
                "matchers": ["site=head-office"],
                "weekly": {"start": "20:00", "end": "07:00", "timezone": "Europe"},
            },
        )
        assert status == 422 and "unknown time zone 'Europe'" in error["error"], error
        status, error = await api(daemon, "DELETE", "/api/v1/silences/nope")
        assert status == 404

        status, noted = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/notes", json={"text": "disk shelf beeping"}
        )
        assert status == 200 and noted["history"][-1]["text"] == "disk shelf beeping"
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/assign", json={"assignee": "bob"}
        )
        assert (status, error["field"]) == (422, "assignee"), error  # no such account yet
        assert daemon.state is not None
        await Accounts(daemon.state).add("bob", "Bob", "technician", None, actor="test", source="test")
        status, assigned = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/assign", json={"assignee": "bob"}
        )
        assert status == 200 and assigned["assignee"] == "bob"

        # The real command once (a fresh interpreter: entry point, exit code, stderr); the rest
        # through the same main() in this process, without an interpreter start-up each.
        # global flags after the action too (issue 12 finding 13)
        code, out, err = await _cli_here(
            daemon, "list", "--status", "open", "--json", monkeypatch=monkeypatch
        )
        assert code == 0 and json.loads(out)[0]["id"] == ticket_id, err
        code, _, err = await _cli(daemon, "ack", str(ticket_id), token=READ_TOKEN)
        assert code == 1 and "403" in err, err
        code, out, _ = await _cli_here(daemon, "list", "--status", "open", monkeypatch=monkeypatch)
        assert code == 0 and f"#{ticket_id}" in out and "nas-1" in out, out
        code, out, _ = await _cli_here(daemon, "show", str(ticket_id), monkeypatch=monkeypatch)
        assert code == 0 and "disk shelf beeping" in out and "history:" in out
        code, out, _ = await _cli_here(
            daemon, "--json", "ack", str(ticket_id), "--note", "looking", monkeypatch=monkeypatch
        )
        assert code == 0 and json.loads(out)["status"] == "acknowledged"
        # issue 12 findings 3 and 4: no blank root cause; nas-1 still fires, so no resolve or close
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/close", json={"root_cause": "   "}
        )
        assert (status, error["field"]) == (422, "root_cause"), error
        status, error = await api(daemon, "POST", f"/api/v1/tickets/{ticket_id}/resolve")
        assert status == 409 and "still fires (service-down on nas-1)" in error["error"], error
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/resolve", json={"force": True}
        )
        assert (status, error["field"]) == (422, "note"), error
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/resolve", json={"force": "yes", "note": "x"}
        )
        assert (status, error["field"]) == (422, "force"), error
        code, _, err = await _cli_here(
            daemon, "close", str(ticket_id), "--root-cause", "PSU failed", monkeypatch=monkeypatch
        )
        assert code == 1 and "still fires" in err and "409" in err, err
        code, _, err = await _cli_here(daemon, "resolve", str(ticket_id), "--force", monkeypatch=monkeypatch)
        assert code == 1 and "needs a note" in err and "422" in err, err
        code, out, _ = await _cli_here(
            daemon,
            "close",
            str(ticket_id),
            "--root-cause",
            "PSU failed",
            "--force",
            "--note",
            "NAS decommissioned today",
            monkeypatch=monkeypatch,
        )
        assert code == 0 and "closed" in out, out
        code, out, _ = await _cli_here(daemon, "show", str(ticket_id), monkeypatch=monkeypatch)
        assert "forced" in out and "still fired: NAS decommissioned today" in out, out
        code, _, err = await _cli_here(daemon, "close", str(ticket_id), monkeypatch=monkeypatch)
        assert code == 1 and "already closed" in err, err

        status, faults = await api(daemon, "GET", "/api/v1/faults/recurring", token=READ_TOKEN)
        assert status == 200 and faults["faults"] == []
