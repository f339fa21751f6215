"""Turning the operation table into an OpenAPI 3.1 document.

OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what pydantic emits, so
request models go into ``components.schemas`` unchanged. Roles ride on the
bearer scheme (3.1 lets a non-OAuth requirement list role names) and on
``x-monitord-role``, which the docs and the fuzz test read.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from monitord.api.openapi.operations import OPERATIONS, Operation, Param
from monitord.api.openapi.schemas import COMPONENTS, Schema, ref

VERSION = "1"
ERROR_TEXT = {
    400: "bad request: a malformed header, id or query value",
    401: "no token, or an unknown one (WWW-Authenticate: Bearer)",
    403: "the caller's role is too low for this operation",
    404: "no such object, or the subsystem is not configured",
    409: "conflicts with the current state",
    413: "body too large (http.max_body_bytes)",
    415: "wrong Content-Type",
    422: "the body or a parameter failed validation; field names it",
    429: "too many requests",
    503: "the state database is unavailable or busy; retry",
}
SECURITY = {
    "none": [],
    "read": [{"apiToken": ["read"]}],
    "technician": [{"apiToken": ["technician"]}],
    "admin": [{"apiToken": ["admin"]}],
    "account": [{"apiToken": ["account"]}],
    "pos": [{"posToken": []}],
}
ROLE_TEXT = {
    "none": "No token needed.",
    "read": "Needs any token: a viewer or above (open when `http.tokens` is empty).",
    "technician": "Needs a technician or admin: a per-user token, or a configured `technician` "
    "or `admin` token.",
    "admin": "Needs an admin: a per-user token of an admin, or a configured `admin` token.",
    "account": "Needs a per-user token (`mdu_...`); a configured token has no account (409).",
    "pos": "Needs a store or terminal token from `pos.stores` (API tokens are refused).",
}
# Links let a client (and schemathesis' stateful phase) chain calls: create, use, delete.
LINKS: dict[tuple[str, int], dict[str, Any]] = {
    ("createSubnet", 201): {
        "GetSubnet": {"operationId": "getSubnet", "parameters": {"subnet_id": "$response.body#/id"}},
        "AllocateAddress": {
            "operationId": "allocateAddress",
            "parameters": {"subnet_id": "$response.body#/id"},
        },
        "CreateRange": {"operationId": "createRange", "parameters": {"subnet_id": "$response.body#/id"}},
        "DeleteSubnet": {"operationId": "deleteSubnet", "parameters": {"subnet_id": "$response.body#/id"}},
    },
    ("allocateAddress", 201): {
        "GetAddress": {"operationId": "getAddress", "parameters": {"address": "$response.body#/address"}},
        "UpdateAddress": {
            "operationId": "updateAddress",
            "parameters": {"address": "$response.body#/address"},
        },
        "ReleaseAddress": {
            "operationId": "releaseAddress",
            "parameters": {"address": "$response.body#/address"},
        },
    },
    ("createSilence", 201): {
        "DeleteSilence": {"operationId": "deleteSilence", "parameters": {"id": "$response.body#/id"}},
    },
    ("putTerminal", 201): {
        "DeleteTerminal": {
            "operationId": "deleteTerminal",
            "parameters": {"store": "$response.body#/store", "terminal": "$response.body#/terminal"},
        },
    },
}


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for operation in OPERATIONS:
        if isinstance(operation.body, type):
            found[operation.body.__name__] = operation.body
    return list(found.values())


def _request_schemas() -> dict[str, Schema]:
    _, document = models_json_schema(
        [(m, "validation") for m in _models()], ref_template="#/components/schemas/{model}"
    )
    defs: dict[str, Schema] = document.get("$defs", {})
    clash = set(defs) & set(COMPONENTS)
    if clash:
        raise RuntimeError(f"request and answer schemas share names: {sorted(clash)}")
    return defs


def _without_null(schema: Schema) -> Schema:
    """A query string has no null: ``str | None`` becomes ``str`` (absent means None)."""
    options = schema.get("anyOf")
    if options is None:
        return schema
    rest = [s for s in options if s.get("type") != "null"]
    out = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest[0], **out} if len(rest) == 1 else {**out, "anyOf": rest}


def _query_params(model: type[BaseModel]) -> list[Schema]:
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    params = []
    for name, given in schema.get("properties", {}).items():
        prop = _without_null({k: v for k, v in given.items() if k != "title"})
        if prop.get("default", "") is None:
            del prop["default"]
        params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    return params


def _param(param: Param) -> Schema:
    out = {
        "name": param.name,
        "in": param.where,
        "required": param.where == "path",
        "description": param.description,
        "schema": param.schema,
    }
    if param.example is not None:
        out["example"] = param.example
    return out


def _body(operation: Operation) -> Schema | None:
    if operation.body is None:
        return None
    media: Schema
    if operation.body == "csv":
        media, kind = {"schema": {"type": "string"}}, "text/csv"
    else:
        media, kind = {"schema": ref(operation.body.__name__)}, "application/json"
    if operation.example is not None:
        media["example"] = operation.example
    return {"required": operation.body_required, "content": {kind: media}}


def _responses(operation: Operation) -> Schema:
    out: Schema = {}
    for answer in operation.answers:
        entry: Schema = {"description": answer.description}
        if answer.schema is not None:
            entry["content"] = {answer.media: {"schema": answer.schema}}
        links = LINKS.get((operation.operation_id, answer.status))
        if links:
            entry["links"] = links
        out[str(answer.status)] = entry
    codes = {400, *operation.errors}
    if operation.role != "none":
        codes.add(401)
    if operation.role in ("technician", "admin"):
        codes.add(403)
    for code in sorted(codes):
        out.setdefault(str(code), {"$ref": f"#/components/responses/Error{code}"})
    out["4XX"] = {"$ref": "#/components/responses/OtherClientError"}
    return out


def _error_responses() -> Schema:
    content = {"application/json": {"schema": ref("Error")}}
    out: Schema = {
        f"Error{code}": {"description": text, "content": content} for code, text in ERROR_TEXT.items()
    }
    out["Error401"]["headers"] = {
        "WWW-Authenticate": {
            "description": 'the scheme to use: Bearer realm="monitord" (or realm="monitord-pos")',
            "schema": {"type": "string"},
        }
    }
    out["OtherClientError"] = {
        "description": "any other client error, with the same JSON body",
        "content": content,
    }
    return out


def _operation(operation: Operation) -> Schema:
    params = [_param(p) for p in operation.params]
    if operation.query is not None:
        params.extend(_query_params(operation.query))
    out: Schema = {
        "operationId": operation.operation_id,
        "tags": [operation.tag],
        "summary": operation.summary,
        "description": ROLE_TEXT[operation.role],
        "security": SECURITY[operation.role],
        "x-monitord-role": operation.role,
        "responses": _responses(operation),
    }
    if params:
        out["parameters"] = params
    body = _body(operation)
    if body is not None:
        out["requestBody"] = body
    return out


@functools.cache
def build_document() -> dict[str, Any]:
    """The whole document; built once per process (it depends only on code, not on configuration)."""
    paths: dict[str, dict[str, Schema]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "monitord HTTP API",
            "version": VERSION,
            "description": "Probes, alerts and tickets, POS heartbeats and IPAM. Every error answer is "
            'JSON `{"error": ..., "field": ...}`. See docs/api.md.',
        },
        "tags": [{"name": name} for name in dict.fromkeys(o.tag for o in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": {**COMPONENTS, **_request_schemas()},
            "responses": _error_responses(),
            "securitySchemes": {
                "apiToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from http.tokens (role read, technician or admin) "
                    "or a per-user token (mdu_..., from monitord users token issue or POST "
                    "/api/v1/me/tokens) acting as its account. Roles are listed per operation.",
                },
                "posToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A store or terminal token from pos.stores; it may only "
                    "post heartbeats for its own store or terminal.",
                },
            },
        },
    }
