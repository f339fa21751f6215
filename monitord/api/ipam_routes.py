"""IPAM over HTTP: subnets, ranges, allocation and addresses under ``/api/v1/ipam``.

Queries need a read token, changes an admin token; the audit log records the
token's name. Allocation honours ``Idempotency-Key`` (a retry returns the same
address with 200 instead of 201) and ``check: true`` (ping before handing out).
CSV, audit and reconciliation routes live in ``ipam_bulk_routes``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from monitord.api import ipam_bulk_routes
from monitord.api.auth import require
from monitord.api.bodies import read_json, read_query
from monitord.api.ipam_state import METRICS_KEY, allocator_ctx, allocator_of, guarded
from monitord.api.keys import runtime_of
from monitord.errors import NotFoundError, RequestError, StartupError
from monitord.ipam import assignments, queries, subnets
from monitord.ipam.addressing import parse_cidr
from monitord.ipam.allocator import CandidatesAnswered
from monitord.ipam.bodies import (
    MAX_ID,
    AddressPatch,
    AddressQuery,
    AllocateBody,
    AvailableQuery,
    BlocksQuery,
    RangeBody,
    RangePatch,
    SubnetBody,
    SubnetPatch,
    SubnetQuery,
)
from monitord.ipam.choice import AddressRequest

PREFIX = "/api/v1/ipam"
MAX_IDEMPOTENCY_KEY = 200


def _subnet_id(request: web.Request) -> int:
    text = request.match_info["subnet_id"]
    # isdigit() alone accepts "²", which int() rejects; the bound keeps ids the database can hold.
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID):
        raise RequestError(f"subnet id must be a number up to {MAX_ID}, not {text[:40]!r}", field="subnet_id")
    return int(text)


def _check_site(request: web.Request, name: str | None) -> None:
    """With ``sites:`` configured, a subnet's site must be one of them."""
    configured = runtime_of(request).loaded.config.sites
    if name and configured and name not in configured:
        raise RequestError(
            f"no site named {name!r} (configured: {', '.join(sorted(configured))})", field="site", status=422
        )


def _check_target(request: web.Request, name: str | None) -> None:
    """A linked monitoring target must be one the daemon monitors ("" clears the link)."""
    if name and runtime_of(request).loaded.target(name) is None:
        raise RequestError(f"no monitoring target named {name!r}", field="target", status=422)


async def list_subnets(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, SubnetQuery)
    items = await subnets.list_subnets(allocator_of(request).engine, site=query.site)
    return web.json_response({"subnets": items, "count": len(items)})


