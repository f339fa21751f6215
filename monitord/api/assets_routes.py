"""The equipment register over HTTP under ``/api/v1/assets``.

Reads need a read token, changes an admin token; the audit log records the
token's name with every change. After a change the register's drift is judged
again at once, so correcting the register resolves its drift ticket. CSV
import and export follow the IPAM importer's rules (``monitord.assets.sheet``).
"""

from __future__ import annotations

from aiohttp import web

from monitord.api.auth import require
from monitord.api.bodies import read_json, read_query
from monitord.api.ipam_bulk_routes import csv_request
from monitord.api.ipam_state import guarded
from monitord.api.keys import ASSETS_KEY, runtime_of, service_of
from monitord.assets.bodies import AssetBody, AssetPatch, AssetQuery, DiscoverQuery, ExportQuery, HistoryQuery
from monitord.assets.links import Links
from monitord.assets.repo import AssetFilter, AssetRepo
from monitord.assets.service import AssetService
from monitord.assets.sheet import AssetsRejected, export_lines, import_assets

PREFIX = "/api/v1/assets"
EXPORT_PAGE = 5000


def _repo(request: web.Request) -> AssetRepo:
    service = request.app.get(ASSETS_KEY)
    return service.repo if service is not None else AssetRepo(runtime_of(request).state.engine)


def _links(request: web.Request) -> Links:
    return Links.of(runtime_of(request).loaded)


async def _judge(request: web.Request, tags: list[str]) -> None:
    service: AssetService | None = request.app.get(ASSETS_KEY)
    if service is not None:
        await service.refresh(tags)


async def list_assets(request: web.Request) -> web.Response:
    require(request, "read")
    q = read_query(request.query, AssetQuery)
    items, total = await _repo(request).list(
        AssetFilter(q.site, q.kind, q.status, q.warranty_before, q.q, None, q.limit, q.offset)
    )
    return web.json_response({"assets": items, "count": len(items), "total": total})


async def create_asset(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    body = await read_json(request, AssetBody)
    created = await _repo(request).create(body.model_dump(), identity.name, _links(request))
    await _judge(request, [body.tag])
    return web.json_response(created, status=201)


async def get_asset(request: web.Request) -> web.Response:
    require(request, "read")
    return web.json_response(await _repo(request).get(request.match_info["tag"]))


async def update_asset(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    body = await read_json(request, AssetPatch)
    tag = request.match_info["tag"]
    updated, changes = await _repo(request).update(
        tag, body.model_dump(exclude_unset=True), identity.name, _links(request)
    )
    await _judge(request, [tag])
    return web.json_response({**updated, "changes": changes})


async def delete_asset(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    deleted = await _repo(request).delete(request.match_info["tag"], identity.name)
    service: AssetService | None = request.app.get(ASSETS_KEY)
    if service is not None:
        service.forget(deleted["tag"], deleted["site"])
    return web.json_response({"deleted": deleted})


async def asset_history(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, HistoryQuery)
    repo = _repo(request)
    tag = request.match_info["tag"]
    entries = await repo.history(tag, query.limit, query.before_id)
    if not entries:
        await repo.get(tag)  # 404 for an asset that never existed
    return web.json_response({"entries": entries, "count": len(entries)})


async def export_csv(request: web.Request) -> web.StreamResponse:
    require(request, "read")
    query = read_query(request.query, ExportQuery)
    repo = _repo(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="assets.csv"',
        }
    )
    await response.prepare(request)
    offset = 0
    while True:
        page, _total = await repo.list(
            AssetFilter(site=query.site, status=query.status, limit=EXPORT_PAGE, offset=offset)
        )
        for chunk in export_lines(page, header=offset == 0):
            await response.write(chunk.encode())
        if len(page) < EXPORT_PAGE:
            break
        offset += EXPORT_PAGE
    await response.write_eof()
    return response


async def import_csv(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    text, dry_run, offset = await csv_request(request)
    repo = _repo(request)
    try:
        report, tags = await import_assets(
            repo.engine, text, identity.name, _links(request), dry_run=dry_run, line_offset=offset
        )
    except AssetsRejected as exc:
        return web.json_response({"error": str(exc), "field": "csv", **exc.report}, status=422)
    await _judge(request, tags)
    return web.json_response(report)


async def discover(request: web.Request) -> web.Response:
    require(request, "admin")
    query = read_query(request.query, DiscoverQuery)
    found = await service_of(request, ASSETS_KEY).discover_target(query.target)
    return web.json_response({"target": query.target, "assets": found, "count": len(found)})


def setup(app: web.Application) -> None:
    router = app.router
    router.add_get(PREFIX, guarded(list_assets))
    router.add_post(PREFIX, guarded(create_asset))
    router.add_get(f"{PREFIX}/export", guarded(export_csv, network_errors=False))
    router.add_post(f"{PREFIX}/import", guarded(import_csv))
    router.add_post(f"{PREFIX}/discover", guarded(discover))
    router.add_get(f"{PREFIX}/{{tag}}", guarded(get_asset))
    router.add_patch(f"{PREFIX}/{{tag}}", guarded(update_asset))
    router.add_delete(f"{PREFIX}/{{tag}}", guarded(delete_asset))
    router.add_get(f"{PREFIX}/{{tag}}/history", guarded(asset_history))
