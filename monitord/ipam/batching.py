"""Allocating for a whole queue of requests in one transaction (group commit).

The batch holds the same database locks as a single allocation and inserts
every granted address in one statement; a unique-constraint violation (another
process got there first, e.g. with a stale index) makes each request of the
batch retry on its own, so one bad request never fails the others. Likewise a
request whose own step fails unexpectedly (its idempotency look-up, its choice)
gets that error alone: the transaction is rolled back and the others retry on
their own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.errors import RequestError
from monitord.ipam import audit
from monitord.ipam.choice import AddressRequest, Allocation, SubnetState, address_values, choose
from monitord.ipam.records import address_audit, address_json
from monitord.ipam.tables import addresses, idempotency
from monitord.ipam.transactions import bump_generation, lock_subnet, now, write_transaction


class _Isolate(Exception):
    """One request's own step failed: roll the batch back and run the others alone."""


@dataclass(eq=False)
class Pending:
    """One queued allocation and the future its caller waits on."""

    subnet_id: int
    request: AddressRequest
    actor: str
    key: str | None
    future: asyncio.Future[Allocation] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class BatchAllocator(Protocol):
    """What a batch needs from the allocator (``allocator.Allocator``), named here so the
    allocator can import this module without this module importing it back."""

    engine: AsyncEngine

    async def state(self, conn: AsyncConnection, row: sa.Row[Any]) -> SubnetState: ...

    def forget(self, subnet_id: int) -> None: ...

    async def allocate_alone(
        self, subnet_id: int, request: AddressRequest, actor: str, idempotency_key: str | None = None
    ) -> Allocation: ...

    def requeue(self, subnet_id: int, items: list[Pending]) -> None: ...

    async def replay(
        self, conn: AsyncConnection, subnet_id: int, actor: str, key: str
    ) -> dict[str, Any] | None: ...


async def run_batch(allocator: BatchAllocator, subnet_id: int, batch: list[Pending]) -> None:
    """Settle every future of ``batch``; on cancellation the unsettled ones are queued again."""
    try:
        granted: list[tuple[Pending, dict[str, Any]]] = []
        outcomes: dict[Pending, Allocation | BaseException] = {}
        failed: dict[Pending, BaseException] = {}
        try:
            async with write_transaction(allocator.engine, subnet_id=subnet_id) as conn:
                row = await lock_subnet(conn, subnet_id)
                state = await allocator.state(conn, row)
                stamp = now()
                keys: dict[tuple[str, str], dict[str, Any]] = {}
                for item in batch:
                    if item.future.done():
                        continue  # its caller was cancelled while it waited
                    try:
                        if item.key is not None:
                            earlier = keys.get((item.actor, item.key)) or await allocator.replay(
                                conn, subnet_id, item.actor, item.key
                            )
                            if earlier is not None:
                                outcomes[item] = Allocation(earlier, created=False)
                                continue
                        value = choose(state, item.request)
                    except RequestError as exc:
                        outcomes[item] = exc
                        continue
                    except Exception as exc:
                        # Whatever broke belongs to this request; the transaction may be unusable.
                        failed[item] = exc
                        raise _Isolate from exc
                    state.index.take(value)
                    values = address_values(state, item.request, value, stamp)
                    granted.append((item, values))
                    if item.key is not None:
                        keys[(item.actor, item.key)] = address_json(values, str(state.network))
                if granted:
                    await conn.execute(addresses.insert(), [v for _, v in granted])
                    with_keys = [
                        {
                            "actor": i.actor,
                            "key": i.key,
                            "subnet_id": subnet_id,
                            "address": v["address"],
                            "created_at": stamp,
                        }
                        for i, v in granted
                        if i.key is not None
                    ]
                    if with_keys:
                        await conn.execute(idempotency.insert(), with_keys)
                    await bump_generation(conn, subnet_id)
                    await audit.record(
                        conn,
                        [
                            audit.entry(
                                i.actor, "allocate", "address", v["address"], (None, address_audit(v))
                            )
                            for i, v in granted
                        ],
                    )
                    state.generation += 1
            for item, values in granted:
                outcomes[item] = Allocation(address_json(values, str(state.network)), created=True)
        except (IntegrityError, _Isolate):
            allocator.forget(subnet_id)
            outcomes = {}
            for item, error in failed.items():
                item.future.set_exception(error)  # settled now, whatever happens to the others
            for item in batch:
                if item.future.done():
                    continue
                try:
                    outcomes[item] = await allocator.allocate_alone(
                        subnet_id, item.request, item.actor, item.key
                    )
                except Exception as exc:  # each request alone now: its error is its own
                    outcomes[item] = exc
        except RequestError as exc:  # the subnet itself is gone: every request gets the 404
            allocator.forget(subnet_id)
            outcomes = dict.fromkeys(batch, exc)
        except BaseException:
            allocator.forget(subnet_id)
            raise
    except BaseException:
        # Cancelled or failed before settling: let the next turn take the others.
        unsettled = [i for i in batch if not i.future.done()]
        allocator.requeue(subnet_id, unsettled)
        raise
    for item in batch:
        outcome = outcomes.get(item)
        if outcome is None or item.future.done():
            continue
        if isinstance(outcome, BaseException):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(outcome)
