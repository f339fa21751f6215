"""Odd numbers in paths and query strings, and ``check`` without ICMP: JSON 4xx/503, never a 500."""

from __future__ import annotations

import socket
from typing import cast

import pytest
from aiohttp import web

from monitord.api.ipam_state import guarded
from monitord.errors import RequestError
from monitord.icmp.sockets import use_socket_factory
from tests.ipam.conftest import READ_TOKEN, Api

HUGE = "9" * 25


async def test_non_ascii_digits_and_huge_ids_are_4xx(api: Api) -> None:
    for text in ("²", "١٢", HUGE, "2147483648"):
        status, body = await api.call("GET", f"/subnets/{text}", token=READ_TOKEN)
        assert (status, body["field"]) == (400, "subnet_id"), (text, body)
        status, body = await api.call("POST", f"/subnets/{text}/allocate", {})
        assert (status, body["field"]) == (400, "subnet_id"), (text, body)
    status, body = await api.call("GET", "/subnets/2147483647", token=READ_TOKEN)
    assert (status, body["field"]) == (404, "subnet_id")
    status, body = await api.call(
        "POST", "/import?line_offset=%C2%B2", "", headers={"Content-Type": "text/csv"}
    )
    assert (status, body["field"]) == (400, "line_offset")


async def test_huge_numbers_in_query_strings_are_422(api: Api) -> None:
    for path, field in (
        (f"/addresses?offset={HUGE}", "offset"),
        (f"/addresses?subnet_id={HUGE}", "subnet_id"),
        (f"/audit?before_id={HUGE}", "before_id"),
        (f"/export?subnet_id={HUGE}", "subnet_id"),
        (f"/findings?subnet_id=-{HUGE}", "subnet_id"),
        ("/audit?before_id=2147483648", "before_id"),
    ):
        status, body = await api.call("GET", path, token=READ_TOKEN)
        assert status == 422 and body["field"] == field, (path, body)
    status, body = await api.call("GET", "/addresses?offset=9223372036854775807", token=READ_TOKEN)
    assert (status, body["addresses"]) == (200, [])


async def test_an_overflow_in_a_handler_is_a_422() -> None:
    async def overflowing(request: web.Request) -> web.StreamResponse:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    with pytest.raises(RequestError) as caught:
        await guarded(overflowing)(cast(web.Request, None))
    assert caught.value.status == 422 and "too large" in str(caught.value)


def _no_icmp_privilege(family: int, kind: int, proto: int) -> socket.socket:
    """What an unprivileged process gets for both raw and ping ICMP sockets."""
    raise PermissionError(1, "Operation not permitted")


async def test_check_without_icmp_privilege_is_a_503_naming_the_fix(api: Api) -> None:
    sid = (await api.subnet("10.130.0.0/24"))["id"]
    with use_socket_factory(_no_icmp_privilege):
        status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"check": True})
    assert (status, body["field"]) == (503, "check"), body
    assert "CAP_NET_RAW" in body["error"]
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
    assert (status, body["address"]) == (201, "10.130.0.1")
