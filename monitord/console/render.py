"""Rendering a page: the template, who is signed in, the CSRF token, and HTML error pages.

Jinja autoescapes everything (``aiohttp_jinja2.setup(..., autoescape=True)``), so a
name, note or piece of evidence is text on the page, never markup. Only the
context built here reaches a template: the principal (name, display name, role),
never the session token, password hashes or a contact's apprise URL.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from monitord.console.session import SESSION
from monitord.errors import RequestError

log = logging.getLogger("monitord.console")

# (path, label, the section name templates use to mark the current page)
NAVIGATION = (
    ("/console/", "Overview", "overview"),
    ("/console/tickets", "Tickets", "tickets"),
    ("/console/silences", "Silences", "silences"),
    ("/console/ipam", "IPAM", "ipam"),
    ("/console/pos", "POS", "pos"),
)


def render(
    request: web.Request, template: str, context: Mapping[str, Any], *, status: int = 200
) -> web.Response:
    session = request.get(SESSION)
    base: dict[str, Any] = {
        "me": session.principal if session is not None else None,
        "csrf": session.csrf if session is not None else "",
        "navigation": NAVIGATION,
        "section": "",
    }
    base.update(context)
    return aiohttp_jinja2.render_template(template, request, base, status=status)


def see_other(location: str) -> web.Response:
    """303 after a POST: the browser loads ``location`` with a GET (a reload does not re-post)."""
    return web.Response(status=303, headers={"Location": location})


def error_page(request: web.Request, status: int, message: str, field: str | None = None) -> web.Response:
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "field": field, "title": f"Error {status}"},
        status=status,
    )


@web.middleware
async def page_errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A refused action or a bad form is an HTML page saying why, never JSON or a traceback."""
    try:
        return await handler(request)
    except RequestError as exc:
        return error_page(request, exc.status, str(exc), exc.field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_page(request, exc.status, exc.reason)
    except Exception:
        log.exception("console page %s %s failed", request.method, request.path)
        return error_page(request, 500, "internal error (the daemon's log says more)")
