"""Marking ranges as DHCP (finding 9: reconciliation must skip DHCP pools, so the register needs a
way to say which ranges are DHCP): the API's PATCH, the ranges CSV import, and the CLI."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from tests.daemon_harness import auth, url
from tests.ipam.conftest import ADMIN_TOKEN, READ_TOKEN, Api

RANGES = """subnet,name,kind,first,last,description
10.90.0.0/24,clients,pool,10.90.0.100,10.90.0.199,laptops
10.90.0.0/24,printers,reserved,10.90.0.200,10.90.0.209,
"""

BAD = """subnet,name,kind,first,last
10.91.0.0/24,x,pool,10.91.0.1,10.91.0.2
10.90.0.0/24,overlapping,pool,10.90.0.150,10.90.0.250
10.90.0.0/24,odd,scope,10.90.0.10,10.90.0.20
10.90.0.0/24,clients,dhcp,10.90.0.100,10.90.0.180
10.90.0.0/24,new,pool,10.90.0.0,10.90.0.5
10.90.0.0/24,new2,pool,,
10.90.0.0/24,clients,dhcp
"""


async def _post(api: Api, text: str, query: str = "") -> tuple[int, Any]:
    async with api.session.post(
        api.url(f"/ranges/import{query}"),
        data=text.encode(),
        headers={**auth(ADMIN_TOKEN), "Content-Type": "text/csv"},
    ) as response:
        return response.status, await response.json()


async def _ranges(api: Api) -> dict[str, dict[str, Any]]:
    status, body = await api.call("GET", "/subnets", token=READ_TOKEN)
    assert status == 200
    return {r["name"]: r for s in body["subnets"] for r in s["ranges"]}


async def test_ranges_csv_creates_and_marks_dhcp_without_erasing(api: Api) -> None:
    sid = (await api.subnet("10.90.0.0/24"))["id"]
    status, plan = await _post(api, RANGES, "?dry_run=true")
    assert (status, plan["create"], plan["errors"]) == (200, 2, []), plan
    assert await _ranges(api) == {}
    status, done = await _post(api, RANGES)
    assert (status, done["create"]) == (200, 2), done
    assert (await _ranges(api))["clients"]["kind"] == "pool"

    status, plan = await _post(api, BAD, "?dry_run=true")
    assert [(e["line"], e["field"]) for e in plan["errors"]] == [
        (2, "subnet"),
        (3, "first"),
        (4, "kind"),
        (5, "last"),
        (6, "first"),
        (7, "first"),
        (8, "name"),
    ]
    assert "bounds never move" in plan["errors"][3]["error"]
    status, body = await _post(api, BAD)
    assert status == 422 and body["field"] == "csv"
    assert (await _ranges(api))["clients"]["kind"] == "pool"  # nothing written

    # Only subnet, name and kind: the description stays; the plan shows the change.
    status, plan = await _post(api, "subnet,name,kind\n10.90.0.0/24,clients,dhcp\n", "?dry_run=true")
    assert (plan["update"], [c["text"] for c in plan["changes"]]) == (1, ["kind: pool -> dhcp"]), plan
    status, done = await _post(api, "subnet,name,kind\n10.90.0.0/24,clients,dhcp\n")
    assert (status, done["update"]) == (200, 1)
    clients = (await _ranges(api))["clients"]
    assert (clients["kind"], clients["description"]) == ("dhcp", "laptops")
    status, audit = await api.call("GET", "/audit?object=10.90.0.0/24:clients", token=READ_TOKEN)
    assert [(e["action"], e["before"]["kind"], e["after"]["kind"]) for e in audit["entries"][:1]] == [
        ("import", "pool", "dhcp")
    ]
    status, again = await _post(api, "subnet,name,kind\n10.90.0.0/24,clients,dhcp\n")
    assert (again["update"], again["unchanged"]) == (0, 1)
    # Allocators see the new kind at once: next-free skips DHCP ranges.
    status, body = await api.call("GET", f"/subnets/{sid}/available?count=100", token=READ_TOKEN)
    assert "10.90.0.100" not in body["available"] and "10.90.0.99" in body["available"]


async def test_patch_marks_a_range_as_dhcp(api: Api) -> None:
    sid = (await api.subnet("10.90.0.0/24"))["id"]
    status, _ = await api.call(
        "POST",
        f"/subnets/{sid}/ranges",
        {"name": "clients", "first": "10.90.0.100", "last": "10.90.0.199", "description": "laptops"},
    )
    assert status == 201
    status, body = await api.call("PATCH", f"/subnets/{sid}/ranges/clients", {"kind": "dhcp"})
    assert (status, body["kind"], body["description"]) == (200, "dhcp", "laptops"), body
    status, body = await api.call("PATCH", f"/subnets/{sid}/ranges/clients", {"first": "10.90.0.1"})
    assert (status, body["field"]) == (422, "first"), body
    status, body = await api.call("PATCH", f"/subnets/{sid}/ranges/clients", {"kind": "lease"})
    assert (status // 100, body["field"]) == (4, "kind"), body
    status, body = await api.call("PATCH", f"/subnets/{sid}/ranges/nosuch", {"kind": "dhcp"})
    assert (status, body["field"]) == (404, "name")
    status, body = await api.call(
        "PATCH", f"/subnets/{sid}/ranges/clients", {"kind": "dhcp"}, token=READ_TOKEN
    )
    assert status == 403


async def _cli(api: Api, *argv: str) -> tuple[int, str, str]:
    env = {**os.environ, "MONITORD_TOKEN": ADMIN_TOKEN, "MONITORD_URL": url(api.daemon, "")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitord",
        "ipam",
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_marks_dhcp_ranges_one_by_one_and_from_a_file(api: Api, tmp_path: Path) -> None:
    sid = (await api.subnet("10.90.0.0/24"))["id"]
    sheet = tmp_path / "ranges.csv"
    sheet.write_text(RANGES)
    code, out, err = await _cli(api, "import-ranges", str(sheet), "--dry-run")
    assert code == 0, err
    assert out.splitlines()[-1] == "2 rows: would create 2, update 0, unchanged 0, 0 bad rows"
    code, out, err = await _cli(api, "import-ranges", str(sheet))
    assert code == 0 and "created 2" in out, err
    code, out, err = await _cli(api, "set-range", str(sid), "printers", "--kind", "dhcp")
    assert code == 0, err
    sheet.write_text("subnet,name,kind\n10.90.0.0/24,clients,dhcp\n10.90.0.0/24,ghost,pool\n")
    code, out, err = await _cli(api, "import-ranges", str(sheet))
    assert code == 1 and f"{sheet}:3: first: a new range needs first" in out and "nothing imported" in out
    sheet.write_text("subnet,name,kind\n10.90.0.0/24,clients,dhcp\n")
    code, out, err = await _cli(api, "import-ranges", str(sheet))
    assert code == 0 and f"{sheet}:2: 10.90.0.0/24:clients kind: pool -> dhcp" in out, (out, err)
    assert {r["name"]: r["kind"] for r in (await _ranges(api)).values()} == {
        "clients": "dhcp",
        "printers": "dhcp",
    }
