"""NUL, control characters and lax booleans in IPAM bodies are a 422 naming the field (issue 13, 11).

Runs on SQLite and PostgreSQL: PostgreSQL refuses NUL in a text column, which
used to surface as a 500 (or a 503 "state database") instead of a 4xx.
"""

from __future__ import annotations

from tests.ipam.conftest import READ_TOKEN, Api


async def test_control_characters_in_names_and_nul_in_text_are_422(api: Api) -> None:
    for body, field in (
        ({"cidr": "10.140.0.0/24", "name": "core\u0000"}, "name"),
        ({"cidr": "10.140.0.0/24", "name": "core\u001b[31m"}, "name"),
        ({"cidr": "10.140.0.0/24", "site": "hq\n"}, "site"),
        ({"cidr": "10.140.0.0/24", "description": "a\u0000b"}, "description"),
        ({"cidr": "10.140.0.0/24", "labels\u0000": 1}, "labels\\0"),
    ):
        status, answer = await api.call("POST", "/subnets", body)
        assert (status, answer["field"]) == (422, field), (body, answer)
    status, answer = await api.call("GET", "/subnets", token=READ_TOKEN)
    assert (status, answer["subnets"]) == (200, [])
    # A multi-line description keeps its newlines and tabs.
    made = await api.subnet("10.140.0.0/24", name="core", description="first line\n\tsecond line")
    assert made["description"] == "first line\n\tsecond line"
    sid = made["id"]
    status, answer = await api.call("PATCH", f"/subnets/{sid}", {"name": "x\u0085"})
    assert (status, answer["field"]) == (422, "name"), answer
    for body, field in (
        ({"owner": "ops\u0000"}, "owner"),
        ({"description": "\u0000"}, "description"),
        ({"hostname": "pc1", "target": "t\u0007"}, "target"),
    ):
        status, answer = await api.call("POST", f"/subnets/{sid}/allocate", body)
        assert (status, answer["field"]) == (422, field), (body, answer)
    status, answer = await api.call("GET", "/addresses?q=a%00b", token=READ_TOKEN)
    assert (status, answer["field"]) == (422, "q"), answer
    status, answer = await api.call("GET", f"/addresses?subnet_id={sid}", token=READ_TOKEN)
    assert (status, answer["addresses"]) == (200, [])


async def test_booleans_are_strict(api: Api) -> None:
    sid = (await api.subnet("10.141.0.0/24"))["id"]
    for value in ("yes", "true", 1, "1", "on"):
        status, answer = await api.call("POST", f"/subnets/{sid}/allocate", {"check": value})
        assert (status, answer["field"]) == (422, "check"), (value, answer)
    status, answer = await api.call("GET", "/findings?include_resolved=yes", token=READ_TOKEN)
    assert (status, answer["field"]) == (422, "include_resolved"), answer
    status, answer = await api.call("GET", f"/addresses?subnet_id={sid}", token=READ_TOKEN)
    assert (status, answer["addresses"]) == (200, [])
    status, answer = await api.call("POST", f"/subnets/{sid}/allocate", {"check": False})
    assert status == 201, answer
    status, answer = await api.call("GET", "/findings?include_resolved=false", token=READ_TOKEN)
    assert status == 200, answer