async def create_subnet(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    body = await read_json(request, SubnetBody)
    _check_site(request, body.site)
    spec = subnets.NewSubnet(parse_cidr(body.cidr), body.name, body.site, body.vlan, body.description)
    created = await subnets.create_subnet(allocator_of(request).engine, spec, identity.name)
    return web.json_response(created, status=201)


async def get_subnet(request: web.Request) -> web.Response:
    require(request, "read")
    return web.json_response(await subnets.get_subnet(allocator_of(request).engine, _subnet_id(request)))


async def update_subnet(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    body = await read_json(request, SubnetPatch)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("description", "") is None:
        changes["description"] = ""
    _check_site(request, changes.get("site"))
    updated = await subnets.update_subnet(
        allocator_of(request).engine, _subnet_id(request), changes, identity.name
    )
    return web.json_response(updated)


async def delete_subnet(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    await subnets.delete_subnet(allocator_of(request).engine, _subnet_id(request), identity.name)
    return web.json_response({"deleted": True})


async def create_range(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    body = await read_json(request, RangeBody)
    spec = subnets.NewRange(body.name, body.kind, body.first, body.last, body.description)
    created = await subnets.create_range(
        allocator_of(request).engine, _subnet_id(request), spec, identity.name
    )
    return web.json_response(created, status=201)


async def update_range(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    body = await read_json(request, RangePatch)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    updated = await subnets.change_range(
        allocator_of(request).engine, _subnet_id(request), request.match_info["name"], changes, identity.name
    )
    return web.json_response(updated)


async def delete_range(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    await subnets.delete_range(
        allocator_of(request).engine, _subnet_id(request), request.match_info["name"], identity.name
    )
    return web.json_response({"deleted": True})


async def allocate(request: web.Request) -> web.Response:
    metrics = request.app[METRICS_KEY]
    with metrics.latency.time():
        try:
            response = await _allocate(request)
        except CandidatesAnswered as exc:
            # Its own code and the addresses that answered: not "no free address".
            metrics.outcomes.labels(outcome=str(exc.status)).inc()
            return web.json_response(exc.json(), status=exc.status)
        except RequestError as exc:
            metrics.outcomes.labels(outcome=str(exc.status)).inc()
            raise
    metrics.outcomes.labels(outcome="created" if response.status == 201 else "replayed").inc()
    return response


async def _allocate(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key.strip()) <= MAX_IDEMPOTENCY_KEY:
        raise RequestError(
            f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} characters", field="Idempotency-Key"
        )
    body = await read_json(request, AllocateBody)
    _check_target(request, body.target)
    wanted = AddressRequest(
        address=body.address,
        range=body.range,
        status=body.status,
        hostname=body.hostname,
        mac=body.mac,
        description=body.description,
        owner=body.owner,
        target=body.target,
        check=body.check,
    )
    allocator = allocator_of(request)
    try:
        result = await allocator.allocate(
            _subnet_id(request), wanted, identity.name, key.strip() if key else None
        )
    except (OSError, StartupError) as exc:
        # StartupError: the ICMP engine cannot open its socket (no CAP_NET_RAW / ping_group_range).
        if not wanted.check:
            raise
        raise RequestError(
            f"check: true needs ICMP, which is unavailable: {exc}", field="check", status=503
        ) from None
    headers = {} if result.created else {"Idempotent-Replayed": "true"}
    return web.json_response(result.address, status=201 if result.created else 200, headers=headers)


async def available(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, AvailableQuery)
    state = await allocator_of(request).snapshot(_subnet_id(request))
    found = queries.next_free(state, query.count, query.range)
    return web.json_response(
        {"subnet": str(state.network), "available": found, "free": state.index.free_count}
    )


async def free_blocks(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, BlocksQuery)
    state = await allocator_of(request).snapshot(_subnet_id(request))
    blocks = queries.free_blocks(state, query.prefixlen)
    return web.json_response(
        {"subnet": str(state.network), "prefixlen": query.prefixlen, "blocks": blocks, "count": len(blocks)}
    )


async def list_addresses(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, AddressQuery)
    wanted = queries.AddressFilter(**query.model_dump())
    items, total = await queries.list_addresses(allocator_of(request), wanted)
    return web.json_response({"addresses": items, "count": len(items), "total": total})


async def get_address(request: web.Request) -> web.Response:
    require(request, "read")
    text = request.match_info["address"]
    found = await queries.find_address(allocator_of(request), text)
    if found is None:
        raise NotFoundError(f"{text} is not registered", field="address")
    return web.json_response(found)


async def update_address(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    body = await read_json(request, AddressPatch)
    _check_target(request, body.target)
    changes = assignments.AddressChanges(**body.model_dump())
    updated = await assignments.update(
        allocator_of(request).engine, request.match_info["address"], changes, identity.name
    )
    return web.json_response(updated)


async def release_address(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    released: dict[str, Any] = await assignments.release(
        allocator_of(request), request.match_info["address"], identity.name
    )
    return web.json_response({"released": released})


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(allocator_ctx)
    router = app.router
    router.add_get(f"{PREFIX}/subnets", guarded(list_subnets))
    router.add_post(f"{PREFIX}/subnets", guarded(create_subnet))
    router.add_get(f"{PREFIX}/subnets/{{subnet_id}}", guarded(get_subnet))
    router.add_patch(f"{PREFIX}/subnets/{{subnet_id}}", guarded(update_subnet))
    router.add_delete(f"{PREFIX}/subnets/{{subnet_id}}", guarded(delete_subnet))
    router.add_post(f"{PREFIX}/subnets/{{subnet_id}}/ranges", guarded(create_range))
    router.add_patch(f"{PREFIX}/subnets/{{subnet_id}}/ranges/{{name}}", guarded(update_range))
    router.add_delete(f"{PREFIX}/subnets/{{subnet_id}}/ranges/{{name}}", guarded(delete_range))
    router.add_post(f"{PREFIX}/subnets/{{subnet_id}}/allocate", guarded(allocate))
    router.add_get(f"{PREFIX}/subnets/{{subnet_id}}/available", guarded(available))
    router.add_get(f"{PREFIX}/subnets/{{subnet_id}}/free-blocks", guarded(free_blocks))
    router.add_get(f"{PREFIX}/addresses", guarded(list_addresses))
    router.add_get(f"{PREFIX}/addresses/{{address}}", guarded(get_address))
    router.add_patch(f"{PREFIX}/addresses/{{address}}", guarded(update_address))
    router.add_delete(f"{PREFIX}/addresses/{{address}}", guarded(release_address))
    ipam_bulk_routes.setup(app)
