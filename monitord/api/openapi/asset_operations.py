"""The equipment register's operations and answer schemas (``/api/v1/assets``).

Kept apart from ``operations`` so each area's table stays readable; ``catalog``
joins them into the one list the document, the docs and the router test read.
"""

from __future__ import annotations

from monitord.api.openapi.operations import LINE_OFFSET, Answer, Operation, Param, ok
from monitord.api.openapi.schemas import (
    ANY_OBJECT,
    INTEGER,
    STRING,
    TIME,
    Schema,
    array,
    listing,
    nullable,
    obj,
    ref,
)
from monitord.assets import bodies
from monitord.ipam.bodies import ImportQuery

ASSETS = "assets"
PREFIX = "/api/v1/assets"
TAG = Param("tag", {"type": "string", "pattern": bodies.TAG}, "the asset's tag", example="SW-0001")
DATE = {"type": ["string", "null"], "format": "date"}

ASSET: Schema = obj(
    ("id", "tag", "kind", "site", "status", "addresses"),
    id=INTEGER,
    tag=STRING,
    kind={"enum": list(bodies.Kind.__args__)},  # type: ignore[attr-defined]
    vendor=nullable(STRING),
    model=nullable(STRING),
    serial=nullable(STRING),
    firmware=nullable(STRING),
    site=STRING,
    room=nullable(STRING),
    rack=nullable(STRING),
    owner=nullable(STRING),
    purchase_date=DATE,
    warranty_end=DATE,
    status={"enum": list(bodies.Status.__args__)},  # type: ignore[attr-defined]
    notes=STRING,
    target=nullable(STRING),
    addresses=array(STRING),
    pos_terminal=nullable(STRING),
    created_at=TIME,
    updated_at=TIME,
)
FACT = obj(
    ("value", "source", "first_seen", "last_seen"),
    value=STRING,
    source=STRING,
    first_seen=TIME,
    last_seen=TIME,
)
CHANGE = obj(("field", "text"), field=STRING, before={}, after={}, text=STRING)
ASSET_DETAIL: Schema = {
    "allOf": [
        ref("Asset"),
        obj(
            ("facts", "discovery"),
            facts={"type": "object", "additionalProperties": ref("AssetFact")},
            discovery=nullable(ANY_OBJECT),
            changes=array(ref("AssetChange")),
            drift={"type": "object", "additionalProperties": nullable(STRING)},
        ),
    ]
}
HISTORY_ENTRY = {"allOf": [ref("AuditEntry"), obj(("changes",), changes=array(ref("AssetChange")))]}
ASSET_IMPORT_REPORT = {"allOf": [ref("ImportReport"), obj((), changes=array(ANY_OBJECT))]}

ASSET_COMPONENTS: dict[str, Schema] = {
    "Asset": ASSET,
    "AssetDetail": ASSET_DETAIL,
    "AssetFact": FACT,
    "AssetChange": CHANGE,
    "AssetHistoryEntry": HISTORY_ENTRY,
    "AssetImportReport": ASSET_IMPORT_REPORT,
}

EXAMPLE = {
    "tag": "SW-0001",
    "kind": "switch",
    "site": "head-office",
    "vendor": "Cisco",
    "model": "C9200-24P",
    "serial": "FOC2301X0AB",
    "room": "server room",
    "rack": "R1 U20",
    "warranty_end": "2027-03-31",
}

ASSET_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        PREFIX,
        "listAssets",
        ASSETS,
        "Assets, filtered by site, kind, status, warranty end or text, and paged",
        "read",
        ok(listing("assets", ref("Asset"), total=INTEGER)),
        query=bodies.AssetQuery,
        errors=(422, 503),
        query_example="site=head-office&status=in-use&warranty_before=2027-01-01",
    ),
    Operation(
        "POST",
        PREFIX,
        "createAsset",
        ASSETS,
        "Register an asset (tag, kind and a known site required)",
        "admin",
        ok(ref("AssetDetail"), "the asset created", status=201),
        body=bodies.AssetBody,
        errors=(409, 415, 422, 503),
        example=EXAMPLE,
    ),
    Operation(
        "GET",
        f"{PREFIX}/{{tag}}",
        "getAsset",
        ASSETS,
        "One asset with its discovered facts and last discovery",
        "read",
        ok(ref("AssetDetail")),
        params=(TAG,),
        errors=(404, 503),
    ),
    Operation(
        "PATCH",
        f"{PREFIX}/{{tag}}",
        "updateAsset",
        ASSETS,
        "Change an asset (only the fields sent; null clears); answers what changed",
        "admin",
        ok(ref("AssetDetail")),
        params=(TAG,),
        body=bodies.AssetPatch,
        errors=(404, 409, 415, 422, 503),
        example={"status": "in-repair", "notes": "fan noise; sent to the vendor"},
    ),
    Operation(
        "DELETE",
        f"{PREFIX}/{{tag}}",
        "deleteAsset",
        ASSETS,
        "Remove an asset (the audit log keeps its history)",
        "admin",
        ok(obj(("deleted",), deleted=ref("Asset"))),
        params=(TAG,),
        errors=(404, 409, 503),
    ),
    Operation(
        "GET",
        f"{PREFIX}/{{tag}}/history",
        "assetHistory",
        ASSETS,
        "Every change of an asset, newest first: who changed which field from what to what",
        "read",
        ok(listing("entries", ref("AssetHistoryEntry"))),
        params=(TAG,),
        query=bodies.HistoryQuery,
        errors=(404, 422, 503),
        query_example="limit=20",
    ),
    Operation(
        "GET",
        f"{PREFIX}/export",
        "exportAssets",
        ASSETS,
        "The register as CSV",
        "read",
        (Answer(200, "CSV with a header line", STRING, "text/csv"),),
        query=bodies.ExportQuery,
        errors=(422, 503),
        query_example="site=head-office",
    ),
    Operation(
        "POST",
        f"{PREFIX}/import",
        "importAssets",
        ASSETS,
        "Create or update assets from CSV; all rows or none (dry_run=true only plans)",
        "admin",
        ok(ref("AssetImportReport")),
        params=(LINE_OFFSET,),
        query=ImportQuery,
        body="csv",
        query_example="dry_run=true",
        errors=(400, 409, 413, 415, 422, 503),
        example="tag,kind,site,vendor,model,serial\nPC-0001,pc,head-office,Dell,OptiPlex 7010,7XK2L33\n",
    ),
    Operation(
        "POST",
        f"{PREFIX}/discover",
        "discoverAssets",
        ASSETS,
        "Discover a target now (SNMP and/or SSH) and judge the drift of the assets linked to it",
        "admin",
        ok(
            obj(("target", "assets", "count"), target=STRING, assets=array(ref("AssetDetail")), count=INTEGER)
        ),
        query=bodies.DiscoverQuery,
        body_required=False,
        errors=(404, 409, 422, 503),
        query_example="target=core-switch",
    ),
)
