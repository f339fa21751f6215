"""``monitord assets ...`` as an admin would run it, against a real daemon (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.assets.conftest import ADMIN_TOKEN, READ_TOKEN, Api
from tests.daemon_harness import url


async def _cli(api: Api, *argv: str, token: str = ADMIN_TOKEN) -> tuple[int, str, str]:
    env = {**os.environ, "MONITORD_TOKEN": token, "MONITORD_URL": url(api.daemon, "")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitord",
        "assets",
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_add_set_list_history_import_export(api: Api, tmp_path: Path) -> None:
    await api.address("10.77.0.20")
    code, out, err = await _cli(
        api,
        "add",
        "SW-0001",
        "--kind",
        "switch",
        "--site",
        "head-office",
        "--serial",
        "FOC1",
        "--room",
        "server room",
        "--address",
        "10.77.0.20",
        "--warranty-end",
        "2027-03-31",
    )
    assert code == 0, err
    assert "serial:         FOC1" in out and "addresses:      10.77.0.20" in out

    code, out, err = await _cli(api, "add", "X-1", "--kind", "pc", "--site", "moon")
    assert (code, err.strip()) == (
        1,
        "monitord assets add: site: no site named 'moon' (known: head-office, store-1)",
    )
    code, out, err = await _cli(api, "add", "X-1", "--kind", "toaster", "--site", "head-office")
    assert code == 2 and "invalid choice: 'toaster'" in err

    code, out, err = await _cli(api, "set", "SW-0001", "--status", "in-repair", "--clear", "room")
    assert code == 0, err
    assert "changed room: server room -> (empty)" in out and "changed status: in-use -> in-repair" in out
    code, out, err = await _cli(api, "set", "SW-0001", "--notes", "x", token=READ_TOKEN)
    assert code == 1 and "admin" in err

    code, out, err = await _cli(api, "list", "--status", "in-repair", token=READ_TOKEN)
    assert code == 0 and out.split()[:3] == ["SW-0001", "switch", "in-repair"]
    assert "1 of 1 assets" in err
    code, out, err = await _cli(api, "--json", "list", "--warranty-before", "2027-01-01", token=READ_TOKEN)
    assert code == 0 and json.loads(out)["total"] == 0

    code, out, err = await _cli(api, "history", "SW-0001", token=READ_TOKEN)
    lines = out.splitlines()
    assert "admin" in lines[0] and "update" in lines[0] and "status: in-use -> in-repair" in lines[0]
    assert "create" in lines[1]

    bad = tmp_path / "bad.csv"
    bad.write_text("tag,kind,site\nPC-1,pc,head-office\nPC-2,pc,nowhere\n")
    code, out, err = await _cli(api, "import", str(bad))
    assert code == 1
    assert f"{bad}:3: site: no site named 'nowhere' (known: head-office, store-1)" in out
    assert "2 rows: would create 1, update 0, unchanged 0, 1 bad rows; nothing imported" in out

    good = tmp_path / "good.csv"
    good.write_text("tag,status\nSW-0001,in-use\n")
    code, out, err = await _cli(api, "import", str(good), "--dry-run")
    assert code == 0 and f"{good}:2: SW-0001 status: in-repair -> in-use" in out
    code, out, err = await _cli(api, "import", str(good))
    assert code == 0 and "1 rows: created 0, update 1" in out

    exported = tmp_path / "out.csv"
    code, out, err = await _cli(api, "export", "-o", str(exported), token=READ_TOKEN)
    assert code == 0 and "wrote 1 assets" in err
    assert exported.read_text().splitlines()[1].startswith("SW-0001,switch,,,FOC1,")

    code, out, err = await _cli(api, "discover", "core-switch")
    assert (code, err.strip()) == (
        1,
        "monitord assets discover: target: target 'core-switch' has no snmp, ssh_log or backup probe "
        "to discover with",
    )
