"""IPAM: the subnet tree with utilisation, a subnet's address map, allocate (next free or a
given address, allocated or reserved), release, CSV import with a dry-run preview, export.

The pages use the allocator and the ``monitord.ipam`` functions the API's IPAM
routes use, wrapped in the same ``guarded`` (a busy database is a 503 page, a
conflicting write a 409); changes need the admin role and the audit log names
the signed-in account.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from netaddr import IPNetwork

from monitord.api.ipam_state import ALLOCATOR_KEY, guarded
from monitord.console import access, lookup
from monitord.console.forms import form_fields, validated
from monitord.console.render import render, see_other
from monitord.console.session import principal_of
from monitord.errors import NotFoundError, RequestError
from monitord.ipam import assignments, queries, subnets
from monitord.ipam.addressing import canonical, parse_address, sort_key
from monitord.ipam.allocator import Allocator, CandidatesAnswered
from monitord.ipam.bodies import MAX_ID, AllocateBody
from monitord.ipam.choice import AddressRequest
from monitord.ipam.importer import ImportRejected, import_csv
from monitord.ipam.reserved import reserved_reason
from monitord.ipam.spreadsheet import export_lines

BLOCK = 256  # addresses per map page
MAX_CSV_BYTES = 4 * 1024 * 1024
EXPORT_PAGE = 5000


def allocator(request: web.Request) -> Allocator:
    return request.config_dict[ALLOCATOR_KEY]


def subnet_id(request: web.Request) -> int:
    text = request.match_info["subnet_id"]
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID):
        raise NotFoundError(f"no subnet {text[:40]!r}", field="subnet_id")
    return int(text)


def tree(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Subnets in tree order (each parent before its children) with their depth."""
    children: dict[int | None, list[dict[str, Any]]] = {}
    ids = {item["id"] for item in items}
    for item in items:
        parent = item["parent_id"] if item["parent_id"] in ids else None
        children.setdefault(parent, []).append(item)
    out: list[dict[str, Any]] = []
    stack = [(item, 0) for item in reversed(children.get(None, []))]
    while stack:
        item, depth = stack.pop()
        out.append({**item, "depth": min(depth, 8)})
        stack.extend((child, depth + 1) for child in reversed(children.get(item["id"], [])))
    return out


async def subnet_tree(request: web.Request) -> web.Response:
    items = await subnets.list_subnets(allocator(request).engine)
    return render(
        request,
        "ipam.html",
        {
            "title": "IPAM",
            "section": "ipam",
            "subnets": tree(items),
            "can_act": principal_of(request).can(access.IPAM),
        },
    )


def _cells(
    network: IPNetwork, first: int, last: int, known: dict[str, dict[str, Any]], state: Any
) -> list[dict[str, Any]]:
    version = int(network.version)
    children = state.children
    cells = []
    for value in range(first, last + 1):
        text = canonical(value, version)
        row = known.get(text)
        if row is not None:
            kind = row["status"]
        elif reserved_reason(network, value) is not None:
            kind = "network"
        elif any(c_first <= value <= c_last for c_first, c_last, _cidr in children):
            kind = "child"
        else:
            kind = "free"
        span = next((name for name, r in state.ranges.items() if r.first <= value <= r.last), None)
        # Label and title made here, not in the template: 256 cells render in a millisecond.
        title = f"{text} {kind}"
        if row is not None and row["hostname"]:
            title += f" {row['hostname']}"
        if span is not None:
            title += f" (range {span})"
        cells.append(
            {
                "address": text,
                "css": f"cell {kind} in-range" if span else f"cell {kind}",
                "title": title,
                "label": text.rsplit(".", 1)[-1] if version == 4 else str(value - first),
                "registered": row is not None,
            }
        )
    return cells


