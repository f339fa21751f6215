"""IPAM bulk and oversight routes: CSV import/export, the audit log, reconciliation findings."""

from __future__ import annotations

from aiohttp import web

from monitord.api.auth import require
from monitord.api.bodies import read_json, read_query
from monitord.api.ipam_state import allocator_of, guarded
from monitord.api.keys import RECONCILE_KEY, runtime_of
from monitord.errors import ConflictError, RequestError
from monitord.ipam import audit, queries
from monitord.ipam.addressing import parse_cidr
from monitord.ipam.bodies import AuditQuery, ExportQuery, FindingsQuery, ImportQuery, ReconcileBody
from monitord.ipam.importer import ImportRejected, import_csv
from monitord.ipam.range_sheet import RangesRejected, import_ranges
from monitord.ipam.reconcile import list_findings
from monitord.ipam.service import ReconcileService
from monitord.ipam.spreadsheet import export_lines

PREFIX = "/api/v1/ipam"
EXPORT_PAGE = 5000


async def export_csv(request: web.Request) -> web.StreamResponse:
    require(request, "read")
    query = read_query(request.query, ExportQuery)
    allocator = allocator_of(request)
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
            allocator, queries.AddressFilter(subnet_id=query.subnet_id, limit=EXPORT_PAGE, offset=offset)
        )
        for chunk in export_lines(page, header=offset == 0):
            await response.write(chunk.encode())
        if len(page) < EXPORT_PAGE:
            break
        offset += EXPORT_PAGE
    await response.write_eof()
    return response


async def csv_request(request: web.Request) -> tuple[str, bool, int]:
    """The CSV text, ``dry_run`` and ``line_offset`` of an import request (4xx when malformed);
    the asset register's import reads its requests the same way."""
    query = read_query({k: v for k, v in request.query.items() if k != "line_offset"}, ImportQuery)
    offset_text = request.query.get("line_offset", "0")
    if not (offset_text.isascii() and offset_text.isdigit() and len(offset_text) <= 18):
        raise RequestError("line_offset must be a non-negative number", field="line_offset")
    if request.content_type not in ("text/csv", "text/plain"):
        raise RequestError("send the CSV with Content-Type: text/csv", status=415)
    try:
        text = (await request.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("the CSV must be UTF-8", field="csv", status=422) from None
    except web.HTTPRequestEntityTooLarge:
        raise RequestError("CSV too large for one request; split it (the CLI does)", status=413) from None
    return text, query.dry_run, int(offset_text)


async def import_register(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    text, dry_run, offset = await csv_request(request)
    try:
        targets = frozenset(r.target.name for r in runtime_of(request).loaded.targets)
        report = await import_csv(
            allocator_of(request), text, identity.name, dry_run=dry_run, line_offset=offset, targets=targets
        )
    except ImportRejected as exc:
        return web.json_response({"error": str(exc), "field": "csv", **exc.report}, status=422)
    return web.json_response(report, status=200)


async def import_range_sheet(request: web.Request) -> web.Response:
    """Named ranges from CSV (``subnet,name,kind,first,last,description``), e.g. DHCP pools."""
    identity = require(request, "admin")
    text, dry_run, offset = await csv_request(request)
    allocator = allocator_of(request)
    try:
        report = await import_ranges(
            allocator.engine, text, identity.name, dry_run=dry_run, line_offset=offset
        )
    except RangesRejected as exc:
        return web.json_response({"error": str(exc), "field": "csv", **exc.report}, status=422)
    return web.json_response(report, status=200)


async def audit_log(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, AuditQuery)
    entries = await audit.query(
        allocator_of(request).engine,
        object_key=query.object,
        actor=query.actor,
        limit=query.limit,
        before_id=query.before_id,
    )
    return web.json_response({"entries": entries, "count": len(entries)})


def _service(request: web.Request) -> ReconcileService | None:
    """Reconciliation may be switched off: findings still list, ``reconcile`` answers 409."""
    return request.app.get(RECONCILE_KEY)


async def get_findings(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, FindingsQuery)
    items = await list_findings(
        allocator_of(request).engine,
        kind=query.kind,
        subnet_id=query.subnet_id,
        include_resolved=query.include_resolved,
    )
    service = _service(request)
    last = {cidr: r.json() for cidr, r in service.last_reports.items()} if service else {}
    return web.json_response({"findings": items, "count": len(items), "last_sweeps": last})


async def reconcile_now(request: web.Request) -> web.Response:
    require(request, "admin")
    body = ReconcileBody()
    if request.can_read_body:
        body = await read_json(request, ReconcileBody)
    service = _service(request)
    if service is None or not service.subnets:
        raise ConflictError("reconciliation is off: list subnets in ipam.reconcile.subnets", field="subnet")
    wanted = service.subnets
    if body.subnet is not None:
        cidr = str(parse_cidr(body.subnet, "subnet"))
        if cidr not in wanted:
            raise RequestError(
                f"{cidr} is not in ipam.reconcile.subnets; only those are swept", field="subnet", status=422
            )
        wanted = [cidr]
    reports = []
    for cidr in wanted:
        report = await service.sweep_now(cidr)
        reports.append(report.json() if report else {"subnet": cidr, "error": "sweep failed (see /healthz)"})
    return web.json_response({"sweeps": reports})


def setup(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{PREFIX}/export", guarded(export_csv, network_errors=False))
    router.add_post(f"{PREFIX}/import", guarded(import_register))
    router.add_post(f"{PREFIX}/ranges/import", guarded(import_range_sheet))
    router.add_get(f"{PREFIX}/audit", guarded(audit_log))
    router.add_get(f"{PREFIX}/findings", guarded(get_findings))
    router.add_post(f"{PREFIX}/reconcile", guarded(reconcile_now))
