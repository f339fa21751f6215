"""Handing out addresses: next free (optionally in a range), a specific one, release, update.

Each change runs in a write transaction that locks the subnet in the database
(see ``transactions``); the global unique constraint on the address is the last
word. The free index per subnet is a cache keyed by the subnet's generation, so
next-free costs a binary search, not a scan of the subnet's rows; a generation
bumped by another process makes this one rebuild before choosing.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.ipam import audit
from monitord.ipam.addressing import canonical
from monitord.ipam.batching import Pending, run_batch
from monitord.ipam.choice import AddressRequest, Allocation, SubnetState, address_values, choose, load_state
from monitord.ipam.pinger import Pinger
from monitord.ipam.records import address_audit, address_json
from monitord.ipam.tables import addresses, idempotency, subnets
from monitord.ipam.transactions import bump_generation, lock_subnet, now, write_transaction

CHECK_BATCH = 4
CHECK_ROUNDS = 16
CHECK_SHOWN = 20  # addresses listed in a CandidatesAnswered answer


class CandidatesAnswered(ConflictError):
    """``check: true`` found free addresses, but every one it pinged answered: they are in use
    without being registered. A different 409 from "no free address" (which means the register
    is full): here the register is wrong, and reconciliation findings say where."""

    code = "candidates_answered"

    def __init__(self, message: str, field: str, answered: list[str]) -> None:
        super().__init__(message, field=field)
        self.answered = answered

    def json(self) -> dict[str, object]:
        return {
            "error": str(self),
            "field": self.field,
            "code": self.code,
            "answered": len(self.answered),
            "addresses": self.answered[:CHECK_SHOWN],
        }


class _Stale(Exception):
    """The cached index disagreed with the table; rebuild and choose again."""


class _Unchecked(Exception):
    """The candidate changed since it was pinged; ping the new one first."""


def check_key(key: str) -> None:
    """An Idempotency-Key is stored as text: printable and valid UTF-8, else a 400 naming it.

    Checked before the request joins a batch, so the database never sees a key it
    cannot store (that would fail the whole batch's transaction).
    """
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestError("Idempotency-Key is not valid UTF-8", field="Idempotency-Key") from None
    if not key.isprintable():
        raise RequestError("Idempotency-Key contains control characters", field="Idempotency-Key")


class Allocator:
    """Allocation for one state database; keep one per process to reuse the free indexes."""

    def __init__(self, engine: AsyncEngine, pinger: Pinger | None = None, check_timeout: float = 1.0) -> None:
        self.engine = engine
        self.pinger = pinger
        self.check_timeout = check_timeout
        self._states: dict[int, SubnetState] = {}
        self._queues: dict[int, list[Pending]] = {}
        self._turns: dict[int, asyncio.Lock] = {}

    async def state(self, conn: AsyncConnection, row: sa.Row[Any]) -> SubnetState:
        cached = self._states.get(row.id)
        if cached is not None and cached.generation == row.generation:
            return cached
        fresh = await load_state(conn, row)
        self._states[row.id] = fresh
        return fresh

    def forget(self, subnet_id: int) -> None:
        """Drop the cached index (after a failed write, or a change made elsewhere)."""
        self._states.pop(subnet_id, None)

    def note_released(self, row: sa.Row[Any], value: int) -> None:
        """Keep the cached index current after a release in the transaction that locked ``row``."""
        cached = self._states.get(row.id)
        if cached is None or cached.generation != row.generation:
            self.forget(row.id)
            return
        cached.index.release(value)
        cached.generation += 1

    async def snapshot(self, subnet_id: int) -> SubnetState:
        """The subnet's current state for queries (read-only; never mutate it)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(subnets).where(subnets.c.id == subnet_id))).first()
            if row is None:
                raise NotFoundError(f"no subnet with id {subnet_id}", field="subnet_id")
            return await self.state(conn, row)

    async def allocate(
        self, subnet_id: int, request: AddressRequest, actor: str, idempotency_key: str | None = None
    ) -> Allocation:
        if idempotency_key is not None:
            check_key(idempotency_key)
        if request.check and self.pinger is not None:
            return await self._allocate_checked(subnet_id, request, actor, idempotency_key)
        return await self._submit(Pending(subnet_id, request, actor, idempotency_key))

    async def allocate_alone(
        self, subnet_id: int, request: AddressRequest, actor: str, idempotency_key: str | None = None
    ) -> Allocation:
        """One allocation in its own transaction (the fallback when a batch hits a conflict)."""
        for _ in range(3):
            try:
                return await self._allocate_once(subnet_id, request, actor, idempotency_key)
            except _Stale:
                self._states.pop(subnet_id, None)
        raise ConflictError("the subnet kept changing under this request; retry", field="subnet_id")

    async def _submit(self, item: Pending) -> Allocation:
        """Group commit: whoever holds the subnet's turn allocates for everyone queued behind it.

        Requests that arrive while a transaction runs wait for the next turn and
        then go in one transaction together, so 50 concurrent clients cost a few
        commits instead of 50. The turn is only this process's queue; the
        database lock and the unique constraint still decide.
        """
        queue = self._queues.setdefault(item.subnet_id, [])
        queue.append(item)
        turn = self._turns.setdefault(item.subnet_id, asyncio.Lock())
        try:
            async with turn:
                if not item.future.done():
                    batch = [i for i in self._queues.pop(item.subnet_id, []) if not i.future.done()]
                    await run_batch(self, item.subnet_id, batch)
        except BaseException:
            # A caller that gave up, or got an error (e.g. a lock timeout: a 503), must not get
            # an address allocated behind its back by a later turn: settle its request now so
            # the next batch skips it. The others were queued again and get their own turn.
            item.future.cancel()
            raise
        return item.future.result()

    async def _allocate_checked(
        self, subnet_id: int, request: AddressRequest, actor: str, key: str | None
    ) -> Allocation:
        """Ping candidates outside the lock; allocate the first that stayed silent."""
        assert self.pinger is not None
        skip = set(request.skip)
        answered: list[str] = []
        for _ in range(CHECK_ROUNDS):
            try:
                candidates, version = await self._peek(subnet_id, replace(request, skip=frozenset(skip)))
            except ConflictError:
                if not answered:
                    raise  # nothing pinged: the register itself has no free address
                break
            if not candidates:
                break
            texts = [canonical(c, version) for c in candidates]
            alive = await self.pinger.alive(texts, self.check_timeout)
            silent = frozenset(c for c, t in zip(candidates, texts, strict=True) if t not in alive)
            skip.update(c for c, t in zip(candidates, texts, strict=True) if t in alive)
            answered.extend(t for t in texts if t in alive)
            if request.address is not None and not silent:
                raise CandidatesAnswered(
                    f"{request.address} answers ping; it is in use but not registered",
                    "address",
                    [request.address],
                )
            if not silent:
                continue
            try:
                return await self._allocate_once(
                    subnet_id, replace(request, skip=frozenset(skip), accept=silent), actor, key
                )
            except (_Stale, _Unchecked):
                self._states.pop(subnet_id, None)
        shown = ", ".join(answered[:CHECK_SHOWN]) + (", ..." if len(answered) > CHECK_SHOWN else "")
        raise CandidatesAnswered(
            f"{len(answered)} candidates answered ping, so none was allocated: they are free in the "
            f"register but in use on the wire ({shown}); register them or find who uses them",
            "check",
            answered,
        )

    async def _peek(self, subnet_id: int, request: AddressRequest) -> tuple[list[int], int]:
        """Up to ``CHECK_BATCH`` candidates (without taking them) and the IP version."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(subnets).where(subnets.c.id == subnet_id))).first()
            if row is None:
                raise NotFoundError(f"no subnet with id {subnet_id}", field="subnet_id")
            state = await self.state(conn, row)
        found: list[int] = []
        skip = set(request.skip)
        for _ in range(1 if request.address is not None else CHECK_BATCH):
            try:
                value = choose(state, replace(request, skip=frozenset(skip)))
            except ConflictError:
                if found:
                    break
                raise
            found.append(value)
            skip.add(value)
        return found, int(state.network.version)

    async def _allocate_once(
        self, subnet_id: int, request: AddressRequest, actor: str, key: str | None
    ) -> Allocation:
        try:
            async with write_transaction(self.engine, subnet_id=subnet_id) as conn:
                row = await lock_subnet(conn, subnet_id)
                if key is not None:
                    previous = await self.replay(conn, subnet_id, actor, key)
                    if previous is not None:
                        return Allocation(previous, created=False)
                state = await self.state(conn, row)
                value = choose(state, request)
                if request.accept is not None and value not in request.accept:
                    raise _Unchecked
                stamp = now()
                values = address_values(state, request, value, stamp)
                text = values["address"]
                try:
                    await conn.execute(addresses.insert().values(**values))
                except IntegrityError:
                    if request.address is not None:
                        raise ConflictError(f"{text} is already registered", field="address") from None
                    raise _Stale from None
                if key is not None:
                    await conn.execute(
                        idempotency.insert().values(
                            actor=actor,
                            key=key,
                            subnet_id=subnet_id,
                            address=values["address"],
                            created_at=stamp,
                        )
                    )
                await bump_generation(conn, subnet_id)
                await audit.record(
                    conn, [audit.entry(actor, "allocate", "address", text, (None, address_audit(values)))]
                )
                state.index.take(value)
                state.generation += 1
        except BaseException:
            self._states.pop(subnet_id, None)
            raise
        return Allocation(address_json(values, str(state.network)), created=True)

    def requeue(self, subnet_id: int, items: list[Pending]) -> None:
        """Put unsettled requests back at the front of the subnet's queue."""
        if items:
            self._queues[subnet_id] = items + self._queues.get(subnet_id, [])

    @staticmethod
    async def replay(conn: AsyncConnection, subnet_id: int, actor: str, key: str) -> dict[str, Any] | None:
        """The address an earlier request with this Idempotency-Key got, if any."""
        stored = (
            await conn.execute(
                sa.select(idempotency).where(idempotency.c.actor == actor, idempotency.c.key == key)
            )
        ).first()
        if stored is None:
            return None
        if stored.subnet_id != subnet_id:
            raise ConflictError("this Idempotency-Key was used for another subnet", field="Idempotency-Key")
        row = (
            (await conn.execute(sa.select(addresses).where(addresses.c.address == stored.address)))
            .mappings()
            .first()
        )
        if row is None:
            raise ConflictError(
                f"the address allocated with this Idempotency-Key ({stored.address}) was released since",
                field="Idempotency-Key",
            )
        return address_json(row)
