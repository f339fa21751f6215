"""Posted forms read into the same pydantic models the JSON API validates with.

An empty field means "not given" (a browser sends every input); the CSRF field is
the middleware's. A form that does not validate is a 422 page naming the field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from monitord.console.session import CSRF_FIELD
from monitord.errors import RequestError

M = TypeVar("M", bound=BaseModel)


def problem(exc: ValidationError) -> RequestError:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    return RequestError(f"{field}: {message}" if field else message, field=field, status=422)


async def form_fields(request: web.Request) -> dict[str, str]:
    """Text fields of the posted form that have a value (files and the CSRF token left out)."""
    form = await request.post()
    return {
        key: value
        for key, value in form.items()
        if isinstance(value, str) and value != "" and key != CSRF_FIELD
    }


def validated(model: type[M], values: dict[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise problem(exc) from None


async def read_form(request: web.Request, model: type[M], *, keep: tuple[str, ...] = ()) -> M:
    """The form as ``model``; fields outside ``model`` are ignored unless listed in ``keep``."""
    fields = await form_fields(request)
    names = set(model.model_fields) | set(keep)
    return validated(model, {key: value for key, value in fields.items() if key in names})
