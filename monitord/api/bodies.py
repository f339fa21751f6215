"""Parsing request bodies and query strings into pydantic models, with 4xx on bad input.

Bodies are validated in pydantic's strict JSON mode: ``"check": "yes"`` is not
``true`` and ``"5"`` is not ``5`` (a typo must not be taken as a yes). NUL is
refused anywhere in a body or query string before any model sees it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from monitord.api.errors import ClientGone
from monitord.config.resolve import validation_problems
from monitord.errors import RequestError
from monitord.inputs import control_character, find_nul

M = TypeVar("M", bound=BaseModel)


def _invalid(exc: ValidationError) -> RequestError:
    problems = validation_problems(exc)
    path, message = problems[0] if problems else ("", "invalid input")
    text = "; ".join(f"{p}: {m}" if p else m for p, m in problems)
    return RequestError(text or message, field=path or None, status=422)


async def read_json(request: web.Request, model: type[M]) -> M:
    """The body as ``model``; 415/400/413/422 JSON errors for anything else."""
    if request.content_type != "application/json":
        raise RequestError("send a JSON body with Content-Type: application/json", status=415)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestError("request body too large", status=413) from None
    except ConnectionResetError:
        raise ClientGone from None
    try:
        document: Any = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise RequestError("body is nested too deeply") from None
    if not isinstance(document, dict):
        raise RequestError("body must be a JSON object")
    nul_at = find_nul(document)
    if nul_at is not None:
        raise RequestError(f"{nul_at}: must not contain NUL", field=nul_at, status=422)
    try:
        # Strict JSON mode (booleans are booleans); the bytes again, as json.loads accepted them.
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise _invalid(exc) from None


def read_query(query: Mapping[str, str], model: type[M]) -> M:
    """Query-string parameters as ``model``; unknown or bad parameters are 400/422."""
    for key, value in query.items():
        char = control_character(key + value)
        if char is not None:
            field = key if control_character(key) is None else None
            raise RequestError(
                f"query parameter {key!r}: must not contain control characters", field=field, status=422
            )
    try:
        return model.model_validate(dict(query))
    except ValidationError as exc:
        raise _invalid(exc) from None
