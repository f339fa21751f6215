"""Read-only questions: addresses by filter, find, next N free, free blocks of a prefix length."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from netaddr import IPNetwork

from monitord.errors import RequestError
from monitord.ipam.addressing import canonical, normalize_mac, parse_address
from monitord.ipam.allocator import Allocator
from monitord.ipam.choice import AVOIDED_RANGE_KINDS, SubnetState
from monitord.ipam.index import aligned_blocks
from monitord.ipam.records import address_json
from monitord.ipam.tables import addresses, subnets

MAX_BLOCKS = 1024


@dataclass(frozen=True, slots=True)
class AddressFilter:
    subnet_id: int | None = None
    status: str | None = None
    hostname: str | None = None
    mac: str | None = None
    owner: str | None = None
    range: str | None = None
    q: str | None = None
    limit: int = 100
    offset: int = 0
    # Sort keys (``addressing.sort_key``) of the first and last address wanted: one block of a map.
    between: tuple[str, str] | None = None


async def list_addresses(allocator: Allocator, wanted: AddressFilter) -> tuple[list[dict[str, Any]], int]:
    """Matching addresses (page) and the total count; ``q`` matches address, hostname or MAC."""
    conditions: list[sa.ColumnElement[bool]] = []
    if wanted.subnet_id is not None:
        conditions.append(addresses.c.subnet_id == wanted.subnet_id)
    if wanted.status is not None:
        conditions.append(addresses.c.status == wanted.status)
    if wanted.hostname is not None:
        conditions.append(sa.func.lower(addresses.c.hostname) == wanted.hostname.lower())
    if wanted.mac is not None:
        conditions.append(addresses.c.mac == normalize_mac(wanted.mac))
    if wanted.owner is not None:
        conditions.append(addresses.c.owner == wanted.owner)
    if wanted.range is not None:
        conditions.append(addresses.c.range_name == wanted.range)
    if wanted.between is not None:
        conditions.append(addresses.c.sort_key.between(*wanted.between))
    if wanted.q is not None:
        needle = wanted.q.strip().lower()
        like = f"%{needle.replace('%', '').replace('_', '')}%"
        options: list[sa.ColumnElement[bool]] = [
            addresses.c.address.like(like),
            sa.func.lower(addresses.c.hostname).like(like),
        ]
        with contextlib.suppress(RequestError):
            options.append(addresses.c.mac == normalize_mac(needle, "q"))
        conditions.append(sa.or_(*options))
    base = sa.select(addresses, subnets.c.cidr).join(subnets, subnets.c.id == addresses.c.subnet_id)
    counter = sa.select(sa.func.count()).select_from(addresses)
    if conditions:
        base = base.where(*conditions)
        counter = counter.where(*conditions)
    async with allocator.engine.connect() as conn:
        total = int((await conn.execute(counter)).scalar_one())
        rows = (
            (
                await conn.execute(
                    base.order_by(addresses.c.sort_key).limit(wanted.limit).offset(wanted.offset)
                )
            )
            .mappings()
            .all()
        )
    return [address_json(r, r["cidr"]) for r in rows], total


async def find_address(allocator: Allocator, text: str) -> dict[str, Any] | None:
    address = str(parse_address(text))
    query = (
        sa.select(addresses, subnets.c.cidr)
        .join(subnets, subnets.c.id == addresses.c.subnet_id)
        .where(addresses.c.address == address)
    )
    async with allocator.engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return None if row is None else address_json(row, row["cidr"])


def next_free(state: SubnetState, count: int, range_name: str | None = None) -> list[str]:
    """The next ``count`` addresses next-free would hand out, in order."""
    version = int(state.network.version)
    if range_name is not None:
        span = state.ranges.get(range_name)
        if span is None:
            raise RequestError(
                f"subnet {state.network} has no range named {range_name!r}", field="range", status=422
            )
        return [canonical(v, version) for v in state.index.free_values(count, span.first, span.last)]
    avoid = [s for s in state.ranges.values() if s.kind in AVOIDED_RANGE_KINDS]
    out: list[str] = []
    cursor: int | None = None
    # Each pass either adds addresses or jumps a whole avoided range (as ``choice._first_free``
    # does), so a 2M-address dhcp range, or one in an IPv6 /64, costs one pass, not millions.
    while len(out) < count:
        values = state.index.free_values(count - len(out), cursor)
        if not values:
            break
        cursor = values[-1] + 1
        for value in values:
            blocking = next((s for s in avoid if s.first <= value <= s.last), None)
            if blocking is not None:
                cursor = blocking.last + 1
                break
            out.append(canonical(value, version))
    return out


def free_blocks(state: SubnetState, prefixlen: int) -> list[str]:
    """Whole free CIDR blocks of ``prefixlen`` inside the subnet (child subnets excluded).

    A block may include the subnet's own network/broadcast address: carving it out
    as a child subnet is what free blocks are asked for.
    """
    network = state.network
    width = 32 if network.version == 4 else 128
    if not network.prefixlen < prefixlen <= width:
        raise RequestError(
            f"prefix length must be between {network.prefixlen + 1} and {width}",
            field="prefixlen",
            status=422,
        )
    size = 1 << (width - prefixlen)
    out: list[str] = []
    for first, last in state.index.blocks():
        lo = int(network.first) if first == state.index.low else first
        hi = int(network.last) if last == state.index.high else last
        for start in aligned_blocks(lo, hi, size):
            out.append(str(IPNetwork((start, prefixlen), version=network.version)))
            if len(out) >= MAX_BLOCKS:
                return out
    return out
