"""Parsing request bodies and query strings into pydantic models, with 4xx on bad input."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from monitord.api.errors import ClientGone
from monitord.config.resolve import validation_problems
from monitord.errors import RequestError

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
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise _invalid(exc) from None


def read_query(query: Mapping[str, str], model: type[M]) -> M:
    """Query-string parameters as ``model``; unknown or bad parameters are 400/422."""
    try:
        return model.model_validate(dict(query))
    except ValidationError as exc:
        raise _invalid(exc) from None
