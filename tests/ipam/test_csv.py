"""CSV import and export of the register: dry run, every bad row by line number, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.daemon_harness import auth, running_daemon
from tests.ipam.conftest import ADMIN_TOKEN, READ_TOKEN, Api, ipam_document

GOOD = """address,subnet,status,hostname,mac,description,owner,target,range
10.90.0.10,10.90.0.0/24,allocated,till-1,AA:BB:CC:00:00:10,"Till 1, by the door",store-1,,
10.90.0.11,,reserved,printer-1,,,,,
10.90.1.5,10.90.1.0/24,dhcp,,,,,,pool
"""

BAD = """address,hostname,mac,status,target
10.90.0.20,ok-host,,allocated
10.90.0.23,linked,,allocated,ghost-target
10.90.0.300,bad-address,,allocated
10.99.0.1,no-subnet,,allocated
10.90.0.21,bad mac,zz:zz,allocated
10.90.0.22,,,sleeping
10.90.0.20,duplicate,,allocated
10.90.0.255,broadcast,,allocated
"""


async def _post_csv(api: Api, text: str, query: str = "") -> tuple[int, Any]:
    async with api.session.post(
        api.url(f"/import{query}"),
        data=text.encode(),
        headers={**auth(ADMIN_TOKEN), "Content-Type": "text/csv"},
    ) as response:
        return response.status, await response.json()


async def _setup(api: Api) -> None:
    await api.subnet("10.90.0.0/24")
    sid = (await api.subnet("10.90.1.0/24"))["id"]
    status, _ = await api.call(
        "POST", f"/subnets/{sid}/ranges", {"name": "pool", "first": "10.90.1.1", "last": "10.90.1.50"}
    )
    assert status == 201


async def test_dry_run_then_import_then_export_round_trip(api: Api) -> None:
    await _setup(api)
    status, plan = await _post_csv(api, GOOD, "?dry_run=true")
    assert status == 200, plan
    assert (plan["dry_run"], plan["create"], plan["update"], plan["errors"]) == (True, 3, 0, [])
    status, body = await api.call("GET", "/addresses", token=READ_TOKEN)
    assert body["total"] == 0  # a dry run writes nothing
    status, done = await _post_csv(api, GOOD)
    assert status == 200 and done["create"] == 3
    status, again = await _post_csv(api, GOOD)
    assert (again["create"], again["update"], again["unchanged"]) == (0, 0, 3)
    status, body = await api.call("GET", "/addresses/10.90.0.10", token=READ_TOKEN)
    assert body["mac"] == "aa:bb:cc:00:00:10" and body["description"] == "Till 1, by the door"
    status, text = await api.call("GET", "/export", token=READ_TOKEN)
    assert status == 200
    lines = text.splitlines()
    assert lines[0] == "address,subnet,status,hostname,mac,description,owner,target,range"
    assert lines[1] == (
        '10.90.0.10,10.90.0.0/24,allocated,till-1,aa:bb:cc:00:00:10,"Till 1, by the door",store-1,,'
    )
    assert lines[3] == "10.90.1.5,10.90.1.0/24,dhcp,,,,,,pool"
    edited = text.replace("printer-1", "printer-2")
    status, changed = await _post_csv(api, edited)
    assert (changed["update"], changed["unchanged"]) == (1, 2)
    status, body = await api.call("GET", "/audit?object=10.90.0.11", token=READ_TOKEN)
    assert body["entries"][0]["before"]["hostname"] == "printer-1"
    assert body["entries"][0]["after"]["hostname"] == "printer-2"
    # Imported addresses are taken: next-free skips them.
    status, body = await api.call("GET", "/subnets", token=READ_TOKEN)
    first = next(s for s in body["subnets"] if s["cidr"] == "10.90.0.0/24")
    status, _got = await api.call("POST", f"/subnets/{first['id']}/allocate", {"address": "10.90.0.10"})
    assert status == 409


async def test_every_bad_row_is_reported_by_line_and_nothing_is_written(api: Api) -> None:
    await _setup(api)
    status, plan = await _post_csv(api, BAD, "?dry_run=true")
    assert status == 200
    errors = [(e["line"], e["field"]) for e in plan["errors"]]
    assert errors == [
        (3, "target"),
        (4, "address"),
        (5, "address"),
        (6, "mac"),
        (6, "hostname"),
        (7, "status"),
        (8, "address"),
        (9, "address"),
    ]
    assert plan["errors"][0]["error"] == "no monitoring target named 'ghost-target'"
    assert "10.99.0.1" in plan["errors"][2]["error"] and "also on line 2" in plan["errors"][6]["error"]
    assert "broadcast" in plan["errors"][7]["error"]
    status, body = await _post_csv(api, BAD)
    assert status == 422 and body["field"] == "csv" and len(body["errors"]) == 8
    status, body = await api.call("GET", "/addresses", token=READ_TOKEN)
    assert body["total"] == 0
    status, body = await _post_csv(api, "address,colour\n10.90.0.1,red\n", "?dry_run=true")
    assert body["errors"] == [
        {
            "line": 1,
            "field": "colour",
            "error": "unknown column 'colour' (known: address, subnet, status, hostname, mac, "
            "description, owner, target, range)",
        }
    ]
    status, body = await _post_csv(api, "address\n10.90.0.1\n10.90.0.0\n", "?dry_run=true&line_offset=100")
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(103, "address")]


async def test_an_absent_column_leaves_the_field_and_an_empty_cell_clears_it_visibly(
    state_url: str, tmp_path: Path
) -> None:
    """Finding 12: a file without a ``target`` column set the linked target of an address to null."""
    document = ipam_document(
        tmp_path,
        state_url,
        sites={"store-0001": {"description": "Store 1"}},
        targets=[{"name": "store-0001-till-1", "address": "127.0.0.12", "site": "store-0001"}],
    )
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        api = Api(daemon, session)
        sid = (await api.subnet("127.77.0.0/28"))["id"]
        status, _ = await api.call(
            "POST",
            f"/subnets/{sid}/allocate",
            {
                "address": "127.77.0.2",
                "hostname": "till-1",
                "owner": "store-1",
                "target": "store-0001-till-1",
                "status": "reserved",
            },
        )
        assert status == 201
        # No target, owner or status column, and a short row: those fields stay as they are.
        status, plan = await _post_csv(api, "address,hostname,owner\n127.77.0.2,till-one\n")
        assert (status, plan["update"]) == (200, 1), plan
        status, body = await api.call("GET", "/addresses/127.77.0.2", token=READ_TOKEN)
        assert (body["hostname"], body["owner"], body["target"], body["status"]) == (
            "till-one",
            "store-1",
            "store-0001-till-1",
            "reserved",
        )
        assert [c["text"] for c in plan["changes"]] == ["hostname: till-1 -> till-one"]
        status, audit = await api.call("GET", "/audit?object=127.77.0.2", token=READ_TOKEN)
        assert audit["entries"][0]["after"]["target"] == "store-0001-till-1"
        # An explicit empty cell clears the field, and the dry run says so first.
        clearing = "address,target,status\n127.77.0.2,,\n"
        status, plan = await _post_csv(api, clearing, "?dry_run=true")
        assert (status, plan["update"]) == (200, 1), plan
        assert plan["changes"] == [
            {
                "line": 2,
                "address": "127.77.0.2",
                "field": "target",
                "before": "store-0001-till-1",
                "after": None,
                "text": "target: store-0001-till-1 -> (empty)",
            }
        ]
        status, body = await api.call("GET", "/addresses/127.77.0.2", token=READ_TOKEN)
        assert body["target"] == "store-0001-till-1"  # a dry run writes nothing
        status, done = await _post_csv(api, clearing)
        assert (status, done["update"]) == (200, 1)
        status, body = await api.call("GET", "/addresses/127.77.0.2", token=READ_TOKEN)
        assert (body["target"], body["status"], body["owner"]) == (None, "reserved", "store-1")
        # A new address gets the defaults for what the file does not say.
        status, done = await _post_csv(api, "address\n127.77.0.3\n")
        assert done["create"] == 1
        status, body = await api.call("GET", "/addresses/127.77.0.3", token=READ_TOKEN)
        assert (body["status"], body["hostname"], body["target"]) == ("allocated", None, None)
