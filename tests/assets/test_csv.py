"""CSV import and export by the IPAM importer's rules: a dry run plans, every bad row is reported
with its line number and an exact message, nothing is written unless every row is good, and an
absent column never erases a field."""

from __future__ import annotations

import pytest

from tests.assets.conftest import READ_TOKEN, Api

GOOD = """tag,kind,site,vendor,model,serial,warranty_end,target,addresses,notes
SW-0001,switch,head-office,Cisco,C9200-24P,FOC2301X0AB,2027-03-31,core-switch,10.77.0.10,"core, rack 1"
TILL-0001,pos-till,store-1,Toshiba,TCx800,41A0001,,till-1,,
"""


async def test_dry_run_import_absent_columns_and_export_round_trip(api: Api) -> None:
    await api.address("10.77.0.10")
    status, plan = await api.csv(GOOD, "?dry_run=true")
    assert status == 200, plan
    assert (plan["dry_run"], plan["rows"], plan["create"], plan["update"], plan["errors"]) == (
        True,
        2,
        2,
        0,
        [],
    )
    status, listed = await api.call("GET", "/assets", token=READ_TOKEN)
    assert listed["total"] == 0  # a dry run writes nothing

    status, done = await api.csv(GOOD)
    assert (status, done["create"]) == (200, 2), done
    status, again = await api.csv(GOOD)
    assert (again["create"], again["update"], again["unchanged"]) == (0, 0, 2)

    # Only tag and status: every other field stays as it is.
    status, plan = await api.csv("tag,status\nSW-0001,in-repair\n", "?dry_run=true")
    assert [c["text"] for c in plan["changes"]] == ["status: in-use -> in-repair"]
    assert plan["changes"][0]["line"] == 2 and plan["changes"][0]["tag"] == "SW-0001"
    # A short row does not reach the serial column: the serial stays too.
    status, done = await api.csv("tag,status,serial\nSW-0001,in-repair\n")
    assert (status, done["update"]) == (200, 1), done
    status, asset = await api.call("GET", "/assets/SW-0001", token=READ_TOKEN)
    assert (asset["status"], asset["serial"], asset["vendor"], asset["addresses"]) == (
        "in-repair",
        "FOC2301X0AB",
        "Cisco",
        ["10.77.0.10"],
    )
    # An explicit empty cell clears; an empty kind, site or status keeps the value.
    status, done = await api.csv("tag,kind,site,serial,addresses\nSW-0001,,,,\n")
    assert [c["text"] for c in done["changes"]] == [
        "serial: FOC2301X0AB -> (empty)",
        "addresses: 10.77.0.10 -> (empty)",
    ]
    status, history = await api.call("GET", "/assets/SW-0001/history", token=READ_TOKEN)
    assert [e["action"] for e in history["entries"]] == ["import", "import", "import"]

    status, text = await api.call("GET", "/assets/export", token=READ_TOKEN)
    assert status == 200
    lines = text.splitlines()
    assert lines[0] == (
        "tag,kind,vendor,model,serial,firmware,site,room,rack,owner,purchase_date,warranty_end,"
        "status,notes,target,addresses,pos_terminal"
    )
    assert (
        lines[1] == "SW-0001,switch,Cisco,C9200-24P,,,head-office,,,,,2027-03-31,in-repair,"
        '"core, rack 1",core-switch,,'
    )
    # The export imports back unchanged.
    status, plan = await api.csv(text, "?dry_run=true")
    assert (plan["unchanged"], plan["errors"]) == (2, [])


# (the file, the errors it must give: (line, field, message)); nothing of it is written.
BAD_FILES = [
    ("", [(1, None, "the file is empty (expected a header line)")]),
    ("kind,site\nswitch,head-office\n", [(1, "tag", "the header has no 'tag' column")]),
    (
        "tag,colour\nX-1,blue\n",
        [
            (
                1,
                "colour",
                "unknown column 'colour' (known: tag, kind, vendor, model, serial, firmware, site, room, "
                "rack, owner, purchase_date, warranty_end, status, notes, target, addresses, pos_terminal)",
            )
        ],
    ),
    (
        "tag,kind,site\nX-1,switch,head-office,extra\n",
        [(2, None, "4 values but 3 columns")],
    ),
    (
        "tag,kind,site\nbad tag,switch,head-office\n",
        [
            (
                2,
                "tag",
                "'bad tag': an asset tag is 1-64 letters, digits or . _ -, starting with a letter or digit",
            )
        ],
    ),
    ("tag,kind\nX-1,switch\n", [(2, "site", "a new asset needs site")]),
    (
        "tag,kind,site\nX-1,toaster,head-office\n",
        [
            (
                2,
                "kind",
                "Input should be 'server', 'switch', 'router', 'firewall', 'access-point', 'pos-till', "
                "'receipt-printer', 'pc', 'laptop', 'ups', 'printer' or 'other'",
            )
        ],
    ),
    (
        "tag,kind,site\nX-1,switch,moon-base\n",
        [(2, "site", "no site named 'moon-base' (known: head-office, store-1)")],
    ),
    (
        "tag,kind,site,warranty_end\nX-1,switch,head-office,31.03.2027\n",
        [(2, "warranty_end", "Input should be a valid date or datetime, invalid character in year")],
    ),
    (
        "tag,kind,site,target\nX-1,switch,head-office,ghost\n",
        [(2, "target", "no monitoring target named 'ghost'")],
    ),
    (
        "tag,kind,site,addresses\nX-1,switch,head-office,10.77.0.99\n",
        [(2, "addresses", "10.77.0.99 is not registered in IPAM (allocate it there first)")],
    ),
    (
        "tag,kind,site,addresses\nX-1,switch,head-office,10.77.0.10\nX-2,switch,head-office,10.77.0.10\n",
        [(3, "addresses", "10.77.0.10 is also linked on line 2")],
    ),
    (
        "tag,kind,site\nX-1,switch,head-office\nX-1,ups,head-office\n",
        [(3, "tag", "X-1 is also on line 2")],
    ),
    (
        "tag,kind,site,status\nX-1,switch,head-office,broken\n",
        [(2, "status", "Input should be 'in-use', 'spare', 'in-repair' or 'retired'")],
    ),
]


@pytest.mark.parametrize(("text", "errors"), BAD_FILES, ids=[f"bad-{i}" for i in range(len(BAD_FILES))])
async def test_bad_files_give_line_numbered_errors_and_write_nothing(
    api: Api, text: str, errors: list[tuple[int, str | None, str]]
) -> None:
    await api.address("10.77.0.10")
    for query in ("?dry_run=true", ""):
        status, report = await api.csv(text, query)
        got = [(e["line"], e["field"], e["error"]) for e in report["errors"]]
        assert got == errors, report
        if query:
            assert status == 200
        else:
            assert (status, report["field"], report["error"]) == (
                422,
                "csv",
                f"{len(errors)} bad rows; nothing was imported",
            )
    status, listed = await api.call("GET", "/assets", token=READ_TOKEN)
    assert listed["total"] == 0


async def test_one_bad_row_keeps_the_good_ones_out_too(api: Api) -> None:
    text = "tag,kind,site\nOK-1,switch,head-office\nBAD-1,switch,nowhere\n"
    status, report = await api.csv(text)
    assert status == 422 and [e["line"] for e in report["errors"]] == [3]
    status, listed = await api.call("GET", "/assets", token=READ_TOKEN)
    assert listed["total"] == 0
