"""Reaching a person on their own contact URLs through the alert engine's durable outbox.

A message for an account is queued with the route ``account:<name>`` and the
index of one of its contact URLs; the URL itself is looked up when the message
is delivered (``contact_url``), so it is never copied into the outbox, and a
person who changed or removed a contact, or whose account was disabled, is not
sent to the old one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from monitord.accounts.account import check_role
from monitord.accounts.principal import RANK
from monitord.accounts.tables import accounts
from monitord.errors import RequestError
from monitord.store.engine import StateStore

ROUTE_PREFIX = "account:"


def account_route(name: str) -> str:
    """The outbox route of messages for account ``name`` (config route names cannot hold ``:``)."""
    return ROUTE_PREFIX + name


def route_account(route: str) -> str | None:
    """The account an outbox route addresses, or None for a configured route."""
    return route[len(ROUTE_PREFIX) :] if route.startswith(ROUTE_PREFIX) else None


async def contact_url(store: StateStore, name: str, index: int) -> str | None:
    """Contact URL ``index`` of the enabled account ``name``, or None (gone, disabled, removed)."""
    async with store.engine.connect() as conn:
        row = (
            await conn.execute(
                select(accounts.c.contacts).where(accounts.c.name == name, accounts.c.enabled.is_(True))
            )
        ).first()
    if row is None or not 0 <= index < len(row.contacts or ()):
        return None
    return str(row.contacts[index])


async def assignable(conn: AsyncConnection, name: str) -> tuple[str, int]:
    """(account name, number of contact URLs) for a ticket assignee; 422 naming ``assignee``
    unless ``name`` is an enabled account with the technician or admin role."""
    wanted = name.strip().lower()
    row = (
        await conn.execute(
            select(accounts.c.name, accounts.c.role, accounts.c.enabled, accounts.c.contacts).where(
                accounts.c.name == wanted
            )
        )
    ).first()
    if row is None:
        raise RequestError(
            f"no account named {wanted[:64]!r} (see monitord users list)", field="assignee", status=422
        )
    if not row.enabled:
        raise RequestError(f"account {row.name!r} is disabled", field="assignee", status=422)
    if RANK[check_role(row.role)] < RANK["technician"]:
        raise RequestError(
            f"account {row.name!r} is a {row.role}; tickets go to technicians and admins",
            field="assignee",
            status=422,
        )
    return str(row.name), len(row.contacts or ())
