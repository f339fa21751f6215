"""Who is asking: configured bearer tokens, per-user API tokens, and roles.

Roles are the accounts' (``monitord.accounts.principal``): viewer < technician
< admin. A configured ``read`` token acts as a viewer and an ``admin`` token as
an admin. A per-user token (``mdu_...``, issued by ``monitord users token`` or
the API) acts as its owner, with the lower of its own and the owner's current
role, so the audit log and ticket history name the person.

``auth_middleware`` works out the identity once per request (a user token is
one indexed lookup, skipped unless the value has the user-token prefix);
handlers call ``require(request, role)``, which answers 401 or 403 JSON.
Configured tokens are compared in constant time; an identity carries a name,
never a token value.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from monitord.accounts.principal import RANK, Principal, Role
from monitord.accounts.tokens import PREFIX as USER_TOKEN_PREFIX
from monitord.api.keys import ACCOUNTS_KEY
from monitord.config.http import ApiToken
from monitord.errors import RequestError

log = logging.getLogger("monitord.api.auth")
Needed = Literal["read", "viewer", "technician", "admin"]
Via = Literal["config-token", "user-token", "session", "anonymous"]
CONFIG_ROLES: dict[str, Role] = {"read": "viewer", "technician": "technician", "admin": "admin"}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who made a request: a token's or an account's name, its role, and how it was shown."""

    name: str
    role: Role
    via: Via = "config-token"

    def can(self, needed: Needed) -> bool:
        return RANK[self.role] >= RANK["viewer" if needed == "read" else needed]

    @property
    def is_account(self) -> bool:
        """True when ``name`` is an account (a user token or a signed-in session)."""
        return self.via in ("user-token", "session")

    @classmethod
    def of(cls, principal: Principal, via: Via) -> Identity:
        return cls(principal.name, principal.role, via)


class Unauthorized(RequestError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=401)


class Forbidden(RequestError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=403)


class TokenTable:
    """The configured tokens, checked in constant time."""

    def __init__(self, tokens: list[ApiToken]) -> None:
        self._tokens = [
            (t.token.get_secret_value().encode(), Identity(t.name, CONFIG_ROLES[t.role])) for t in tokens
        ]

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
# The Identity the middleware (or the console, for a signed-in session) found for a request.
IDENTITY = web.RequestKey("identity", Identity)
# A bearer value that named no one: remembered so ``require`` answers 401 "invalid token".
_REFUSED = web.RequestKey("identity_refused", bool)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def identify(request: web.Request) -> Identity | None:
    """The identity behind the request's bearer token, or None (no token, or an unknown one)."""
    presented = bearer(request)
    if presented is None:
        return None
    found = request.app[TOKENS_KEY].identify(presented)
    if found is None and presented.startswith(USER_TOKEN_PREFIX):
        accounts = request.app.get(ACCOUNTS_KEY)
        try:
            principal = await accounts.tokens.identify(presented) if accounts is not None else None
        except (SQLAlchemyError, OSError) as exc:
            log.warning("checking a user token failed on the state database: %s", exc)
            raise RequestError(
                f"the state database is unavailable or busy ({type(exc).__name__}); retry", status=503
            ) from None
        if principal is not None:
            found = Identity.of(principal, "user-token")
    return found


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the caller once, before the handler; the handler decides what it needs."""
    if IDENTITY not in request and bearer(request) is not None:
        found = await identify(request)
        if found is None:
            request[_REFUSED] = True
        else:
            request[IDENTITY] = found
    return await handler(request)


def set_identity(request: web.Request, identity: Identity) -> None:
    """For the console: the signed-in person acts through the same checks as a token."""
    request[IDENTITY] = identity


def require(request: web.Request, role: Needed) -> Identity:
    """The caller's identity, or a 401/403 JSON error.

    Reads are open when no tokens are configured (the listener is loopback by
    default); every change needs a token (or a session) with the role.
    """
    identity: Identity | None = request.get(IDENTITY)
    if identity is None:
        if request.get(_REFUSED):
            raise Unauthorized("invalid token")
        if role in ("read", "viewer") and request.app[TOKENS_KEY].empty:
            return Identity("anonymous", "viewer", "anonymous")
        raise Unauthorized("missing bearer token (Authorization: Bearer TOKEN)")
    if not identity.can(role):
        raise Forbidden(f"{identity.name!r} has role {identity.role}; this needs {role}")
    return identity
