"""Accounts end to end: made with ``monitord users`` against a running daemon's state store
(SQLite and PostgreSQL), then working tickets over the API with their own tokens.

The assignee hears of an assignment on their own ``json://`` contact (a real receiver); the
ticket history and the audit log name people; secrets never come back out.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitord.cli import main
from monitord.daemon import Daemon
from tests.alerts.harness import ADMIN_TOKEN, READ_TOKEN, Listener, api, config_doc, running, tcp_target
from tests.eventually import eventually
from tests.servers.receiver import Receiver

PASSWORD = "a long enough password"


async def users(config: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """``monitord users ...`` through the real entry point, in a thread (it runs its own loop)."""

    def call() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["users", "-c", str(config), *args])
        finally:
            sys.stdin = saved
        return code, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(call)


async def tickets_cli(daemon: Daemon, token: str, *args: str) -> tuple[int, str, str]:
    def call() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        url = f"http://127.0.0.1:{daemon.http_port}"
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["tickets", "--url", url, "--token", token, *args])
        return code, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(call)


async def issue(config: Path, name: str, role: str | None = None) -> str:
    extra = ["--role", role] if role else []
    code, out, err = await users(config, "token", "issue", name, "--label", "tests", *extra, "--json")
    assert code == 0, err
    token: str = json.loads(out)["token"]
    return token


async def one_ticket(daemon: Daemon) -> int:
    found: list[Any] = []

    async def opened() -> bool:
        _, body = await api(daemon, "GET", "/api/v1/tickets", token=READ_TOKEN)
        found[:] = body["tickets"]
        return len(found) == 1

    await eventually(opened, "a ticket for the down target", timeout=60)
    return int(found[0]["id"])


async def test_people_work_tickets_with_their_own_tokens(
    tmp_path: Path, state_url: str, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="monitord")
    down = Listener()  # never opened: the target is down, so a ticket opens
    doc = config_doc(
        tmp_path, [tcp_target("nas-1", down.port, site="head-office")], receiver.url(), state_url=state_url
    )
    config = tmp_path / "monitord.yaml"
    config.write_text(yaml.safe_dump(doc))
    contact = receiver.url("alice-phone")
    async with running(doc) as daemon:
        # The first admin and the others come from the CLI; passwords from stdin, never argv.
        code, out, err = await users(config, "add", "root", "--role", "admin", stdin=PASSWORD + "\n")
        assert code == 0 and "root" in out, err
        code, _, err = await users(
            config,
            "add",
            "Alice",
            "--role",
            "technician",
            "--display-name",
            "Alice E.",
            stdin=PASSWORD + "\n",
        )
        assert code == 0, err
        code, _, err = await users(config, "add", "vic", "--role", "viewer", "--no-password")
        assert code == 0, err
        code, out, err = await users(config, "contacts", "alice", stdin=contact + "\n")
        assert code == 0 and "contacts 1" in out and contact not in out, (out, err)
        code, out, _ = await users(config, "add", "bad", "--role", "viewer", stdin="short\n")
        assert code == 1
        code, out, _ = await users(config, "list")
        assert code == 0 and "alice" in out and "technician" in out and contact not in out
        alice = await issue(config, "alice")
        root = await issue(config, "root")
        vic = await issue(config, "vic")
        code, _, err = await users(config, "token", "issue", "alice", "--label", "x", "--role", "admin")
        assert code == 1 and "role" in err

        ticket_id = await one_ticket(daemon)
        status, me = await api(daemon, "GET", "/api/v1/me", token=alice)
        assert status == 200 and (me["name"], me["role"], me["via"]) == ("alice", "technician", "user-token")
        assert me["account"]["contacts"] == 1 and contact not in json.dumps(me)

        # A viewer reads but cannot work tickets; a technician can, under their own name.
        status, _ = await api(daemon, "GET", f"/api/v1/tickets/{ticket_id}", token=vic)
        assert status == 200
        status, error = await api(daemon, "POST", f"/api/v1/tickets/{ticket_id}/ack", token=vic)
        assert status == 403 and "technician" in error["error"]
        status, acked = await api(daemon, "POST", f"/api/v1/tickets/{ticket_id}/ack", token=alice)
        assert status == 200 and acked["assignee"] == "alice"
        assert acked["history"][-1]["actor"] == "alice"
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/assign", token=alice, json={"assignee": "root"}
        )
        assert status == 403 and "only to themselves" in error["error"]
        # Technicians touch no silences or IPAM.
        status, _ = await api(
            daemon, "POST", "/api/v1/silences", token=alice, json={"matchers": ["site=head-office"]}
        )
        assert status == 403
        status, _ = await api(
            daemon, "POST", "/api/v1/ipam/subnets", token=alice, json={"cidr": "10.9.0.0/24"}
        )
        assert status == 403

        # An admin assigns: only technicians and admins take tickets; the assignee is told.
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/assign", token=root, json={"assignee": "vic"}
        )
        assert (status, error["field"]) == (422, "assignee") and "viewer" in error["error"]
        status, error = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/assign", token=root, json={"assignee": "ghost"}
        )
        assert (status, error["field"]) == (422, "assignee")
        status, assigned = await api(
            daemon, "POST", f"/api/v1/tickets/{ticket_id}/assign", token=root, json={"assignee": "root"}
        )
        assert status == 200 and assigned["assignee"] == "root"
        status, assigned = await api(
            daemon,
            "POST",
            f"/api/v1/tickets/{ticket_id}/assign",
            token=ADMIN_TOKEN,
            json={"assignee": "Alice"},
        )
        assert status == 200 and assigned["assignee"] == "alice"
        assert assigned["history"][-1]["actor"] == "oncall-admin"

        async def noticed() -> bool:
            return any(m.path == "/alice-phone" for m in receiver.messages)

        await eventually(noticed, "the assignment notice at alice's contact", timeout=30)
        notices = [m for m in receiver.messages if m.path == "/alice-phone"]
        assert len(notices) == 1  # root assigning to themselves told nobody; root has no contact anyway
        assert notices[0].title == f"Ticket #{ticket_id} assigned to you"
        assert "oncall-admin assigned" in notices[0].body and "nas-1" in notices[0].body

        # assignee=me and assignee=<name>, in the API and the CLI.
        status, mine = await api(daemon, "GET", "/api/v1/tickets?assignee=me", token=alice)
        assert status == 200 and [t["id"] for t in mine["tickets"]] == [ticket_id]
        status, theirs = await api(daemon, "GET", "/api/v1/tickets?assignee=me", token=root)
        assert theirs["tickets"] == []
        status, named = await api(daemon, "GET", "/api/v1/tickets?assignee=alice", token=READ_TOKEN)
        assert [t["id"] for t in named["tickets"]] == [ticket_id]
        code, out, err = await tickets_cli(daemon, alice, "list", "--assignee", "me")
        assert code == 0 and f"#{ticket_id}" in out and "@alice" in out, err
        code, out, err = await tickets_cli(daemon, root, "list", "--assignee", "me")
        assert code == 0 and out.strip() == "", (out, err)
        code, out, err = await tickets_cli(daemon, alice, "assign", str(ticket_id), "alice", "--json")
        assert code == 0 and json.loads(out)["assignee"] == "alice", err

        # Own tokens over the API: issued once, listed without values, revoked at once.
        status, issued = await api(daemon, "POST", "/api/v1/me/tokens", token=alice, json={"label": "phone"})
        assert status == 201 and issued["role"] == "technician" and issued["token"].startswith("mdu_")
        status, error = await api(
            daemon, "POST", "/api/v1/me/tokens", token=alice, json={"label": "x", "role": "admin"}
        )
        assert (status, error["field"]) == (422, "role")
        status, listed = await api(daemon, "GET", "/api/v1/me/tokens", token=issued["token"])
        assert status == 200 and {t["label"] for t in listed["tokens"]} == {"tests", "phone"}
        assert issued["token"] not in json.dumps(listed)
        status, _ = await api(daemon, "DELETE", f"/api/v1/me/tokens/{issued['id']}", token=alice)
        assert status == 200
        status, error = await api(daemon, "GET", "/api/v1/me", token=issued["token"])
        assert status == 401 and error["error"] == "invalid token"
        status, error = await api(daemon, "GET", "/api/v1/me/tokens", token=ADMIN_TOKEN)
        assert status == 409  # a configured token has no account

        # Admins read the accounts and the audit log; nobody else does.
        status, _ = await api(daemon, "GET", "/api/v1/accounts", token=alice)
        assert status == 403
        status, listing = await api(daemon, "GET", "/api/v1/accounts", token=root)
        assert status == 200 and [a["name"] for a in listing["accounts"]] == ["alice", "root", "vic"]
        status, audit = await api(daemon, "GET", "/api/v1/accounts/audit?account=alice", token=ADMIN_TOKEN)
        actions = [e["action"] for e in audit["entries"]]
        assert {"account-added", "profile-changed", "token-issued", "token-revoked"} <= set(actions)
        revoked = next(e for e in audit["entries"] if e["action"] == "token-revoked")
        assert (revoked["actor"], revoked["source"]) == ("alice", "127.0.0.1")

        # Disabled, alice's tokens stop working at once.
        code, _, err = await users(config, "disable", "alice")
        assert code == 0, err
        status, _ = await api(daemon, "GET", "/api/v1/tickets", token=alice)
        assert status == 401
        code, out, _ = await users(config, "audit", "--account", "alice")
        assert code == 0 and "disabled" in out and "by cli" in out

        everything = json.dumps([listing, audit]) + caplog.text
        for secret in (contact, alice, root, vic, issued["token"], PASSWORD):
            assert secret not in everything
