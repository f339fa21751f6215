"""Accounts: creating and changing them, and checking a sign-in (with lockout).

The one way into the accounts tables for the API, the console and the CLI.
Every change and every sign-in attempt writes an audit entry in the same
transaction as the change itself. ``actor`` is who acts (an account name, a
configured token's name, or ``cli``); ``source`` is where from (a client
address, or ``cli``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Literal, NoReturn

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from monitord.accounts import audit, lockout
from monitord.accounts.account import (
    NAME_PATTERN,
    Account,
    account_of,
    check_contacts,
    check_display_name,
    check_name,
    check_role,
    normal_name,
)
from monitord.accounts.passwords import Passwords, check_strength, needs_rehash
from monitord.accounts.principal import Principal, Role
from monitord.accounts.tables import account_sessions, accounts
from monitord.accounts.tokens import UserTokens
from monitord.clock import Clock, SystemClock
from monitord.config.accounts import AccountsConfig, LockoutConfig
from monitord.errors import ConflictError, MonitordError, NotFoundError, RequestError
from monitord.store.engine import StateStore

log = logging.getLogger("monitord.accounts")
# ``Accounts.list`` shadows the built-in inside the class body.
Strings = list[str]
Entries = list[dict[str, Any]]

INVALID_NAME = "(invalid name)"
Reason = Literal["bad-credentials", "locked", "disabled"]
_MESSAGES: dict[Reason, str] = {
    "bad-credentials": "wrong account name or password",
    "locked": "too many failed sign-ins for this name; try again later",
    "disabled": "this account is disabled",
}


class SignInRefused(MonitordError):
    """A sign-in was refused; ``retry_after`` (seconds) is set while the name is locked."""

    def __init__(self, reason: Reason, retry_after: float | None = None) -> None:
        super().__init__(_MESSAGES[reason])
        self.reason: Reason = reason
        self.retry_after = retry_after


def _invalid(field: str, exc: ValueError) -> RequestError:
    return RequestError(str(exc), field=field, status=422)


class Accounts:
    """Accounts in the state store; ``settings`` returns the ``accounts:`` configuration in force."""

    def __init__(
        self,
        store: StateStore,
        settings: Callable[[], AccountsConfig] = AccountsConfig,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.passwords = Passwords()
        self.tokens = UserTokens(store, self.clock)

    def __repr__(self) -> str:
        return f"Accounts({self.store.dialect})"

    # -- signing in ------------------------------------------------------------------------

    async def authenticate(self, name: str, password: str, source: str) -> Principal:
        """The principal for a right name and password; ``SignInRefused`` otherwise.

        A locked name is refused before its password is checked. A wrong password
        counts a failure (and may start a lock); a right one clears the count.
        """
        config = self.settings().lockout
        # A name no account could have (NUL, control characters...) is counted under one
        # placeholder: it still costs a hash check and a failure, and nothing odd is stored.
        tried = normal_name(name)
        if not NAME_PATTERN.match(tried):
            tried = INVALID_NAME
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            until = await lockout.locked_until(conn, tried, now)
            if until is not None:
                await audit.record(conn, now, tried, "sign-in-locked", tried, source, {"until": until})
        if until is not None:
            raise SignInRefused("locked", retry_after=until - now)
        row = await self._row(tried) if tried != INVALID_NAME else None
        stored = row["password_hash"] if row is not None else None
        if not await self.passwords.verify(stored, password):
            await self._failed(tried, source, config)
        assert row is not None and stored is not None  # verify() is False without a stored hash
        now = self.clock.now()
        enabled = bool(row["enabled"])
        async with self.store.engine.begin() as conn:
            if enabled:
                await lockout.clear(conn, tried)
            await audit.record(conn, now, tried, "sign-in" if enabled else "sign-in-disabled", tried, source)
        if not enabled:
            raise SignInRefused("disabled")
        if needs_rehash(stored):
            await self._store_hash(tried, await self.passwords.hash(password))
        return account_of(dict(row)).principal

    async def _failed(self, tried: str, source: str, config: LockoutConfig) -> NoReturn:
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            failure = await lockout.count_failure(conn, tried, now, config)
            await audit.record(
                conn, now, tried, "sign-in-failed", tried, source, {"failures": failure.failures}
            )
            if failure.locked_for:
                await audit.record(
                    conn,
                    now,
                    tried,
                    "lockout",
                    tried,
                    source,
                    {"failures": failure.failures, "seconds": failure.locked_for},
                )
            await lockout.forget_stale(conn, now, config)
        if failure.locked_for:
            log.warning(
                "account name %r locked for %gs after %d failed sign-ins (last from %s)",
                tried,
                failure.locked_for,
                failure.failures,
                source,
            )
        raise SignInRefused("bad-credentials", retry_after=failure.locked_for or None)

    # -- reading ---------------------------------------------------------------------------

    async def _row(self, name: str) -> Any:
        async with self.store.engine.connect() as conn:
            return (await conn.execute(select(accounts).where(accounts.c.name == name))).mappings().first()

    async def get(self, name: str) -> Account | None:
        wanted = normal_name(name)
        if not NAME_PATTERN.match(wanted):
            return None  # no account has it; the database never sees it (NUL, control characters)
        row = await self._row(wanted)
        return None if row is None else account_of(dict(row))

    async def list(self) -> list[Account]:
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(select(accounts).order_by(accounts.c.name))).mappings().all()
        return [account_of(dict(row)) for row in rows]

    async def require(self, name: str) -> Account:
        """The account, or a 404 naming it."""
        found = await self.get(name)
        if found is None:
            raise NotFoundError(f"no account named {normal_name(name)[:64]!r}", field="name")
        return found

    # -- changing --------------------------------------------------------------------------

    async def add(
        self,
        name: str,
        display_name: str,
        role: str,
        password: str | None,
        *,
        contacts: Strings | None = None,
        actor: str,
        source: str,
    ) -> Account:
        """A new enabled account; without a password it cannot sign in until one is set."""
        try:
            cleaned = check_name(name)
        except ValueError as exc:
            raise _invalid("name", exc) from None
        try:
            shown = check_display_name(display_name or cleaned)
        except ValueError as exc:
            raise _invalid("display_name", exc) from None
        checked_role = self._role(role)
        urls = await self._contacts(contacts or [])
        hashed = None if password is None else await self.passwords.hash(self._strong(password))
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            exists = (await conn.execute(select(accounts.c.name).where(accounts.c.name == cleaned))).first()
            if exists:
                raise ConflictError(f"an account named {cleaned!r} exists already", field="name")
            await conn.execute(
                accounts.insert().values(
                    name=cleaned,
                    display_name=shown,
                    role=checked_role,
                    enabled=True,
                    password_hash=hashed,
                    contacts=urls,
                    created_at=now,
                    updated_at=now,
                )
            )
            detail = {"role": checked_role, "contacts": len(urls), "password": hashed is not None}
            await audit.record(conn, now, actor, "account-added", cleaned, source, detail)
        log.info("account %r (%s) added by %s", cleaned, checked_role, actor)
        return await self.require(cleaned)

    async def set_password(self, name: str, password: str, *, actor: str, source: str) -> None:
        """A new password; the account's open sessions end (signed in elsewhere: sign in again)."""
        account = await self.require(name)
        hashed = await self.passwords.hash(self._strong(password))
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            await self._update(conn, account.name, now, password_hash=hashed)
            closed = await self._close_sessions(conn, account.name, now)
            await audit.record(
                conn, now, actor, "password-changed", account.name, source, {"sessions_closed": closed}
            )
            await lockout.clear(conn, account.name)

    async def set_role(self, name: str, role: str, *, actor: str, source: str) -> Account:
        account = await self.require(name)
        new_role = self._role(role)
        if new_role == account.role:
            return account
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            if account.role == "admin":
                await self._keep_an_admin(conn, account.name, "demote")
            await self._update(conn, account.name, now, role=new_role)
            await audit.record(
                conn,
                now,
                actor,
                "role-changed",
                account.name,
                source,
                {"before": account.role, "after": new_role},
            )
        log.info("account %r: role %s -> %s by %s", account.name, account.role, new_role, actor)
        return await self.require(account.name)

    async def set_enabled(self, name: str, enabled: bool, *, actor: str, source: str) -> Account:
        """Enable or disable; disabling ends the account's sessions, and its tokens stop working."""
        account = await self.require(name)
        if account.enabled == enabled:
            return account
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            detail: dict[str, Any] = {}
            if not enabled:
                if account.role == "admin":
                    await self._keep_an_admin(conn, account.name, "disable")
                detail["sessions_closed"] = await self._close_sessions(conn, account.name, now)
            await self._update(conn, account.name, now, enabled=enabled)
            await audit.record(
                conn, now, actor, "enabled" if enabled else "disabled", account.name, source, detail
            )
        return await self.require(account.name)

    async def set_profile(
        self,
        name: str,
        *,
        display_name: str | None = None,
        contacts: Strings | None = None,
        actor: str,
        source: str,
    ) -> Account:
        """Change the shown name and/or the contact URLs (the audit entry counts them, never shows them)."""
        account = await self.require(name)
        values: dict[str, Any] = {}
        if display_name is not None:
            try:
                values["display_name"] = check_display_name(display_name)
            except ValueError as exc:
                raise _invalid("display_name", exc) from None
        if contacts is not None:
            values["contacts"] = await self._contacts(contacts)
        if not values:
            return account
        now = self.clock.now()
        detail = {"fields": sorted(values), "contacts": len(values.get("contacts", account.contacts))}
        async with self.store.engine.begin() as conn:
            await self._update(conn, account.name, now, **values)
            await audit.record(conn, now, actor, "profile-changed", account.name, source, detail)
        return await self.require(account.name)

    async def audit(self, **filters: Any) -> Entries:
        """Audit entries, newest first (see ``audit.query`` for the filters)."""
        return await audit.query(self.store.engine, **filters)

    async def enabled_count(self, role: Role | None = None) -> int:
        query = select(func.count()).select_from(accounts).where(accounts.c.enabled.is_(True))
        if role is not None:
            query = query.where(accounts.c.role == role)
        async with self.store.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _role(role: str) -> Role:
        try:
            return check_role(role)
        except ValueError as exc:
            raise _invalid("role", exc) from None

    @staticmethod
    def _strong(password: str) -> str:
        try:
            return check_strength(password)
        except ValueError as exc:
            raise _invalid("password", exc) from None

    @staticmethod
    async def _contacts(urls: Strings) -> Strings:
        try:
            return await asyncio.to_thread(check_contacts, urls)  # apprise parses each URL
        except ValueError as exc:
            raise _invalid("contacts", exc) from None

    @staticmethod
    async def _update(conn: AsyncConnection, name: str, now: float, **values: Any) -> None:
        await conn.execute(update(accounts).where(accounts.c.name == name).values(updated_at=now, **values))

    @staticmethod
    async def _close_sessions(conn: AsyncConnection, name: str, now: float) -> int:
        result = await conn.execute(
            update(account_sessions)
            .where(account_sessions.c.account == name, account_sessions.c.closed_at.is_(None))
            .values(closed_at=now)
        )
        return int(result.rowcount or 0)

    async def _store_hash(self, name: str, hashed: str) -> None:
        async with self.store.engine.begin() as conn:
            await conn.execute(update(accounts).where(accounts.c.name == name).values(password_hash=hashed))

    @staticmethod
    async def _keep_an_admin(conn: AsyncConnection, name: str, verb: str) -> None:
        """Refuse to leave no enabled admin (the CLI on the server can always add one)."""
        others = (
            await conn.execute(
                select(func.count())
                .select_from(accounts)
                .where(accounts.c.role == "admin", accounts.c.enabled.is_(True), accounts.c.name != name)
            )
        ).scalar_one()
        if not others:
            raise ConflictError(f"cannot {verb} {name!r}: it is the last enabled admin", field="name")
