"""Sign-in sessions for the web console: a random token in a cookie, stored as a digest.

``open`` issues a token (256 random bits, shown once, stored as its SHA-256)
and a CSRF token for the session's forms. ``resolve`` answers the session's
principal re-read from the account on every call, so a role change or a
disabled account takes effect on the next request; it answers None for a
session that has expired (``accounts.session_lifetime`` after sign-in, or
``accounts.session_idle`` after its last use), was closed, or whose account is
disabled. ``close`` is sign-out. Cookies themselves are the console's business.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from monitord.accounts import audit
from monitord.accounts.account import check_role
from monitord.accounts.principal import Principal
from monitord.accounts.tables import account_sessions, accounts
from monitord.clock import Clock, SystemClock
from monitord.config.accounts import AccountsConfig
from monitord.store.engine import StateStore

SEEN_PRECISION = 30.0  # seconds: last_seen_at is written at most this often per session
KEEP_CLOSED = 86400.0  # expired and closed sessions are deleted this long after their end
MAX_TOKEN = 256  # a longer cookie value is no token of ours; it is not hashed


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A session just opened: ``token`` goes into the cookie and is never stored as such."""

    token: str
    csrf: str
    expires_at: float
    principal: Principal

    def __repr__(self) -> str:
        return f"IssuedSession(principal={self.principal!r}, expires_at={self.expires_at})"


@dataclass(frozen=True, slots=True)
class OpenSession:
    """A live session: who it is now, its forms' CSRF token, and when it ends at the latest."""

    principal: Principal
    csrf: str
    expires_at: float

    def __repr__(self) -> str:
        return f"OpenSession(principal={self.principal!r}, expires_at={self.expires_at})"


class Sessions:
    def __init__(
        self,
        store: StateStore,
        settings: Callable[[], AccountsConfig] = AccountsConfig,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock: Clock = clock or SystemClock()

    def __repr__(self) -> str:
        return f"Sessions({self.store.dialect})"

    async def open(self, principal: Principal, source: str) -> IssuedSession:
        """A new session for ``principal`` (just authenticated)."""
        now = self.clock.now()
        lifetime = self.settings().session_lifetime
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        async with self.store.engine.begin() as conn:
            await conn.execute(
                delete(account_sessions).where(account_sessions.c.expires_at < now - KEEP_CLOSED)
            )
            await conn.execute(
                account_sessions.insert().values(
                    digest=_digest(token),
                    account=principal.name,
                    csrf=csrf,
                    source=source[:128],
                    created_at=now,
                    expires_at=now + lifetime,
                    last_seen_at=now,
                    closed_at=None,
                )
            )
        return IssuedSession(token, csrf, now + lifetime, principal)

    async def resolve(self, token: str) -> OpenSession | None:
        """The live session behind ``token``, with the account's current role; None otherwise."""
        if not token or len(token) > MAX_TOKEN:
            return None
        now = self.clock.now()
        key = _digest(token)
        query = (
            select(
                account_sessions.c.csrf,
                account_sessions.c.expires_at,
                account_sessions.c.last_seen_at,
                accounts.c.name,
                accounts.c.display_name,
                accounts.c.role,
            )
            .join(accounts, accounts.c.name == account_sessions.c.account)
            .where(
                account_sessions.c.digest == key,
                account_sessions.c.closed_at.is_(None),
                account_sessions.c.expires_at > now,
                accounts.c.enabled.is_(True),
            )
        )
        async with self.store.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        if now - row.last_seen_at >= self.settings().session_idle:
            return None
        if now - row.last_seen_at >= SEEN_PRECISION:
            async with self.store.engine.begin() as conn:
                await conn.execute(
                    update(account_sessions).where(account_sessions.c.digest == key).values(last_seen_at=now)
                )
        principal = Principal(row.name, row.display_name, check_role(row.role))
        return OpenSession(principal, row.csrf, float(row.expires_at))

    async def close(self, token: str, source: str = "") -> None:
        """Sign out: the session ends now (closing an unknown or closed one does nothing)."""
        if not token or len(token) > MAX_TOKEN:
            return
        now = self.clock.now()
        key = _digest(token)
        async with self.store.engine.begin() as conn:
            account = (
                await conn.execute(
                    select(account_sessions.c.account).where(
                        account_sessions.c.digest == key, account_sessions.c.closed_at.is_(None)
                    )
                )
            ).scalar()
            if account is None:
                return
            await conn.execute(
                update(account_sessions).where(account_sessions.c.digest == key).values(closed_at=now)
            )
            await audit.record(conn, now, account, "sign-out", account, source or "console")
