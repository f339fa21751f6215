"""The IPAM HTTP API against a real daemon, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.daemon_harness import running_daemon
from tests.ipam.conftest import ADMIN_TOKEN, READ_TOKEN, Api, ipam_document


async def test_subnet_allocate_release_and_utilisation(api: Api) -> None:
    subnet = await api.subnet("10.20.0.0/29", name="pos-store-1", site="store-0001", vlan=20)
    sid = subnet["id"]
    status, first = await api.call(
        "POST", f"/subnets/{sid}/allocate", {"hostname": "till-1", "mac": "AA-BB-CC-00-00-01"}
    )
    assert status == 201, first
    assert first["address"] == "10.20.0.1"  # .0 is the network address
    assert first["mac"] == "aa:bb:cc:00:00:01"
    assert first["subnet"] == "10.20.0.0/29"
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"address": "10.20.0.5"})
    assert status == 201 and body["address"] == "10.20.0.5"
    status, body = await api.call("GET", f"/subnets/{sid}/available?count=10", token=READ_TOKEN)
    assert status == 200
    assert body["available"] == ["10.20.0.2", "10.20.0.3", "10.20.0.4", "10.20.0.6"]  # .7 is broadcast
    status, body = await api.call("GET", f"/subnets/{sid}", token=READ_TOKEN)
    assert body["utilisation"] == {
        "addresses": 2,
        "child_space": 0,
        "used": 2,
        "total": 6,
        "free": 4,
        "percent": 33.33,
    }
    status, body = await api.call("DELETE", "/addresses/10.20.0.1")
    assert status == 200 and body["released"]["hostname"] == "till-1"
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
    assert body["address"] == "10.20.0.1"


async def test_exhausted_pool_is_409_and_range_allocation(api: Api) -> None:
    sid = (await api.subnet("10.30.0.0/28"))["id"]
    status, body = await api.call(
        "POST",
        f"/subnets/{sid}/ranges",
        {"name": "dhcp", "kind": "dhcp", "first": "10.30.0.1", "last": "10.30.0.9"},
    )
    assert status == 201, body
    status, body = await api.call(
        "POST",
        f"/subnets/{sid}/ranges",
        {"name": "printers", "kind": "pool", "first": "10.30.0.12", "last": "10.30.0.13"},
    )
    assert status == 201, body
    got = []
    for _ in range(2):
        status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"range": "printers"})
        assert status == 201
        got.append(body["address"])
    assert got == ["10.30.0.12", "10.30.0.13"]
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"range": "printers"})
    assert status == 409 and body["field"] == "range" and "no free address" in body["error"]
    # Outside a named range, next-free skips the DHCP pool: .10, .11, .14 are left.
    for expected in ("10.30.0.10", "10.30.0.11", "10.30.0.14"):
        status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
        assert (status, body["address"]) == (201, expected)
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
    assert status == 409 and body["field"] == "subnet_id"
    assert body["error"] == "subnet 10.30.0.0/28 has no free address"
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"address": "10.30.0.2"})
    assert status == 201  # inside the DHCP pool, but asked for by name
    status, body = await api.call("GET", f"/addresses?subnet_id={sid}", token=READ_TOKEN)
    assert [a["address"] for a in body["addresses"]] == [  # numeric order, not text order
        "10.30.0.2",
        "10.30.0.10",
        "10.30.0.11",
        "10.30.0.12",
        "10.30.0.13",
        "10.30.0.14",
    ]


async def test_idempotency_key_returns_the_same_address(api: Api) -> None:
    sid = (await api.subnet("10.40.0.0/24"))["id"]
    headers = {"Idempotency-Key": "ticket-4711"}
    status, first = await api.call("POST", f"/subnets/{sid}/allocate", {"hostname": "pos-7"}, headers=headers)
    assert status == 201
    status, again = await api.call("POST", f"/subnets/{sid}/allocate", {"hostname": "pos-7"}, headers=headers)
    assert status == 200 and again["address"] == first["address"]
    status, other = await api.call("POST", f"/subnets/{sid}/allocate", {}, headers={"Idempotency-Key": "x"})
    assert status == 201 and other["address"] != first["address"]
    status, body = await api.call("GET", f"/addresses?subnet_id={sid}", token=READ_TOKEN)
    assert body["total"] == 2
    async with api.session.get(api.url("").replace("/api/v1/ipam", "/metrics")) as response:
        exposition = await response.text()
    assert 'monitord_ipam_allocations_total{outcome="created"} 2.0' in exposition
    assert 'monitord_ipam_allocations_total{outcome="replayed"} 1.0' in exposition


async def test_errors_are_json_and_name_the_field(api: Api) -> None:
    cases = [
        ("POST", "/subnets", {"cidr": "10.0.0.1/24"}, 422, "cidr", "host bits set"),
        ("POST", "/subnets", {"cidr": "10.0.0.0/33"}, 422, "cidr", "not a valid CIDR"),
        ("POST", "/subnets", {"cidr": "banana"}, 422, "cidr", "not a CIDR"),
        ("POST", "/subnets", {"cidr": "10.0.0.0/24", "vlan": 5000}, 422, "vlan", "4094"),
        ("POST", "/subnets", {"cidr": "10.0.0.0/24", "colour": "red"}, 422, "colour", ""),
    ]
    for method, path, body, status, field, text in cases:
        got_status, got = await api.call(method, path, body)
        assert (got_status, got.get("field")) == (status, field), (body, got)
        assert text in got["error"]
    sid = (await api.subnet("10.50.0.0/24"))["id"]
    status, body = await api.call("POST", "/subnets", {"cidr": "10.50.0.0/24"})
    assert (status, body["field"]) == (409, "cidr") and "already exists" in body["error"]
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"address": "10.51.0.1"})
    assert (status, body["field"]) == (422, "address")
    assert body["error"] == "10.51.0.1 is outside subnet 10.50.0.0/24"
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"address": "10.50.0.255"})
    assert (status, body["field"]) == (422, "address") and "broadcast" in body["error"]
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"mac": "not-a-mac"})
    assert (status, body["field"]) == (422, "mac")
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"target": "no-such-target"})
    assert (status, body["field"]) == (422, "target")
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"address": "10.50.0.7"})
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"address": "10.50.0.7"})
    assert (status, body["field"]) == (409, "address")
    status, body = await api.call("POST", "/subnets/999/allocate", {})
    assert (status, body["field"]) == (404, "subnet_id")
    status, body = await api.call("POST", "/subnets/abc/allocate", {})
    assert (status, body["field"]) == (400, "subnet_id")
    status, body = await api.call("DELETE", "/addresses/10.50.0.8")
    assert (status, body["field"]) == (404, "address")
    status, body = await api.call("DELETE", f"/subnets/{sid}")
    assert (status, body["field"]) == (409, "subnet_id") and "still has 1 addresses" in body["error"]
    status, body = await api.call(
        "POST", f"/subnets/{sid}/ranges", {"name": "r", "first": "10.50.0.20", "last": "10.50.0.10"}
    )
    assert (status, body["field"]) == (422, "last")


async def test_tokens_roles_and_audit_log(api: Api) -> None:
    status, body = await api.call("POST", "/subnets", {"cidr": "10.60.0.0/24"}, token=None)
    assert status == 401
    status, body = await api.call("POST", "/subnets", {"cidr": "10.60.0.0/24"}, token=READ_TOKEN)
    assert status == 403 and "admin" in body["error"]
    sid = (await api.subnet("10.60.0.0/24"))["id"]
    await api.call("POST", f"/subnets/{sid}/allocate", {"hostname": "scale-1"})
    await api.call("PATCH", "/addresses/10.60.0.1", {"hostname": "scale-2", "owner": "store 1"})
    await api.call("DELETE", "/addresses/10.60.0.1")
    status, body = await api.call("GET", "/audit?object=10.60.0.1", token=READ_TOKEN)
    assert status == 200
    actions = [(e["action"], e["actor"]) for e in body["entries"]]
    assert actions == [("release", "admin"), ("update", "admin"), ("allocate", "admin")]
    update = body["entries"][1]
    assert update["before"]["hostname"] == "scale-1" and update["after"]["hostname"] == "scale-2"
    assert update["after"]["owner"] == "store 1"
    status, text = await api.call("GET", "/audit", token=READ_TOKEN)
    assert ADMIN_TOKEN not in str(text) and READ_TOKEN not in str(text)


async def test_find_filters_and_free_blocks(api: Api) -> None:
    parent = await api.subnet("10.70.0.0/22")
    child = await api.subnet("10.70.1.0/24")
    assert child["parent_id"] == parent["id"]
    await api.call(
        "POST", f"/subnets/{child['id']}/allocate", {"hostname": "Till-9", "mac": "00:11:22:33:44:55"}
    )
    for query in ("q=till-9", "hostname=TILL-9", "mac=0011.2233.4455", "q=10.70.1.1"):
        status, body = await api.call("GET", f"/addresses?{query}", token=READ_TOKEN)
        assert status == 200 and [a["address"] for a in body["addresses"]] == ["10.70.1.1"], query
    status, body = await api.call("GET", "/addresses/10.70.1.1", token=READ_TOKEN)
    assert body["hostname"] == "Till-9" and body["subnet"] == "10.70.1.0/24"
    status, body = await api.call(
        "GET", f"/subnets/{parent['id']}/free-blocks?prefixlen=24", token=READ_TOKEN
    )
    assert body["blocks"] == ["10.70.0.0/24", "10.70.2.0/24", "10.70.3.0/24"]
    status, body = await api.call("GET", f"/subnets/{parent['id']}/free-blocks?prefixlen=8", token=READ_TOKEN)
    assert (status, body["field"]) == (422, "prefixlen")
    # Allocation in the parent never lands in the child.
    status, body = await api.call("POST", f"/subnets/{parent['id']}/allocate", {"address": "10.70.1.9"})
    assert (status, body["field"]) == (422, "address") and "child subnet 10.70.1.0/24" in body["error"]


async def test_subnet_update_is_audited(api: Api) -> None:
    sid = (await api.subnet("10.75.0.0/24", name="old", vlan=10))["id"]
    status, body = await api.call("PATCH", f"/subnets/{sid}", {"name": "POS store 2", "vlan": None})
    assert status == 200
    assert (body["name"], body["vlan"], body["cidr"]) == ("POS store 2", None, "10.75.0.0/24")
    status, body = await api.call("PATCH", f"/subnets/{sid}", {"cidr": "10.76.0.0/24"})
    assert (status, body["field"]) == (422, "cidr")  # the CIDR never changes
    status, body = await api.call("GET", "/audit?object=10.75.0.0/24", token=READ_TOKEN)
    update = body["entries"][0]
    assert (update["action"], update["before"]["name"], update["after"]["name"]) == (
        "update",
        "old",
        "POS store 2",
    )


async def test_ipv6_subnet_router_anycast_is_never_handed_out(api: Api) -> None:
    sid = (await api.subnet("2001:db8:77::/126"))["id"]
    got = []
    for _ in range(3):
        status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
        assert status == 201
        got.append(body["address"])
    assert got == ["2001:db8:77::1", "2001:db8:77::2", "2001:db8:77::3"]
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
    assert status == 409


async def test_site_and_target_must_be_configured_ones(tmp_path: Path) -> None:
    document = ipam_document(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        sites={"store-0001": {"description": "Store 1"}},
        targets=[{"name": "store-0001-till-1", "address": "127.0.0.12", "site": "store-0001"}],
    )
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        api = Api(daemon, session)
        status, body = await api.call("POST", "/subnets", {"cidr": "10.77.0.0/24", "site": "store-9"})
        assert (status, body["field"]) == (422, "site")
        assert body["error"] == "no site named 'store-9' (configured: store-0001)"
        sid = (await api.subnet("10.77.0.0/24", site="store-0001"))["id"]
        status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"target": "store-0001-till-1"})
        assert status == 201 and body["target"] == "store-0001-till-1"
