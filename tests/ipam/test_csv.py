"""CSV import and export of the register: dry run, every bad row by line number, all or nothing."""

from __future__ import annotations

from typing import Any

from tests.daemon_harness import auth
from tests.ipam.conftest import ADMIN_TOKEN, READ_TOKEN, Api

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
    async with api.session.post(api.url(f"/import{query}"), data=text.encode(),
                                headers={**auth(ADMIN_TOKEN), "Content-Type": "text/csv"}) as response:
        return response.status, await response.json()


async def _setup(api: Api) -> None:
    await api.subnet("10.90.0.0/24")
    sid = (await api.subnet("10.90.1.0/24"))["id"]
    status, _ = await api.call("POST", f"/subnets/{sid}/ranges",
                               {"name": "pool", "first": "10.90.1.1", "last": "10.90.1.50"})
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
    assert lines[1] == ('10.90.0.10,10.90.0.0/24,allocated,till-1,aa:bb:cc:00:00:10,'
                        '"Till 1, by the door",store-1,,')
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
    assert errors == [(3, "target"), (4, "address"), (5, "address"), (6, "mac"), (6, "hostname"),
                      (7, "status"), (8, "address"), (9, "address")]
    assert plan["errors"][0]["error"] == "no monitoring target named 'ghost-target'"
    assert "10.99.0.1" in plan["errors"][2]["error"] and "also on line 2" in plan["errors"][6]["error"]
    assert "broadcast" in plan["errors"][7]["error"]
    status, body = await _post_csv(api, BAD)
    assert status == 422 and body["field"] == "csv" and len(body["errors"]) == 8
    status, body = await api.call("GET", "/addresses", token=READ_TOKEN)
    assert body["total"] == 0
    status, body = await _post_csv(api, "address,colour\n10.90.0.1,red\n", "?dry_run=true")
    assert body["errors"] == [{"line": 1, "field": "colour", "error":
                               "unknown column 'colour' (known: address, subnet, status, hostname, mac, "
                               "description, owner, target, range)"}]
    status, body = await _post_csv(api, "address\n10.90.0.1\n10.90.0.0\n", "?dry_run=true&line_offset=100")
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(103, "address")]
