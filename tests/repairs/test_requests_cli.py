"""``monitord tickets open|assign|log|worklog`` (and resolve/close with a resolution) end to end:
the command line, the daemon's API, the state store and the receiver behind ``json://``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
from pathlib import Path

import pytest

from monitord.cli import main
from monitord.daemon import Daemon
from tests.alerts.harness import ADMIN_TOKEN, READ_TOKEN, running
from tests.repairs.harness import TECHNICIAN_TOKEN, repairs_doc
from tests.repairs.test_requests_e2e import at
from tests.servers.receiver import Receiver


async def cli_process(daemon: Daemon, *args: str, token: str) -> tuple[int, str, str]:
    """The real command in a fresh interpreter: entry point, exit status, stderr."""
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


async def cli(
    daemon: Daemon, *args: str, token: str = ADMIN_TOKEN, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """The same ``main`` in this process (no interpreter start-up per command)."""
    monkeypatch.setenv("MONITORD_URL", f"http://127.0.0.1:{daemon.http_port}")
    monkeypatch.setenv("MONITORD_TOKEN", token)

    def call() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["tickets", *args])
        return code, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(call)


async def test_help_desk_and_technician_work_through_the_cli(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(repairs_doc(tmp_path, receiver)) as daemon:
        code, out, err = await cli_process(
            daemon,
            "open",
            "--site",
            "store-12",
            "--asset",
            "POS-0012",
            "--category",
            "pos-payment",
            "--description",
            "till 2 refuses card payments",
            "--reporter",
            "Jane Doe",
            "--contact",
            "+49 30 1234567",
            "--json",
            token=TECHNICIAN_TOKEN,
        )
        assert code == 0, err
        ticket = json.loads(out)
        ticket_id = str(ticket["id"])
        assert ticket["priority"] == "urgent" and ticket["request"]["opened_by"] == "helpdesk"
        await at(receiver, "urgent", 1)

        code, out, err = await cli(
            daemon,
            "open",
            "--site",
            "head-office",
            "--category",
            "printer",
            "--urgent",
            "--description",
            "the only printer is down before the audit",
            "--reporter",
            "Sam",
            "--contact",
            "sam@example.com",
            token=TECHNICIAN_TOKEN,
            monkeypatch=monkeypatch,
        )
        assert code == 0 and "urgent" in out and "reported by Sam (sam@example.com)" in out, (out, err)
        await at(receiver, "urgent", 2)

        code, _, err = await cli(
            daemon,
            "open",
            "--site",
            "store-99",
            "--category",
            "printer",
            "--description",
            "x",
            "--reporter",
            "y",
            "--contact",
            "z",
            token=TECHNICIAN_TOKEN,
            monkeypatch=monkeypatch,
        )
        assert code == 1 and "unknown site 'store-99'" in err and "422" in err, err

        code, out, err = await cli(daemon, "assign", ticket_id, "bob", monkeypatch=monkeypatch)
        assert code == 0 and "@bob" in out, (out, err)
        bob = await at(receiver, "bob", 1)
        assert f"#{ticket_id} assigned to you" in bob[0].title

        code, out, err = await cli(
            daemon,
            "log",
            ticket_id,
            "--minutes",
            "40",
            "--note",
            "replaced the reader",
            "--part",
            "card reader CR-7",
            "--part",
            "USB cable",
            "--technician",
            "bob",
            token=TECHNICIAN_TOKEN,
            monkeypatch=monkeypatch,
        )
        assert code == 0 and out.strip() == f"ticket #{ticket_id}: logged 40 min for bob", (out, err)
        code, _, err = await cli(
            daemon, "log", ticket_id, "--minutes", "0", token=TECHNICIAN_TOKEN, monkeypatch=monkeypatch
        )
        assert code == 1 and "minutes" in err and "422" in err, err
        code, _, err = await cli(
            daemon, "log", ticket_id, "--minutes", "5", token=READ_TOKEN, monkeypatch=monkeypatch
        )
        assert code == 1 and "403" in err, err
        code, out, _ = await cli(daemon, "worklog", ticket_id, token=READ_TOKEN, monkeypatch=monkeypatch)
        assert f"ticket #{ticket_id}: 40 min in 1 entries" in out
        assert "parts: card reader CR-7, USB cable replaced the reader" in out, out

        code, _, err = await cli(daemon, "close", ticket_id, monkeypatch=monkeypatch)
        assert code == 1 and "without a resolution" in err and "409" in err, err
        code, out, err = await cli(
            daemon, "resolve", ticket_id, "--resolution", "replaced the card reader", monkeypatch=monkeypatch
        )
        assert code == 0 and "resolved" in out, err
        code, out, err = await cli(daemon, "close", ticket_id, monkeypatch=monkeypatch)
        assert code == 0 and "closed" in out, err
        code, out, _ = await cli(daemon, "show", ticket_id, token=READ_TOKEN, monkeypatch=monkeypatch)
        assert "repair request: pos-payment, asset POS-0012, opened by helpdesk" in out, out
        assert "resolution: replaced the card reader" in out and "work logged: 40 min" in out, out

        code, out, _ = await cli(
            daemon, "--json", "list", "--kind", "request", "--category", "printer", monkeypatch=monkeypatch
        )
        listed = json.loads(out)
        assert [t["request"]["reporter"] for t in listed] == ["Sam"], listed
