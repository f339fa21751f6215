"""Building the aiohttp application: middlewares, typed state and every route module.

Route modules each expose ``setup(app)``; adding an API area is one module plus
one line in ``ROUTE_SETUPS``. Handlers reach the runtime context through
``RUNTIME_KEY`` and each subsystem's service through its own key (``keys``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from aiohttp import web

from monitord.accounts.service import Accounts
from monitord.accounts.sessions import Sessions
from monitord.api import (
    accounts_routes,
    alerts_routes,
    assets_routes,
    cluster_routes,
    core_routes,
    ipam_routes,
    openapi,
    pos_routes,
    repairs_routes,
    reports_routes,
    series_routes,
)
from monitord.api.auth import TOKENS_KEY, TokenTable, auth_middleware
from monitord.api.edges import BODY_TIMEOUT_KEY, edge_middleware
from monitord.api.errors import REJECTS_KEY, error_middleware
from monitord.api.forwarded import TRUSTED_PROXIES_KEY, forwarded_middleware
from monitord.api.keys import ACCOUNTS_KEY, RUNTIME_KEY, SESSIONS_KEY, register_components
from monitord.api.rejects import RejectLog
from monitord.api.server import GuardedAppRunner, HttpLimits
from monitord.runtime import Runtime

RouteSetup = Callable[[web.Application], None]

ROUTE_SETUPS: list[RouteSetup] = [
    core_routes.setup,
    alerts_routes.setup,
    repairs_routes.setup,
    series_routes.setup,
    pos_routes.setup,
    ipam_routes.setup,
    reports_routes.setup,
    assets_routes.setup,
    cluster_routes.setup,
    accounts_routes.setup,
    openapi.setup,
]


def build_app(
    runtime: Runtime, components: Iterable[object] = (), extensions: Iterable[RouteSetup] = ()
) -> web.Application:
    """The application over ``runtime``; ``components`` are the running services and stores
    routes talk to (each lands under its own typed key); ``extensions`` mount what sits above
    the API (the console, which imports the API and so cannot be imported by it)."""
    config = runtime.loaded.config.http
    # error_middleware first (outermost), so the edge checks' 400s become JSON too.
    app = web.Application(
        middlewares=[error_middleware, edge_middleware, forwarded_middleware, auth_middleware],
        client_max_size=config.max_body_bytes,
    )
    app[RUNTIME_KEY] = runtime
    register_components(app, components)
    # The handlers' 4xx lines have a budget of their own, apart from the server edge's.
    app[REJECTS_KEY] = RejectLog(logging.getLogger("monitord.api.rejects"))
    app[BODY_TIMEOUT_KEY] = config.body_timeout
    app[TOKENS_KEY] = TokenTable(config.tokens)
    app[TRUSTED_PROXIES_KEY] = tuple(config.trusted_proxies)
    app[ACCOUNTS_KEY] = Accounts(runtime.state, lambda: runtime.loaded.config.accounts, runtime.clock)
    app[SESSIONS_KEY] = Sessions(runtime.state, lambda: runtime.loaded.config.accounts, runtime.clock)
    for setup in ROUTE_SETUPS:
        setup(app)
    for extend in extensions:
        extend(app)
    return app


def build_runner(
    runtime: Runtime, components: Iterable[object] = (), extensions: Iterable[RouteSetup] = ()
) -> web.AppRunner:
    """The application behind a ``GuardedServer``: timeouts, connection caps, quiet JSON errors."""
    rejects = RejectLog(logging.getLogger("monitord.api.rejects"))
    limits = HttpLimits.from_config(runtime.loaded.config.http)
    return GuardedAppRunner(build_app(runtime, components, extensions), limits, rejects)
