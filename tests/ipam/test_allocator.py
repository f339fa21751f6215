"""The allocator straight on the state store (both back ends): group commit, stale caches, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitord.errors import ConflictError
from monitord.ipam.addressing import parse_cidr
from monitord.ipam.allocator import Allocator
from monitord.ipam.choice import AddressRequest
from monitord.ipam.subnets import NewSubnet, create_subnet
from monitord.ipam.tables import addresses, subnets
from monitord.ipam.transactions import now
from monitord.store.engine import StateStore


@pytest.fixture
async def store(state_url: str, tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(state_url, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


async def _count(store: StateStore) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(addresses))).scalar_one())


async def test_concurrent_requests_share_transactions_and_get_their_own_outcomes(store: StateStore) -> None:
    sid = (await create_subnet(store.engine, NewSubnet(parse_cidr("10.100.0.0/28")), "t"))["id"]
    allocator = Allocator(store.engine)
    wanted = [AddressRequest(hostname=f"h{i}") for i in range(12)] + [
        AddressRequest(address="10.100.0.200"),  # outside: 422 for this one only
        AddressRequest(range="nope"),  # no such range: 422 for this one only
    ]
    outcomes = await asyncio.gather(
        *(allocator.allocate(sid, w, "t") for w in wanted), return_exceptions=True
    )
    granted = [o.address["address"] for o in outcomes if not isinstance(o, BaseException)]
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(granted) == 12 and len(set(granted)) == 12
    assert sorted(str(getattr(e, "field", "")) for e in errors) == ["address", "range"]
    more = await asyncio.gather(
        *(allocator.allocate(sid, AddressRequest(), "t") for _ in range(4)), return_exceptions=True
    )
    assert sum(isinstance(o, ConflictError) for o in more) == 2  # 14 assignable in a /28
    assert await _count(store) == 14


async def test_a_row_written_behind_the_cache_is_never_handed_out_twice(store: StateStore) -> None:
    sid = (await create_subnet(store.engine, NewSubnet(parse_cidr("10.101.0.0/24")), "t"))["id"]
    allocator = Allocator(store.engine)
    first = await allocator.allocate(sid, AddressRequest(), "t")
    assert first.address["address"] == "10.101.0.1"
    # A manual SQL insert that does not bump the generation: the cached index is now wrong.
    async with store.engine.begin() as conn:
        stamp = now()
        await conn.execute(
            addresses.insert().values(
                subnet_id=sid,
                address="10.101.0.2",
                sort_key="4" + f"{0x0A650002:032x}",
                status="allocated",
                description="by hand",
                created_at=stamp,
                updated_at=stamp,
            )
        )
    got = await asyncio.gather(*(allocator.allocate(sid, AddressRequest(), "t") for _ in range(3)))
    assert sorted(g.address["address"] for g in got) == ["10.101.0.3", "10.101.0.4", "10.101.0.5"]
    async with store.engine.connect() as conn:
        generation = (await conn.execute(sa.select(subnets.c.generation).where(subnets.c.id == sid))).scalar()
    assert generation is not None and generation >= 2


async def test_a_cancelled_waiter_gets_no_address(store: StateStore) -> None:
    sid = (await create_subnet(store.engine, NewSubnet(parse_cidr("10.102.0.0/24")), "t"))["id"]
    allocator = Allocator(store.engine)
    tasks = [
        asyncio.create_task(allocator.allocate(sid, AddressRequest(hostname=f"h{i}"), "t")) for i in range(10)
    ]
    await asyncio.sleep(0)  # the first holds the turn (in the database), the rest queue behind it
    tasks[5].cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(outcomes[5], asyncio.CancelledError)
    granted = [o.address["hostname"] for o in outcomes if not isinstance(o, BaseException)]
    assert len(granted) == 9 and "h5" not in granted
    assert await _count(store) == 9
