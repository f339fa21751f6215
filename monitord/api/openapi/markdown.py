"""The endpoint reference in ``docs/api.md``, rendered from the OpenAPI document.

``python -m monitord.api.openapi.markdown docs/api.md`` rewrites everything below
the marker line; ``tests/api/test_openapi.py`` fails when the file is stale, so
the reference cannot drift from the routes.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

from monitord.api.openapi.document import build_document
from monitord.api.openapi.operations import OPERATIONS, Operation

MARKER = "<!-- Everything below is generated: python -m monitord.api.openapi.markdown docs/api.md -->"
BASE = "http://127.0.0.1:8470"
TOKEN_VARIABLE = {
    "read": "$READ_TOKEN",
    "technician": "$TECHNICIAN_TOKEN",
    "admin": "$ADMIN_TOKEN",
    "account": "$USER_TOKEN",
    "pos": "$POS_TOKEN",
}
TAG_TITLES = {
    "core": "Health, metrics and targets",
    "series": "Time series",
    "alerts": "Alerts",
    "tickets": "Tickets",
    "silences": "Silences",
    "pos": "POS terminals",
    "ipam": "IPAM",
    "accounts": "Accounts and API tokens",
}


def _path(operation: Operation) -> str:
    path = operation.path
    for param in operation.params:
        if param.where == "path":
            path = path.replace(f"{{{param.name}}}", str(param.example))
    return path + (f"?{operation.query_example}" if operation.query_example else "")


def curl(operation: Operation) -> str:
    words = ["curl", "-s"]
    if operation.method != "GET":
        words += ["-X", operation.method]
    parts = [" ".join(words)]
    if operation.role in TOKEN_VARIABLE:
        parts.append(f'-H "Authorization: Bearer {TOKEN_VARIABLE[operation.role]}"')
    for param in operation.params:
        if param.where == "header" and param.example is not None:
            parts.append(shlex.quote(f"{param.name}: {param.example}").join(["-H ", ""]))
    if operation.body == "csv":
        parts += ["-H 'Content-Type: text/csv'", "--data-binary @addresses.csv"]
    elif operation.body is not None and operation.example is not None:
        parts += ["-H 'Content-Type: application/json'", f"-d {shlex.quote(json.dumps(operation.example))}"]
    parts.append(shlex.quote(BASE + _path(operation)))
    return " \\\n  ".join(parts) if len(parts) > 2 else " ".join(parts)


def _parameters(op: dict[str, Any]) -> list[str]:
    lines = []
    for param in op.get("parameters", ()):
        schema = param["schema"]
        kind = schema.get("type") or (
            "one of " + ", ".join(map(str, schema["enum"])) if "enum" in schema else "value"
        )
        note = param.get("description", "")
        default = f", default `{schema['default']}`" if "default" in schema else ""
        needed = "required" if param.get("required") else "optional"
        lines.append(f"- `{param['name']}` ({param['in']}, {kind}, {needed}{default}) {note}".rstrip())
    return lines


def _answer(status: int, schema: dict[str, Any] | None, media: str) -> str:
    if schema is None:
        return str(status)
    kind = {"text/csv": "CSV", "text/plain": "text"}.get(media, "JSON object")
    name = schema.get("$ref", "").rsplit("/", 1)[-1] or kind
    return f"{status} `{name}`"


def _section(operation: Operation, op: dict[str, Any]) -> list[str]:
    lines = [
        f"### `{operation.method} {operation.path}`",
        "",
        f"{operation.summary}. Role: {operation.role}.",
        "",
    ]
    params = _parameters(op)
    if params:
        lines += [*params, ""]
    body = op.get("requestBody")
    if body:
        ((media, content),) = body["content"].items()
        schema = content["schema"].get("$ref", "#/string").rsplit("/", 1)[1]
        needed = "required" if body["required"] else "optional"
        lines += [f"Body ({needed}): `{media}`, schema `{schema}`.", ""]
    answers = ", ".join(_answer(a.status, a.schema, a.media) for a in operation.answers)
    lines += [f"Answers: {answers}; errors {', '.join(c for c in op['responses'] if c[0] in '45')}.", ""]
    lines += ["```sh", curl(operation), "```", ""]
    return lines


def render() -> str:
    document = build_document()
    lines = [MARKER, ""]
    for tag, title in TAG_TITLES.items():
        group = [o for o in OPERATIONS if o.tag == tag]
        if not group:
            continue
        lines += [f"## {title}", ""]
        for operation in group:
            lines += _section(operation, document["paths"][operation.path][operation.method.lower()])
    return "\n".join(lines).rstrip() + "\n"


def rewrite(path: Path) -> None:
    """Keep what is above the marker (written by hand), regenerate the rest."""
    text = path.read_text() if path.exists() else ""
    head = text.split(MARKER, 1)[0]
    path.write_text(head + render())


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]))
