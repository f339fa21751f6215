"""Per-user API tokens: shown once, stored as a SHA-256 digest, revocable, never above the owner.

A token is ``mdu_`` followed by 43 random URL-safe characters (256 bits), so a
digest without a salt is as strong as a slow hash would be, and checking one
costs a single indexed lookup. The prefix lets the API skip the database for a
bearer value that cannot be a user token. A token acts with the lower of its
own role and its owner's current role, and stops working when the owner is
disabled or the token revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from monitord.accounts import audit
from monitord.accounts.account import check_role, iso, normal_name
from monitord.accounts.principal import RANK, Principal, Role, lower_role
from monitord.accounts.tables import account_tokens, accounts
from monitord.clock import Clock
from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.inputs import control_character
from monitord.store.engine import StateStore

PREFIX = "mdu_"
MAX_LABEL = 64
MAX_TOKENS = 50  # live tokens per account
LAST_USED_PRECISION = 60.0  # seconds: last_used_at is written at most this often per token


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just issued; ``token`` is shown this once and stored only as a digest."""

    id: int
    account: str
    label: str
    role: Role
    token: str
    created_at: float

    def __repr__(self) -> str:
        return (
            f"IssuedToken(id={self.id}, account={self.account!r}, label={self.label!r}, role={self.role!r})"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account": self.account,
            "label": self.label,
            "role": self.role,
            "token": self.token,
            "created_at": iso(self.created_at),
        }


class UserTokens:
    def __init__(self, store: StateStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def issue(self, account: str, label: str, role: str, *, actor: str, source: str) -> IssuedToken:
        """A new token for ``account`` with ``role`` (at most the account's own role)."""
        name = normal_name(account)
        cleaned = label.strip()
        if not cleaned or len(cleaned) > MAX_LABEL or control_character(cleaned) is not None:
            raise RequestError(
                f"a token label is 1-{MAX_LABEL} characters without control characters",
                field="label",
                status=422,
            )
        try:
            wanted = check_role(role)
        except ValueError as exc:
            raise RequestError(str(exc), field="role", status=422) from None
        token = PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            owner = (
                await conn.execute(select(accounts.c.role, accounts.c.enabled).where(accounts.c.name == name))
            ).first()
            if owner is None:
                raise NotFoundError(f"no account named {name!r}", field="name")
            if not owner.enabled:
                raise ConflictError(f"account {name!r} is disabled", field="name")
            if RANK[wanted] > RANK[check_role(owner.role)]:
                raise RequestError(
                    f"a token's role cannot be above its owner's ({owner.role})", field="role", status=422
                )
            live = (
                await conn.execute(
                    select(account_tokens.c.id).where(
                        account_tokens.c.account == name, account_tokens.c.revoked_at.is_(None)
                    )
                )
            ).all()
            if len(live) >= MAX_TOKENS:
                raise ConflictError(f"account {name!r} has {MAX_TOKENS} live tokens; revoke one first")
            result = await conn.execute(
                account_tokens.insert()
                .values(account=name, label=cleaned, role=wanted, digest=digest(token), created_at=now)
                .returning(account_tokens.c.id)
            )
            token_id = int(result.scalar_one())
            await audit.record(
                conn,
                now,
                actor,
                "token-issued",
                name,
                source,
                {"id": token_id, "label": cleaned, "role": wanted},
            )
        return IssuedToken(token_id, name, cleaned, wanted, token, now)

    async def revoke(self, account: str, token_id: int, *, actor: str, source: str) -> None:
        name = normal_name(account)
        now = self.clock.now()
        async with self.store.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(account_tokens.c.label, account_tokens.c.revoked_at).where(
                        account_tokens.c.id == token_id, account_tokens.c.account == name
                    )
                )
            ).first()
            if row is None:
                raise NotFoundError(f"account {name!r} has no token {token_id}", field="id")
            if row.revoked_at is not None:
                raise ConflictError(f"token {token_id} is already revoked", field="id")
            await conn.execute(
                update(account_tokens).where(account_tokens.c.id == token_id).values(revoked_at=now)
            )
            await audit.record(
                conn, now, actor, "token-revoked", name, source, {"id": token_id, "label": row.label}
            )

    async def list(self, account: str, *, include_revoked: bool = False) -> list[dict[str, Any]]:
        """The account's tokens without their values (which are not stored)."""
        query = (
            select(account_tokens)
            .where(account_tokens.c.account == normal_name(account))
            .order_by(account_tokens.c.id)
        )
        if not include_revoked:
            query = query.where(account_tokens.c.revoked_at.is_(None))
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            {
                "id": r["id"],
                "label": r["label"],
                "role": r["role"],
                "created_at": iso(r["created_at"]),
                "last_used_at": iso(r["last_used_at"]),
                "revoked_at": iso(r["revoked_at"]),
            }
            for r in rows
        ]

    async def identify(self, token: str) -> Principal | None:
        """The principal a live token acts as, or None (unknown, revoked, or owner disabled)."""
        if not token.startswith(PREFIX):
            return None
        query = (
            select(
                account_tokens.c.id,
                account_tokens.c.role,
                account_tokens.c.last_used_at,
                accounts.c.name,
                accounts.c.display_name,
                accounts.c.role.label("account_role"),
            )
            .join(accounts, accounts.c.name == account_tokens.c.account)
            .where(
                account_tokens.c.digest == digest(token),
                account_tokens.c.revoked_at.is_(None),
                accounts.c.enabled.is_(True),
            )
        )
        async with self.store.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        now = self.clock.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
            async with self.store.engine.begin() as conn:
                await conn.execute(
                    update(account_tokens).where(account_tokens.c.id == row.id).values(last_used_at=now)
                )
        role = lower_role(check_role(row.role), check_role(row.account_role))
        return Principal(row.name, row.display_name, role)
