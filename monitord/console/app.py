"""The console sub-application: templates, middlewares, static files and every page's routes.

``mount`` adds it under ``/console/`` to the daemon's application. Its middlewares
run inside the API's (header checks, body deadline): HTML error pages first,
then the session check with the CSRF check of every POST. Security headers are
added to every answer by an ``on_response_prepare`` hook.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from monitord.console import (
    ipam_pages,
    overview,
    pos_pages,
    signin,
    silence_pages,
    target_pages,
    ticket_pages,
)
from monitord.console.headers import security_headers
from monitord.console.render import page_errors_middleware
from monitord.console.session import PREFIX, session_middleware

STATIC = Path(__file__).parent / "static"

PageSetup = Callable[[web.Application], None]
PAGE_SETUPS: list[PageSetup] = [
    signin.setup,
    overview.setup,
    ticket_pages.setup,
    target_pages.setup,
    silence_pages.setup,
    ipam_pages.setup,
    pos_pages.setup,
]


def timestamp(value: float | None) -> str:
    """Unix seconds as UTC wall-clock text for a page."""
    if value is None:
        return "-"
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S")


def build_console() -> web.Application:
    console = web.Application(middlewares=[page_errors_middleware, session_middleware])
    environment = aiohttp_jinja2.setup(
        console,
        loader=jinja2.PackageLoader("monitord.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["timestamp"] = timestamp
    console.on_response_prepare.append(security_headers)
    console.router.add_static("/static/", STATIC, follow_symlinks=False)
    for setup in PAGE_SETUPS:
        setup(console)
    return console


async def root(_request: web.Request) -> web.Response:
    """A browser pointed at the daemon lands on the console (which asks it to sign in)."""
    raise web.HTTPFound(f"{PREFIX}/")


def mount(app: web.Application) -> None:
    """Serve the console at ``/console/`` on the daemon's application; ``/`` leads there.

    Neither is part of the JSON API (nor of its OpenAPI document)."""
    app.add_subapp(PREFIX, build_console())
    app.router.add_get("/", root)
