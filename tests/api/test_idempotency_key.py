"""Finding 2 of issue 13: one client's undecodable ``Idempotency-Key`` must not fail anyone else.

The security pass sent ``Idempotency-Key: \\xff\\xfe`` beside 30 ordinary
allocations: the bad request answered 500 and so did 14 of the 30, because the
key reached the database inside the batch's shared transaction. Now the edge
refuses the header (400 naming it), the allocator refuses such a key before it
joins a batch, and a request whose own step fails in a batch fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from monitord.errors import RequestError
from monitord.ipam.addressing import parse_cidr
from monitord.ipam.allocator import Allocator
from monitord.ipam.batching import Pending
from monitord.ipam.choice import AddressRequest
from monitord.ipam.subnets import NewSubnet, create_subnet
from monitord.store.engine import StateStore
from tests.api.raw_http import exchange
from tests.daemon_harness import ADMIN_TOKEN, auth, base_config, running_daemon, url

INNOCENT = 30
BAD = 3


async def test_an_undecodable_key_is_a_400_and_fails_no_other_allocation(
    state_url: str, tmp_path: Path
) -> None:
    document = base_config(tmp_path, storage={"state_url": state_url, "embedded": {"enabled": False}})
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        async with session.post(
            url(daemon, "/api/v1/ipam/subnets"), json={"cidr": "10.77.0.0/24"}, headers=auth(ADMIN_TOKEN)
        ) as response:
            assert response.status == 201, await response.text()
            subnet_id = (await response.json())["id"]
        path = f"/api/v1/ipam/subnets/{subnet_id}/allocate"
        body = b"{}"
        bad_request = (
            b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            b"Content-Type: application/json\r\nIdempotency-Key: \xff\xfe%d\r\n"
            b"Content-Length: %d\r\n\r\n%s"
        )

        async def innocent(i: int) -> int:
            async with session.post(
                url(daemon, path),
                json={"hostname": f"host-{i}"},
                headers={**auth(ADMIN_TOKEN), "Idempotency-Key": f"key-{i}"},
            ) as r:
                return r.status

        async def bad(i: int) -> tuple[int, object]:
            answer = await exchange(
                daemon.http_port, bad_request % (path.encode(), ADMIN_TOKEN.encode(), i, len(body), body)
            )
            return answer.status, answer.json()

        bad_tasks = [asyncio.create_task(bad(i)) for i in range(BAD)]
        innocent_tasks = [asyncio.create_task(innocent(i)) for i in range(INNOCENT)]
        bad_results = await asyncio.gather(*bad_tasks)
        innocent_results = await asyncio.gather(*innocent_tasks)
        assert all(
            status == 400
            and answer == {"error": "header Idempotency-Key is not valid UTF-8", "field": "Idempotency-Key"}
            for status, answer in bad_results
        ), bad_results
        assert innocent_results == [201] * INNOCENT, innocent_results


@pytest.fixture
async def store(state_url: str, tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(state_url, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_batch_member_whose_own_step_fails_fails_alone(store: StateStore) -> None:
    """The batch's promise, below the HTTP edge: a key the database cannot take fails only its owner."""
    sid = (await create_subnet(store.engine, NewSubnet(parse_cidr("10.78.0.0/24")), "t"))["id"]
    allocator = Allocator(store.engine)
    undecodable = b"\xff\xfe".decode("utf-8", "surrogateescape")
    # Straight into the queue, as a caller that skipped the allocator's own key check would;
    # every tenth request, so ordinary ones hold the turn for batches that include them.
    bad = {2, 12, 22}
    calls = [
        allocator._submit(Pending(sid, AddressRequest(), "t", f"{undecodable}{i}"))
        if i in bad
        else allocator.allocate(sid, AddressRequest(hostname=f"h{i}"), "t", f"k{i}")
        for i in range(33)
    ]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    poisoned = [o for i, o in enumerate(outcomes) if i in bad]
    ordinary = [o for i, o in enumerate(outcomes) if i not in bad]
    # The driver's own error (UnicodeEncodeError on SQLite, a wrapped DataError on asyncpg).
    assert all(isinstance(o, Exception) and "surrogates not allowed" in str(o) for o in poisoned), poisoned
    granted = [o for o in ordinary if not isinstance(o, BaseException)]
    assert len(granted) == 30, [o for o in ordinary if isinstance(o, BaseException)]
    assert len({g.address["address"] for g in granted}) == 30


async def test_the_allocator_refuses_a_key_it_could_not_store(store: StateStore) -> None:
    sid = (await create_subnet(store.engine, NewSubnet(parse_cidr("10.79.0.0/24")), "t"))["id"]
    allocator = Allocator(store.engine)
    for key in (b"\xff".decode("utf-8", "surrogateescape"), "a\x00b", "tab\there"):
        with pytest.raises(RequestError) as caught:
            await allocator.allocate(sid, AddressRequest(), "t", key)
        assert caught.value.field == "Idempotency-Key" and caught.value.status == 400