async def subnet_map(request: web.Request) -> web.Response:
    number = subnet_id(request)
    state = await allocator(request).snapshot(number)
    network = state.network
    version = int(network.version)
    blocks = max(1, -(-int(network.size) // BLOCK))
    block_text = request.query.get("block", "0")
    block = int(block_text) if block_text.isascii() and block_text.isdigit() and len(block_text) < 12 else 0
    block = min(block, blocks - 1)
    first = int(network.first) + block * BLOCK
    last = min(int(network.last), first + BLOCK - 1)
    wanted = queries.AddressFilter(
        subnet_id=number, limit=BLOCK, between=(sort_key(first, version), sort_key(last, version))
    )
    # Independent reads on their own pooled connections: the page waits for the slowest, not the sum.
    found, (rows, _total) = await asyncio.gather(
        subnets.get_subnet(allocator(request).engine, number),
        queries.list_addresses(allocator(request), wanted),
    )
    known = {row["address"]: row for row in rows}
    return render(
        request,
        "subnet.html",
        {
            "title": found["cidr"],
            "section": "ipam",
            "subnet": found,
            "cells": _cells(network, first, last, known, state),
            "rows": rows,
            "block": block,
            "blocks": blocks,
            "block_first": canonical(first, version),
            "block_last": canonical(last, version),
            "next_free": queries.next_free(state, 1),
            "can_act": principal_of(request).can(access.IPAM),
        },
    )


def _block_of(found: dict[str, Any], address: str) -> int:
    network = IPNetwork(found["cidr"])
    return (int(parse_address(address)) - int(network.first)) // BLOCK


async def allocate(request: web.Request) -> web.StreamResponse:
    me = access.require_role(request, access.IPAM)
    number = subnet_id(request)
    fields = await form_fields(request)
    body = validated(
        AllocateBody, {k: v for k, v in fields.items() if k in AllocateBody.model_fields and k != "check"}
    )
    if body.target and lookup.runtime(request).loaded.target(body.target) is None:
        raise RequestError(f"no monitoring target named {body.target!r}", field="target", status=422)
    wanted = AddressRequest(
        address=body.address,
        range=body.range,
        status=body.status,
        hostname=body.hostname,
        mac=body.mac,
        description=body.description,
        owner=body.owner,
        target=body.target,
    )
    try:
        result = await allocator(request).allocate(number, wanted, me.name)
    except CandidatesAnswered as exc:
        raise RequestError(str(exc), field="address", status=exc.status) from None
    address = result.address["address"]
    found = await subnets.get_subnet(allocator(request).engine, number)
    return see_other(f"/console/ipam/subnets/{number}?block={_block_of(found, address)}#a-{address}")


async def release(request: web.Request) -> web.StreamResponse:
    me = access.require_role(request, access.IPAM)
    released = await assignments.release(allocator(request), request.match_info["address"], me.name)
    return see_other(f"/console/ipam/subnets/{released['subnet_id']}")


async def export(request: web.Request) -> web.StreamResponse:
    text = request.query.get("subnet_id", "")
    wanted = (
        int(text) if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID else None
    )
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="ipam.csv"',
        }
    )
    await response.prepare(request)
    offset = 0
    while True:
        page, _total = await queries.list_addresses(
            allocator(request), queries.AddressFilter(subnet_id=wanted, limit=EXPORT_PAGE, offset=offset)
        )
        for chunk in export_lines(page, header=offset == 0):
            await response.write(chunk.encode())
        if len(page) < EXPORT_PAGE:
            break
        offset += EXPORT_PAGE
    await response.write_eof()
    return response


async def import_page(request: web.Request) -> web.Response:
    access.require_role(request, access.IPAM)
    return render(
        request, "ipam_import.html", {"title": "IPAM import", "section": "ipam", "report": None, "csv": ""}
    )


async def _csv_text(request: web.Request) -> str:
    form = await request.post()
    upload = form.get("file")
    if isinstance(upload, FileField) and upload.filename:
        raw = upload.file.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            raise RequestError(
                "the CSV file is larger than 4 MiB: split it or use the CLI", field="file", status=413
            )
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError("the CSV must be UTF-8", field="file", status=422) from None
    text = form.get("csv")
    return text if isinstance(text, str) else ""


async def import_post(request: web.Request) -> web.Response:
    me = access.require_role(request, access.IPAM)
    text = await _csv_text(request)
    if not text.strip():
        raise RequestError("paste CSV text or choose a file", field="csv", status=422)
    form = await request.post()
    dry_run = form.get("apply") != "1"
    targets = frozenset(r.target.name for r in lookup.runtime(request).loaded.targets)
    try:
        report = await import_csv(allocator(request), text, me.name, dry_run=dry_run, targets=targets)
        status = 200
    except ImportRejected as exc:
        report, status = {"rejected": True, **exc.report}, 422
    return render(
        request,
        "ipam_import.html",
        {
            "title": "IPAM import",
            "section": "ipam",
            "report": report,
            "csv": text if dry_run else "",
            "applied": not dry_run,
        },
        status=status,
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/ipam", guarded(subnet_tree))
    app.router.add_get("/ipam/subnets/{subnet_id}", guarded(subnet_map))
    app.router.add_post("/ipam/subnets/{subnet_id}/allocate", guarded(allocate))
    app.router.add_post("/ipam/addresses/{address}/release", guarded(release))
    app.router.add_get("/ipam/export", guarded(export, network_errors=False))
    app.router.add_get("/ipam/import", guarded(import_page))
    app.router.add_post("/ipam/import", guarded(import_post))
