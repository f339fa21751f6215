"""GET /subnets/{id}/available jumps over dhcp and reserved ranges instead of walking them."""

from __future__ import annotations

from tests.ipam.conftest import READ_TOKEN, Api


async def test_available_skips_huge_avoided_ranges_in_one_step(api: Api) -> None:
    v4 = (await api.subnet("10.0.0.0/8"))["id"]
    status, body = await api.call(
        "POST",
        f"/subnets/{v4}/ranges",  # 2,097,152 addresses
        {"name": "dhcp", "kind": "dhcp", "first": "10.0.0.10", "last": "10.32.0.9"},
    )
    assert status == 201, body
    status, body = await api.call("GET", f"/subnets/{v4}/available?count=12", token=READ_TOKEN)
    assert status == 200, body
    assert body["available"] == [f"10.0.0.{i}" for i in range(1, 10)] + [
        "10.32.0.10",
        "10.32.0.11",
        "10.32.0.12",
    ]
    v6 = (await api.subnet("fd00:77::/64"))["id"]
    for name, kind, first, last in (
        ("dhcp", "dhcp", "fd00:77::3", "fd00:77::ffff:ffff:fff0"),
        ("infra", "reserved", "fd00:77::ffff:ffff:fff2", "fd00:77::ffff:ffff:fff3"),
    ):
        status, body = await api.call(
            "POST", f"/subnets/{v6}/ranges", {"name": name, "kind": kind, "first": first, "last": last}
        )
        assert status == 201, body
    status, body = await api.call("GET", f"/subnets/{v6}/available?count=5", token=READ_TOKEN)
    assert status == 200, body
    assert body["available"] == [
        "fd00:77::1",
        "fd00:77::2",
        "fd00:77::ffff:ffff:fff1",
        "fd00:77::ffff:ffff:fff4",
        "fd00:77::ffff:ffff:fff5",
    ]
    # Allocation agrees with the preview.
    status, body = await api.call("POST", f"/subnets/{v6}/allocate", {})
    assert (status, body["address"]) == (201, "fd00:77::1")
