"""The register over HTTP on both state back ends: CRUD, strict bodies, links, filters, history,
and the read API the management reports use (``AssetRepo``)."""

from __future__ import annotations

import datetime as dt

import pytest

from monitord.assets.repo import AssetFilter, AssetRepo
from tests.assets.conftest import READ_TOKEN, Api

SWITCH = {
    "tag": "SW-0001",
    "kind": "switch",
    "site": "head-office",
    "vendor": "Cisco",
    "model": "C9200-24P",
    "serial": "FOC2301X0AB",
    "room": "server room",
    "rack": "R1 U20",
    "owner": "IT",
    "purchase_date": "2023-04-01",
    "warranty_end": "2027-03-31",
    "target": "core-switch",
}
TILL = {
    "tag": "TILL-0001",
    "kind": "pos-till",
    "site": "store-1",
    "status": "spare",
    "pos_terminal": "store-1/t1",
    "warranty_end": "2026-12-20",
}


async def test_create_read_update_delete_with_history(api: Api) -> None:
    await api.address("10.77.0.10")
    status, created = await api.call("POST", "/assets", {**SWITCH, "addresses": ["10.77.0.10"]})
    assert status == 201, created
    assert (created["tag"], created["status"], created["addresses"]) == ("SW-0001", "in-use", ["10.77.0.10"])
    assert (created["facts"], created["discovery"]) == ({}, None)

    status, body = await api.call("GET", "/assets/SW-0001", token=READ_TOKEN)
    assert status == 200 and body["warranty_end"] == "2027-03-31" and body["target"] == "core-switch"

    status, body = await api.call(
        "PATCH", "/assets/SW-0001", {"status": "in-repair", "serial": "FOC2301X0AC", "room": None}
    )
    assert status == 200, body
    assert {c["text"] for c in body["changes"]} == {
        "serial: FOC2301X0AB -> FOC2301X0AC",
        "room: server room -> (empty)",
        "status: in-use -> in-repair",
    }
    assert body["room"] is None and body["status"] == "in-repair"

    status, history = await api.call("GET", "/assets/SW-0001/history", token=READ_TOKEN)
    assert status == 200
    assert [(e["action"], e["actor"]) for e in history["entries"]] == [
        ("update", "admin"),
        ("create", "admin"),
    ]
    assert history["entries"][0]["before"]["serial"] == "FOC2301X0AB"
    assert history["entries"][0]["after"]["serial"] == "FOC2301X0AC"
    assert "kind: (empty) -> switch" in [c["text"] for c in history["entries"][1]["changes"]]
    # The one audit log: IPAM's, where asset entries are of type "asset".
    status, audit = await api.call("GET", "/ipam/audit?object=SW-0001", token=READ_TOKEN)
    assert [e["object_type"] for e in audit["entries"]] == ["asset", "asset"]

    status, body = await api.call("DELETE", "/assets/SW-0001")
    assert status == 200 and body["deleted"]["tag"] == "SW-0001"
    status, body = await api.call("GET", "/assets/SW-0001", token=READ_TOKEN)
    assert (status, body["field"]) == (404, "tag")
    status, history = await api.call("GET", "/assets/SW-0001/history", token=READ_TOKEN)
    assert [e["action"] for e in history["entries"]] == ["delete", "update", "create"]
    # The address is free again for another asset.
    status, body = await api.call(
        "POST",
        "/assets",
        {**TILL, "tag": "PC-0001", "kind": "pc", "pos_terminal": None, "addresses": ["10.77.0.10"]},
    )
    assert status == 201, body


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({**SWITCH, "kind": "toaster"}, 422, "kind", "Input should be 'server'"),
        (
            {**SWITCH, "site": "moon-base"},
            422,
            "site",
            "no site named 'moon-base' (known: head-office, store-1)",
        ),
        ({**SWITCH, "target": "ghost"}, 422, "target", "no monitoring target named 'ghost'"),
        (
            {**SWITCH, "pos_terminal": "store-1/t9"},
            422,
            "pos_terminal",
            "no POS terminal 'store-1/t9' (write store/terminal as in pos.stores)",
        ),
        (
            {**SWITCH, "addresses": ["10.77.0.99"]},
            422,
            "addresses",
            "10.77.0.99 is not registered in IPAM (allocate it there first)",
        ),
        ({**SWITCH, "addresses": ["10.77.0.999"]}, 422, "addresses", "is not a valid IP address"),
        ({**SWITCH, "tag": "bad tag"}, 422, "tag", "String should match pattern"),
        ({**SWITCH, "tag": "export"}, 422, "tag", "'export' is reserved"),
        ({**SWITCH, "warranty_end": "31.03.2027"}, 422, "warranty_end", "Input should be a valid date"),
        ({**SWITCH, "colour": "blue"}, 422, "colour", "unknown key"),
        ({**SWITCH, "notes": "a\x07b"}, 422, "notes", "must not contain U+0007"),
        ({k: v for k, v in SWITCH.items() if k != "site"}, 422, "site", "Field required"),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(
    api: Api, body: dict[str, object], status: int, field: str, message: str
) -> None:
    got, answer = await api.call("POST", "/assets", body)
    assert (got, answer["field"]) == (status, field), answer
    assert message in answer["error"], answer


