"""The OpenAPI document: valid 3.1, the same method+path set as the aiohttp router, served
without a token, request schemas equal to the pydantic models, and every operation in docs/api.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import aiohttp
import jsonschema_rs
import pytest
from aiohttp import web
from schemathesis.specs.openapi.definitions import OPENAPI_31

from monitord.api.app import build_app
from monitord.api.openapi import OPERATIONS, build_document, markdown
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.runtime import Runtime
from monitord.store.engine import StateStore
from tests.daemon_harness import base_config, running_daemon, url

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def router_operations(app: web.Application) -> set[tuple[str, str]]:
    """METHOD and path of every route; the HEAD aiohttp adds beside each GET is not an operation."""
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if route.method == "HEAD" or path is None:
            continue
        found.add((route.method, path))
    return found


def document_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def app_for(tmp_path: Path) -> web.Application:
    """The application's routes only: the state store is never opened (nothing is served)."""
    daemon = Daemon(build_config(base_config(tmp_path)))
    unopened = cast(StateStore, None)
    return build_app(Runtime(daemon.config, daemon.registry, daemon.health, unopened, daemon.bus))


def test_document_and_router_name_the_same_operations(tmp_path: Path) -> None:
    routes = router_operations(app_for(tmp_path))
    documented = document_operations(build_document())
    assert len(routes) >= 40
    assert routes - documented == set(), "routes the OpenAPI document lacks"
    assert documented - routes == set(), "operations in the document with no route"


def test_a_route_missing_from_the_document_is_caught(tmp_path: Path) -> None:
    """The comparison above can fail: an extra route, or a renamed one, shows up in the difference."""
    app = app_for(tmp_path)
    documented = document_operations(build_document())
    before = router_operations(app) - documented

    async def handler(_request: web.Request) -> web.Response:
        return web.Response()

    app.router.add_post("/api/v1/ipam/subnets/{subnet_id}/split", handler)
    routes = router_operations(app)
    assert routes - documented - before == {("POST", "/api/v1/ipam/subnets/{subnet_id}/split")}
    document = json.loads(json.dumps(build_document()))
    document["paths"]["/api/v1/targets/{target}"] = document["paths"].pop("/api/v1/targets/{name}")
    assert document_operations(document) - routes == {("GET", "/api/v1/targets/{target}")}


def test_document_is_valid_openapi_3_1() -> None:
    document = build_document()
    assert document["openapi"].startswith("3.1.")
    validator = jsonschema_rs.validator_for(OPENAPI_31)
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    for name, schema in document["components"]["schemas"].items():
        # Raises on a schema that is not JSON Schema 2020-12 or has a $ref that goes nowhere.
        jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})
        # pydantic writes gt/ge/lt/le when it cannot map a bound; validators would ignore them.
        assert not re.search(r'"(gt|ge|lt|le)":', json.dumps(schema)), name
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_operation_has_typed_answers_roles_and_the_error_schema() -> None:
    document = build_document()
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "field"]
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"error", "field"}
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiToken"] == {**schemes["apiToken"], "type": "http", "scheme": "bearer"}
    for path, item in document["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            role = op["x-monitord-role"]
            assert role in {"none", "read", "technician", "admin", "account", "pos"}, where
            expected = {
                "none": [],
                "read": [{"apiToken": ["read"]}],
                "technician": [{"apiToken": ["technician"]}],
                "admin": [{"apiToken": ["admin"]}],
                "account": [{"apiToken": ["account"]}],
                "pos": [{"posToken": []}],
            }[role]
            assert op["security"] == expected, where
            success = [code for code in op["responses"] if code.startswith("2")]
            assert success, where
            for code in success:
                answer = op["responses"][code]
                assert code == "204" or answer.get("content"), f"{where} {code} has no typed body"
            if role != "none":
                assert "401" in op["responses"], where
            if role in ("technician", "admin"):
                assert "403" in op["responses"], where
            assert op["responses"]["4XX"] == {"$ref": "#/components/responses/OtherClientError"}


def test_request_schemas_are_the_pydantic_models() -> None:
    document = build_document()
    schemas = document["components"]["schemas"]
    for operation in OPERATIONS:
        if not isinstance(operation.body, type):
            continue
        body = document["paths"][operation.path][operation.method.lower()]["requestBody"]
        reference = body["content"]["application/json"]["schema"]["$ref"]
        name = reference.rsplit("/", 1)[1]
        model_schema = operation.body.model_json_schema(ref_template="#/components/schemas/{model}")
        model_schema.pop("$defs", None)
        assert schemas[name] == model_schema, name
        assert schemas[name].get("additionalProperties") is False, f"{name} must forbid unknown keys"


def test_query_parameters_follow_the_query_models() -> None:
    document = build_document()
    for operation in OPERATIONS:
        if operation.query is None:
            continue
        op = document["paths"][operation.path][operation.method.lower()]
        names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        assert set(operation.query.model_fields) <= names, operation.operation_id


async def test_served_without_a_token_as_json(tmp_path: Path) -> None:
    async with running_daemon(base_config(tmp_path)) as daemon, aiohttp.ClientSession() as session:
        async with session.get(url(daemon, "/api/v1/openapi.json")) as response:
            assert response.status == 200
            assert response.content_type == "application/json"
            served = await response.json()
    assert served == json.loads(json.dumps(build_document()))


def docs_sections() -> dict[str, str]:
    """``### `METHOD /path` `` headings of docs/api.md and the text under each."""
    text = (ROOT / "docs" / "api.md").read_text()
    parts = re.split(r"^### `([A-Z]+ /\S*)`\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_docs_list_every_operation_with_a_curl_example() -> None:
    sections = docs_sections()
    documented = {f"{m} {p}" for m, p in document_operations(build_document())}
    assert set(sections) == documented
    for heading, body in sections.items():
        method, path = heading.split(" ", 1)
        blocks = re.findall(r"```sh\n(.*?)```", body, flags=re.DOTALL)
        curl = [b for b in blocks if b.startswith("curl ")]
        assert curl, f"{heading}: no curl example"
        concrete = re.sub(r"\{[^}]+\}", "[^/?']+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
        assert any(re.search(f"127\\.0\\.0\\.1:8470{concrete}(['?]|\\s)", b) for b in curl), (
            f"{heading}: the curl example calls another path"
        )
        if method != "GET":
            assert any(f"-X {method}" in b for b in curl), f"{heading}: curl without -X {method}"


@pytest.mark.parametrize("role", ["read", "technician", "admin", "account"])
def test_docs_say_which_role_each_operation_needs(role: str) -> None:
    sections = docs_sections()
    for path, item in build_document()["paths"].items():
        for method, op in item.items():
            if op["x-monitord-role"] == role:
                assert f"Role: {role}" in sections[f"{method.upper()} {path}"], f"{method} {path}"


def test_the_generated_reference_in_docs_is_current() -> None:
    """Below its marker, docs/api.md is exactly what the document renders to."""
    text = (ROOT / "docs" / "api.md").read_text()
    assert markdown.MARKER in text
    assert text.split(markdown.MARKER, 1)[0].strip(), "the hand-written part above the marker is gone"
    assert markdown.MARKER + text.split(markdown.MARKER, 1)[1] == markdown.render(), (
        "docs/api.md is stale: python -m monitord.api.openapi.markdown docs/api.md"
    )


def test_readme_links_the_api_reference() -> None:
    assert "(docs/api.md)" in (ROOT / "README.md").read_text()
