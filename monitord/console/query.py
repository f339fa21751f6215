"""Query strings of console pages, validated like the API's (a bad one is a 422 page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel

from monitord.console.forms import validated

M = TypeVar("M", bound=BaseModel)


def read_page_query(query: Mapping[str, str], model: type[M]) -> M:
    """Known parameters with a value; unknown ones are ignored (a bookmarked old link still opens)."""
    names = set(model.model_fields)
    return validated(model, {k: v for k, v in query.items() if v != "" and k in names})


def page_numbers(total: int, per_page: int, page: int) -> tuple[int, int, int]:
    """(first index, last index exclusive, number of pages) for a 1-based ``page``."""
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    first = (page - 1) * per_page
    return first, min(total, first + per_page), pages
