"""PostgreSQL row locks between subnet-tree changes and allocation, and failed group commits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from netaddr import IPAddress
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from monitord.errors import ConflictError
from monitord.ipam import transactions
from monitord.ipam.addressing import parse_cidr, sort_key
from monitord.ipam.allocator import Allocator
from monitord.ipam.choice import AddressRequest
from monitord.ipam.subnets import NewSubnet, create_subnet
from monitord.ipam.tables import addresses, ranges, subnets
from monitord.ipam.transactions import now
from monitord.store.engine import StateStore


@pytest.fixture
async def pg_store(postgres_url: str, tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(postgres_url, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


async def _waits_on_a_lock_or_done(engine: AsyncEngine, task: asyncio.Task[object]) -> None:
    """Return once ``task`` finished or some session of this database waits on a row lock (<= 20 s)."""
    deadline = time.monotonic() + 20
    async with engine.connect() as watcher:
        while not task.done() and time.monotonic() < deadline:
            waiting = (
                await watcher.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                )
            ).scalar_one()
            await watcher.rollback()  # a fresh snapshot of pg_stat_activity on the next pass
            if waiting:
                return
            await asyncio.sleep(0.02)
    assert task.done() or time.monotonic() < deadline, "create_subnet neither finished nor waited"


async def test_a_new_child_takes_the_address_allocated_in_its_parent_meanwhile(pg_store: StateStore) -> None:
    engine = pg_store.engine
    parent_id = (await create_subnet(engine, NewSubnet(parse_cidr("10.120.0.0/16")), "t"))["id"]
    value = int(IPAddress("10.120.5.9"))
    async with engine.connect() as allocation:
        # An allocation in the parent in flight: it holds the parent's row lock, as run_batch does.
        await allocation.execute(sa.select(subnets.c.id).where(subnets.c.id == parent_id).with_for_update())
        creating = asyncio.create_task(create_subnet(engine, NewSubnet(parse_cidr("10.120.5.0/24")), "t"))
        await _waits_on_a_lock_or_done(engine, creating)
        stamp = now()
        await allocation.execute(
            addresses.insert().values(
                subnet_id=parent_id,
                address="10.120.5.9",
                sort_key=sort_key(value, 4),
                status="allocated",
                description="allocated while the child was created",
                created_at=stamp,
                updated_at=stamp,
            )
        )
        await allocation.commit()
    child = await asyncio.wait_for(creating, 30)
    async with engine.connect() as conn:
        owner = (
            await conn.execute(sa.select(addresses.c.subnet_id).where(addresses.c.address == "10.120.5.9"))
        ).scalar_one()
    assert owner == child["id"]
    # And next-free in the child steps over it instead of running into the unique constraint.
    got = await Allocator(engine).allocate(child["id"], AddressRequest(), "t")
    assert got.address["address"] == "10.120.5.1"
    with pytest.raises(ConflictError, match="already registered"):
        await Allocator(engine).allocate(child["id"], AddressRequest(address="10.120.5.9"), "t")


async def test_a_new_child_sees_a_range_created_in_its_parent_meanwhile(pg_store: StateStore) -> None:
    engine = pg_store.engine
    parent_id = (await create_subnet(engine, NewSubnet(parse_cidr("10.122.0.0/16")), "t"))["id"]
    async with engine.connect() as writer:
        # create_range in the parent in flight: it holds the parent's row lock until it commits.
        await writer.execute(sa.select(subnets.c.id).where(subnets.c.id == parent_id).with_for_update())
        creating = asyncio.create_task(create_subnet(engine, NewSubnet(parse_cidr("10.122.5.0/24")), "t"))
        await _waits_on_a_lock_or_done(engine, creating)
        await writer.execute(
            ranges.insert().values(
                subnet_id=parent_id,
                name="dhcp",
                kind="dhcp",
                first="10.122.5.10",
                last="10.122.5.20",
                description="",
            )
        )
        await writer.commit()
    with pytest.raises(ConflictError, match="overlaps range 'dhcp'"):
        await asyncio.wait_for(creating, 30)


async def test_a_failed_group_commit_never_allocates_the_request_later(
    pg_store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = pg_store.engine
    sid = (await create_subnet(engine, NewSubnet(parse_cidr("10.121.0.0/24")), "t"))["id"]
    monkeypatch.setattr(transactions, "LOCK_TIMEOUT_MS", 300)
    allocator = Allocator(engine)
    async with engine.connect() as blocker:
        await blocker.execute(sa.select(subnets.c.id).where(subnets.c.id == sid).with_for_update())
        with pytest.raises(DBAPIError):  # lock_timeout: the client gets a 503 for this one
            await allocator.allocate(sid, AddressRequest(hostname="gave-up"), "t")
        await blocker.rollback()
    got = await allocator.allocate(sid, AddressRequest(hostname="later"), "t")
    assert (got.address["address"], got.address["hostname"]) == ("10.121.0.1", "later")
    async with engine.connect() as conn:
        hostnames = (await conn.execute(sa.select(addresses.c.hostname))).scalars().all()
    assert hostnames == ["later"]
