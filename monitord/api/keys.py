"""Typed application keys: the runtime context and each subsystem's service, one way for all.

The daemon stores the runtime under ``RUNTIME_KEY`` and every running component
that routes talk to under its own key (``SERVICE_KEYS``). A route asks for its
service with ``service_of``; when that subsystem is not running, every area
answers the same 404 JSON naming the configuration field that turns it on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from aiohttp import web

from alerts.service import AlertService
from monitord.accounts.service import Accounts
from monitord.accounts.sessions import Sessions
from monitord.errors import NotFoundError
from monitord.ipam.service import ReconcileService
from monitord.pos.service import PosService
from monitord.runtime import Runtime
from monitord.tsdb.store import SeriesStore

RUNTIME_KEY = web.AppKey("runtime", Runtime)
ALERTS_KEY = web.AppKey("alerts", AlertService)
POS_KEY = web.AppKey("pos", PosService)
RECONCILE_KEY = web.AppKey("ipam_reconcile", ReconcileService)
SERIES_KEY = web.AppKey("series", SeriesStore)
# Always present (built from the runtime's state store in ``app.build_app``).
ACCOUNTS_KEY = web.AppKey("accounts", Accounts)
SESSIONS_KEY = web.AppKey("sessions", Sessions)

T = TypeVar("T")

# key -> (its type, what the subsystem is, the configuration field that turns it on)
SERVICE_KEYS: dict[web.AppKey[object], tuple[type, str, str]] = {
    ALERTS_KEY: (AlertService, "the alert engine", "alerts.enabled"),  # type: ignore[dict-item]
    POS_KEY: (PosService, "POS monitoring", "pos.stores"),  # type: ignore[dict-item]
    RECONCILE_KEY: (ReconcileService, "IPAM reconciliation", "ipam.reconcile"),  # type: ignore[dict-item]
    SERIES_KEY: (SeriesStore, "the embedded series store", "storage.embedded.enabled"),  # type: ignore[dict-item]
}


def register_components(app: web.Application, components: Iterable[object]) -> None:
    """Put each running component that a route serves under its key."""
    for component in components:
        for key, (kind, _what, _field) in SERVICE_KEYS.items():
            if isinstance(component, kind):
                app[key] = component


def service_of(request: web.Request, key: web.AppKey[T]) -> T:
    """The running service under ``key``; a 404 naming the switch when it is not running."""
    found = request.app.get(key)
    if found is None:
        _kind, what, field = SERVICE_KEYS[key]  # type: ignore[index]
        raise NotFoundError(f"{what} is not running (see {field} in the configuration)", field=field)
    return found


def accounts_of(request: web.Request) -> Accounts:
    return request.app[ACCOUNTS_KEY]


def sessions_of(request: web.Request) -> Sessions:
    return request.app[SESSIONS_KEY]


def runtime_of(request: web.Request) -> Runtime:
    return request.app[RUNTIME_KEY]
