"""Bearer tokens with roles: ``read`` for queries, ``technician`` to open repair requests and
log work on tickets, ``admin`` for every change.

Tokens are compared in constant time; the identity a handler gets carries the
token's *name* (for audit logs), never its value.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from monitord.config.http import ApiToken
from monitord.errors import RequestError

Role = Literal["read", "technician", "admin"]
_RANK = {"read": 1, "technician": 2, "admin": 3}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who made a request: the token's name and role."""

    name: str
    role: Role


class Unauthorized(RequestError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=401)


class Forbidden(RequestError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=403)


class TokenTable:
    """The configured tokens, checked in constant time."""

    def __init__(self, tokens: list[ApiToken]) -> None:
        self._tokens = [(t.token.get_secret_value().encode(), Identity(t.name, t.role)) for t in tokens]

    def __repr__(self) -> str:
        return f"TokenTable({len(self._tokens)} tokens)"

    @property
    def empty(self) -> bool:
        return not self._tokens

    def identify(self, presented: str) -> Identity | None:
        # aiohttp decodes headers with surrogateescape; undecodable bytes must not raise.
        candidate = presented.encode("utf-8", "surrogateescape")
        found: Identity | None = None
        for value, identity in self._tokens:
            if hmac.compare_digest(value, candidate):
                found = identity
        return found


TOKENS_KEY = web.AppKey("tokens", TokenTable)


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require(request: web.Request, role: Role) -> Identity:
    """The caller's identity, or a 401/403 JSON error.

    Reads are open when no tokens are configured (the listener is loopback by
    default); changes always need an admin token.
    """
    table = request.app[TOKENS_KEY]
    presented = bearer(request)
    if presented is None:
        if role == "read" and table.empty:
            return Identity("anonymous", "read")
        raise Unauthorized("missing bearer token (Authorization: Bearer TOKEN)")
    identity = table.identify(presented)
    if identity is None:
        raise Unauthorized("invalid token")
    if _RANK[identity.role] < _RANK[role]:
        raise Forbidden(f"token {identity.name!r} has role {identity.role}; this needs {role}")
    return identity
