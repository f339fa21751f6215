"""Building the aiohttp application: middlewares, typed state and every route module.

Route modules each expose ``setup(app)``; adding an API area is one module plus
one line in ``ROUTE_SETUPS``. Handlers reach the daemon through ``DAEMON_KEY``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from monitord.api import alerts_routes, core_routes, ipam_routes, openapi, pos_routes, series_routes
from monitord.api.auth import TOKENS_KEY, TokenTable
from monitord.api.edges import BODY_TIMEOUT_KEY, edge_middleware
from monitord.api.errors import REJECTS_KEY, error_middleware
from monitord.api.rejects import RejectLog
from monitord.api.server import GuardedAppRunner, HttpLimits

if TYPE_CHECKING:
    from monitord.daemon import Daemon

RouteSetup = Callable[[web.Application], None]

ROUTE_SETUPS: list[RouteSetup] = [
    core_routes.setup,
    alerts_routes.setup,
    series_routes.setup,
    pos_routes.setup,
    ipam_routes.setup,
    openapi.setup,
]


def build_app(daemon: Daemon) -> web.Application:
    from monitord.api.keys import DAEMON_KEY

    config = daemon.loaded.config.http
    # error_middleware first (outermost), so the edge checks' 400s become JSON too.
    app = web.Application(middlewares=[error_middleware, edge_middleware],
                          client_max_size=config.max_body_bytes)
    app[DAEMON_KEY] = daemon
    # The handlers' 4xx lines have a budget of their own, apart from the server edge's.
    app[REJECTS_KEY] = RejectLog(logging.getLogger("monitord.api.rejects"))
    app[BODY_TIMEOUT_KEY] = config.body_timeout
    app[TOKENS_KEY] = TokenTable(config.tokens)
    for setup in ROUTE_SETUPS:
        setup(app)
    return app


def build_runner(daemon: Daemon) -> web.AppRunner:
    """The application behind a ``GuardedServer``: timeouts, connection caps, quiet JSON errors."""
    rejects = RejectLog(logging.getLogger("monitord.api.rejects"))
    limits = HttpLimits.from_config(daemon.loaded.config.http)
    return GuardedAppRunner(build_app(daemon), limits, rejects)
