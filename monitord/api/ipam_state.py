"""The IPAM allocator the HTTP routes share: one per application, with its free-index cache."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
from aiohttp import web
from sqlalchemy.exc import DBAPIError, IntegrityError

from monitord.api.errors import ClientGone, client_gone
from monitord.api.keys import RUNTIME_KEY
from monitord.errors import ConflictError, RequestError
from monitord.ipam.allocator import Allocator
from monitord.ipam.metrics import AllocationMetrics
from monitord.ipam.pinger import EnginePinger

ALLOCATOR_KEY = web.AppKey("ipam_allocator", Allocator)
METRICS_KEY = web.AppKey("ipam_metrics", AllocationMetrics)
log = logging.getLogger("monitord.ipam.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def allocator_of(request: web.Request) -> Allocator:
    return request.app[ALLOCATOR_KEY]


async def allocator_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the allocator with the state store; ``check`` pings through the shared ICMP engine."""
    runtime = app[RUNTIME_KEY]
    pinger = EnginePinger(shared=runtime.icmp)
    app[ALLOCATOR_KEY] = Allocator(runtime.state.engine, pinger, runtime.loaded.config.ipam.check_timeout)
    app[METRICS_KEY] = AllocationMetrics(runtime.registry)
    yield
    await pinger.close()


def guarded(handler: Handler, *, network_errors: bool = True) -> Handler:
    """Database trouble becomes a JSON 503 (or 409 for a constraint), never a 500.

    ``network_errors=False`` for streaming handlers, where an OSError is the
    client going away mid-response rather than the database.
    """
    database: tuple[type[BaseException], ...] = (DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError)
    caught: tuple[type[BaseException], ...] = (*database, OSError) if network_errors else database

    @functools.wraps(handler)
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except RequestError:
            raise  # incl. a body timeout, which is also a TimeoutError (an OSError)
        except IntegrityError:
            raise ConflictError("the change conflicts with one written at the same time; retry") from None
        except OverflowError:
            # A number too big for the database driver (SQLite's 64-bit integers) is bad input.
            raise RequestError("a number in the request is too large", status=422) from None
        except caught as exc:
            if isinstance(exc, ConnectionResetError) and client_gone(request):
                raise ClientGone from None  # the client hung up mid-body: not the database
            log.warning(
                "IPAM request %s %s failed on the state database: %s", request.method, request.path, exc
            )
            raise RequestError(
                f"the state database is unavailable or busy ({type(exc).__name__}); retry", status=503
            ) from None

    return run