async def test_duplicates_roles_and_link_conflicts(api: Api) -> None:
    await api.address("10.77.0.11")
    assert (await api.call("POST", "/assets", {**SWITCH, "addresses": ["10.77.0.11"]}))[0] == 201
    status, body = await api.call("POST", "/assets", SWITCH)
    assert (status, body["field"]) == (409, "tag")
    status, body = await api.call("POST", "/assets", {**TILL, "addresses": ["10.77.0.11"]})
    assert (status, body["field"], body["error"]) == (
        422,
        "addresses",
        "10.77.0.11 is already linked to asset SW-0001",
    )
    status, body = await api.call("POST", "/assets", TILL, token=READ_TOKEN)
    assert status == 403
    status, body = await api.call("PATCH", "/assets/SW-0001", {"site": None})
    assert (status, body["field"], body["error"]) == (422, "site", "site cannot be cleared")
    status, body = await api.call("PATCH", "/assets/NOPE", {"notes": "x"})
    assert (status, body["field"]) == (404, "tag")


async def test_filters_and_the_read_api_for_reports(api: Api) -> None:
    for body in (
        SWITCH,
        TILL,
        {
            "tag": "UPS-0001",
            "kind": "ups",
            "site": "head-office",
            "warranty_end": "2026-12-01",
            "vendor": "APC",
        },
        {
            "tag": "PC-0009",
            "kind": "pc",
            "site": "store-1",
            "status": "retired",
            "warranty_end": "2026-01-01",
        },
    ):
        status, created = await api.call("POST", "/assets", body)
        assert status == 201, created

    async def tags(query: str) -> list[str]:
        status, body = await api.call("GET", f"/assets?{query}", token=READ_TOKEN)
        assert status == 200, body
        return [a["tag"] for a in body["assets"]]

    assert await tags("site=store-1") == ["PC-0009", "TILL-0001"]
    assert await tags("kind=ups") == ["UPS-0001"]
    assert await tags("status=spare") == ["TILL-0001"]
    assert await tags("warranty_before=2027-01-01") == ["PC-0009", "TILL-0001", "UPS-0001"]
    assert await tags("q=apc") == ["UPS-0001"]
    assert await tags("q=core") == ["SW-0001"]  # the target's name
    assert await tags("q=100%25") == []  # a LIKE wildcard is searched for literally
    status, body = await api.call("GET", "/assets?status=broken", token=READ_TOKEN)
    assert (status, body["field"]) == (422, "status")
    status, body = await api.call("GET", "/assets?warranty_before=soon", token=READ_TOKEN)
    assert (status, body["field"]) == (422, "warranty_before")

    assert api.daemon.runtime is not None
    repo = AssetRepo(api.daemon.runtime.state.engine)
    assert await repo.counts_by_status() == {"in-use": 2, "spare": 1, "in-repair": 0, "retired": 1}
    assert await repo.counts_by_status(site="store-1") == {
        "in-use": 0,
        "spare": 1,
        "in-repair": 0,
        "retired": 1,
    }
    ending = await repo.warranties_ending(dt.date(2027, 1, 1))
    assert [a["tag"] for a in ending] == ["UPS-0001", "TILL-0001"]  # soonest first, retired left out
    assert [
        a["tag"] for a in await repo.warranties_ending(dt.date(2027, 1, 1), after=dt.date(2026, 12, 5))
    ] == ["TILL-0001"]
    page, total = await repo.list(AssetFilter(site="head-office", limit=1))
    assert ([a["tag"] for a in page], total) == (["SW-0001"], 2)
