"""Choosing an address: what the allocator knows about a subnet and the rules of next-free.

Pure decisions over a ``SubnetState`` (plus loading that state from the rows);
the transactions around them live in ``allocator`` and ``batching``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from netaddr import IPNetwork
from sqlalchemy.ext.asyncio import AsyncConnection

from monitord.errors import ConflictError, RequestError
from monitord.ipam.addressing import canonical, parse_address, sort_key
from monitord.ipam.index import FreeIndex
from monitord.ipam.reserved import reserved_reason, usable_bounds
from monitord.ipam.tables import addresses, ranges, subnets

AVOIDED_RANGE_KINDS = ("dhcp", "reserved")  # next-free outside a named range skips these


@dataclass(frozen=True, slots=True)
class RangeSpan:
    name: str
    kind: str
    first: int
    last: int


@dataclass(slots=True)
class SubnetState:
    """What the allocator knows about one subnet at one generation."""

    subnet_id: int
    network: IPNetwork
    generation: int
    index: FreeIndex
    ranges: dict[str, RangeSpan]
    children: list[tuple[int, int, str]]


@dataclass(frozen=True, slots=True)
class AddressRequest:
    """An allocation: next free (optionally in ``range``) or the given ``address``."""

    address: str | None = None
    range: str | None = None
    status: str = "allocated"
    hostname: str | None = None
    mac: str | None = None
    description: str = ""
    owner: str | None = None
    target: str | None = None
    check: bool = False
    skip: frozenset[int] = field(default_factory=frozenset)
    accept: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    address: dict[str, Any]
    created: bool


async def load_state(conn: AsyncConnection, row: sa.Row[Any]) -> SubnetState:
    """Rebuild a subnet's free index from its rows, child subnets and ranges."""
    network = IPNetwork(row.cidr)
    used = [
        int(ipaddress.ip_address(text))
        for (text,) in (
            await conn.execute(sa.select(addresses.c.address).where(addresses.c.subnet_id == row.id))
        ).all()
    ]
    children = []
    for (cidr,) in (await conn.execute(sa.select(subnets.c.cidr).where(subnets.c.parent_id == row.id))).all():
        child = IPNetwork(cidr)
        children.append((int(child.first), int(child.last), cidr))
    spans = {
        r.name: RangeSpan(
            r.name, r.kind, int(ipaddress.ip_address(r.first)), int(ipaddress.ip_address(r.last))
        )
        for r in (await conn.execute(sa.select(ranges).where(ranges.c.subnet_id == row.id))).all()
    }
    bounds = usable_bounds(network)
    index = (
        FreeIndex(bounds[0], bounds[1], used, [(a, b) for a, b, _ in children])
        if bounds
        else (FreeIndex.empty())
    )
    return SubnetState(row.id, network, int(row.generation), index, spans, children)


def _first_free(
    state: SubnetState, lo: int | None, hi: int | None, skip: frozenset[int], avoid: list[RangeSpan]
) -> int | None:
    cursor = lo
    for _ in range(len(skip) + len(avoid) + 2 + 10_000):
        value = state.index.next_free(cursor, hi)
        if value is None:
            return None
        if value in skip:
            cursor = value + 1
            continue
        blocking = next((s for s in avoid if s.first <= value <= s.last), None)
        if blocking is not None:
            cursor = blocking.last + 1
            continue
        return value
    return None


def choose(state: SubnetState, request: AddressRequest) -> int:
    """The address ``request`` gets in ``state``, or the 4xx that says why there is none."""
    network = state.network
    span = None
    if request.range is not None:
        span = state.ranges.get(request.range)
        if span is None:
            raise RequestError(
                f"subnet {network} has no range named {request.range!r}", field="range", status=422
            )
    if request.address is not None:
        value = parse_address(request.address)
        if value.version != network.version or value not in network:
            raise RequestError(f"{value} is outside subnet {network}", field="address", status=422)
        number = int(value)
        reason = reserved_reason(network, number)
        if reason is not None:
            raise RequestError(f"{value} {reason} of {network}", field="address", status=422)
        for first, last, cidr in state.children:
            if first <= number <= last:
                raise RequestError(
                    f"{value} belongs to child subnet {cidr}; allocate it there", field="address", status=422
                )
        if span is not None and not span.first <= number <= span.last:
            raise RequestError(f"{value} is outside range {span.name!r}", field="address", status=422)
        if not state.index.is_free(number):
            raise ConflictError(f"{value} is already registered", field="address")
        return number
    if span is not None:
        found = _first_free(state, span.first, span.last, request.skip, [])
        if found is None:
            raise ConflictError(f"range {span.name!r} of subnet {network} has no free address", field="range")
        return found
    avoid = [s for s in state.ranges.values() if s.kind in AVOIDED_RANGE_KINDS]
    found = _first_free(state, None, None, request.skip, avoid)
    if found is None:
        raise ConflictError(f"subnet {network} has no free address", field="subnet_id")
    return found


def address_values(
    state: SubnetState, request: AddressRequest, value: int, stamp: datetime
) -> dict[str, Any]:
    """The row a granted ``request`` inserts."""
    return {
        "subnet_id": state.subnet_id,
        "address": canonical(value, state.network.version),
        "sort_key": sort_key(value, state.network.version),
        "status": request.status,
        "hostname": request.hostname,
        "mac": request.mac,
        "description": request.description,
        "owner": request.owner,
        "target": request.target,
        "range_name": request.range,
        "created_at": stamp,
        "updated_at": stamp,
        "last_seen_at": None,
        "seen_mac": None,
    }
