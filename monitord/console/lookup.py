"""The services a page uses, found the way the JSON API finds them.

The console is a sub-application, so ``request.app`` is the console app; typed
keys are looked up through ``request.config_dict``, which reaches the daemon's
application where the runtime, the services and the IPAM allocator live.
"""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from monitord.api.keys import RUNTIME_KEY, SERVICE_KEYS
from monitord.errors import NotFoundError
from monitord.runtime import Runtime

T = TypeVar("T")


def service(request: web.Request, key: web.AppKey[T]) -> T:
    """The running service under ``key``; a 404 naming the switch when it is not running."""
    found = request.config_dict.get(key)
    if found is None:
        described = SERVICE_KEYS.get(key)  # type: ignore[arg-type]
        if described is None:
            raise NotFoundError("this part of the daemon is not running")
        _kind, what, field = described
        raise NotFoundError(f"{what} is not running (see {field} in the configuration)", field=field)
    return found


def optional(request: web.Request, key: web.AppKey[T]) -> T | None:
    """The service under ``key``, or None when that subsystem is off (a page shows less)."""
    return request.config_dict.get(key)


def runtime(request: web.Request) -> Runtime:
    return request.config_dict[RUNTIME_KEY]
