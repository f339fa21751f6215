"""Behind a reverse proxy: the client's address and scheme from X-Forwarded-For/-Proto.

Only a peer listed in ``http.trusted_proxies`` is believed; from anyone else
the headers are ignored (a client could otherwise put any address it likes in
the audit log, or claim https on a plain connection). The
client is the right-most address in X-Forwarded-For that is not itself a
trusted proxy (each proxy appends the address it saw, so addresses left of an
untrusted one may be forged). The scheme is the last X-Forwarded-Proto value
(``http`` or ``https``, anything else is ignored). Handlers and the console
then read ``request.remote`` and ``request.secure`` as if there were no proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TRUSTED_PROXIES_KEY = web.AppKey("trusted_proxies", tuple)
MAX_HOPS = 32  # a longer X-Forwarded-For is someone padding it; only this many are read


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    candidate = text.strip().strip('"')
    if candidate.startswith("[") and "]" in candidate:  # [v6]:port
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # v4:port
        candidate = candidate.partition(":")[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def trusted(address: str | None, proxies: Sequence[IpNetwork]) -> bool:
    parsed = _address(address) if address else None
    return parsed is not None and any(parsed in network for network in proxies)


def client_address(peer: str, forwarded_for: list[str], proxies: Sequence[IpNetwork]) -> str:
    """The right-most hop that is not a trusted proxy (or the left-most when all are)."""
    hops = [h for part in forwarded_for for h in part.split(",")][-MAX_HOPS:]
    client = peer
    for hop in reversed(hops):
        parsed = _address(hop)
        if parsed is None:
            break  # garbage: stop believing anything further left
        client = str(parsed)
        if not any(parsed in network for network in proxies):
            break
    return client


@web.middleware
async def forwarded_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    proxies: tuple[IpNetwork, ...] = request.app[TRUSTED_PROXIES_KEY]
    peer = request.remote
    if not proxies or peer is None or not trusted(peer, proxies):
        return await handler(request)
    forwarded_for = request.headers.getall("X-Forwarded-For", [])
    remote = client_address(peer, forwarded_for, proxies) if forwarded_for else peer
    protos = [
        p.strip().lower() for part in request.headers.getall("X-Forwarded-Proto", []) for p in part.split(",")
    ]
    scheme = protos[-1] if protos and protos[-1] in ("http", "https") else request.scheme
    if remote == peer and scheme == request.scheme:
        return await handler(request)
    return await handler(request.clone(remote=remote, scheme=scheme))
