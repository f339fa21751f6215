"""Real runs with the global flags before and after the action (finding 13): ``monitord ipam
--json audit`` as the README writes it, tickets, probes and check-config, each both ways."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import yaml

from monitord.daemon import Daemon
from tests.alerts.harness import Listener
from tests.daemon_harness import ADMIN_TOKEN, base_config, running_daemon, url


async def _monitord(*argv: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitord",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _client(daemon: Daemon) -> list[str]:
    return ["--url", url(daemon, ""), "--token", ADMIN_TOKEN]


async def test_ipam_and_tickets_take_the_flags_before_and_after_the_action(tmp_path: Path) -> None:
    async with running_daemon(base_config(tmp_path)) as daemon:
        client = _client(daemon)
        code, out, err = await _monitord("ipam", *client, "add-subnet", "127.77.0.0/28")
        assert code == 0, err
        for argv in (
            ["ipam", "--json", *client, "audit"],  # as README.md writes it
            ["ipam", "audit", "--json", *client],
            ["--json", *client, "ipam", "audit"],
            ["ipam", *client[:2], "audit", "--json", *client[2:]],
        ):
            code, out, err = await _monitord(*argv)
            assert code == 0, (argv, err)
            entries = json.loads(out)["entries"]
            assert [(e["action"], e["object"]) for e in entries] == [("create", "127.77.0.0/28")], argv
        for argv in (
            ["tickets", "--json", *client, "list"],
            ["tickets", "list", "--json", *client],
            ["--json", "tickets", "list", *client],
        ):
            code, out, err = await _monitord(*argv)
            assert (code, json.loads(out)) == (0, []), (argv, err)
        code, out, err = await _monitord("tickets", "list", *client)
        assert (code, out.strip()) == (0, "")  # without --json: the plain (empty) listing


async def test_probe_and_check_config_take_the_flags_before_and_after(tmp_path: Path) -> None:
    listener = Listener()
    await listener.open()
    try:
        endpoint = f"127.0.0.1:{listener.port}"
        for argv in (
            ["probe", "--json", "tcp", endpoint],
            ["probe", "tcp", endpoint, "--json"],
            ["--json", "probe", "tcp", endpoint, "--timeout", "2"],
        ):
            code, out, err = await _monitord(*argv)
            assert code == 0, (argv, err)
            assert [(r["target"], r["ok"]) for r in json.loads(out)] == [(endpoint, True)], argv
    finally:
        await listener.close()
    config = tmp_path / "monitord.yaml"
    config.write_text(yaml.safe_dump(base_config(tmp_path / "state")))
    for argv in (
        ["-c", str(config), "check-config"],
        ["check-config", "-c", str(config)],
        ["check-config", "--config", str(config)],
    ):
        code, out, err = await _monitord(*argv)
        assert (code, out.splitlines()[0]) == (0, f"configuration OK: {config}"), (argv, err)
    code, out, err = await _monitord("--url", "http://127.0.0.1:9", "check-config", "-c", str(config))
    assert code == 2 and "--url does not apply to 'monitord check-config'" in err
