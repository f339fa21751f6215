"""Accounts over HTTP: the account list and audit log (admin), your own profile and tokens.

Accounts are created, given roles, enabled and disabled with ``monitord users``
on the server (the first admin is made there). Over HTTP an admin reads the
accounts and their audit log; anyone with a per-user token (or a signed-in
session) reads and edits their own profile and issues and revokes their own
tokens. A token is shown once, in the answer that issues it. Contact URLs are
write-only: answers give their number, never the URLs.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monitord.accounts.audit import Action
from monitord.accounts.principal import Role
from monitord.api.auth import Identity, require
from monitord.api.bodies import read_json, read_query
from monitord.api.ipam_state import guarded
from monitord.api.keys import accounts_of
from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.inputs import Line, Name

MAX_TOKEN_ID = 2**31 - 1


class AccountAuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: Name | None = Field(default=None, max_length=64, description="only entries about this account")
    actor: Name | None = Field(default=None, max_length=128, description="only entries by this actor")
    action: Action | None = Field(default=None, description="only this kind of entry")
    limit: int = Field(default=100, ge=1, le=10000)
    before_id: int | None = Field(default=None, ge=1, le=MAX_TOKEN_ID, description="page further back")


class ProfilePatch(BaseModel):
    """Your display name and contact URLs (apprise; write-only, replaced as a whole)."""

    model_config = ConfigDict(extra="forbid")

    display_name: Line | None = Field(default=None, min_length=1, max_length=128)
    contacts: list[Line] | None = Field(default=None, max_length=8)


class TokenBody(BaseModel):
    """A label saying what the token is for, and its role (at most yours; yours by default)."""

    model_config = ConfigDict(extra="forbid")

    label: Line = Field(min_length=1, max_length=64)
    role: Role | None = None


def _source(request: web.Request) -> str:
    return request.remote or "unknown"


def _own(request: web.Request, needed: Literal["read", "technician", "admin"] = "read") -> Identity:
    """The caller, who must be an account (a configured token has no profile or tokens)."""
    identity = require(request, needed)
    if not identity.is_account:
        raise ConflictError(
            f"{identity.name!r} is a configured token, not an account: it has no profile or tokens "
            "(create an account with monitord users add)",
            field="Authorization",
        )
    return identity


def _token_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_TOKEN_ID:
        raise RequestError(f"token id must be a number up to {MAX_TOKEN_ID}, not {raw[:40]!r}", field="id")
    return int(raw)


async def list_accounts(request: web.Request) -> web.Response:
    require(request, "admin")
    found = await accounts_of(request).list()
    return web.json_response({"accounts": [a.to_json() for a in found], "count": len(found)})


async def get_account(request: web.Request) -> web.Response:
    require(request, "admin")
    name = request.match_info["name"]
    account = await accounts_of(request).get(name)
    if account is None:
        raise NotFoundError(f"no account named {name[:64]!r}", field="name")
    return web.json_response(account.to_json())


async def account_audit(request: web.Request) -> web.Response:
    require(request, "admin")
    query = read_query(request.query, AccountAuditQuery)
    entries = await accounts_of(request).audit(
        account=query.account,
        actor=query.actor,
        action=query.action,
        limit=query.limit,
        before_id=query.before_id,
    )
    return web.json_response({"entries": entries, "count": len(entries)})


async def get_me(request: web.Request) -> web.Response:
    identity = require(request, "read")
    body: dict[str, Any] = {
        "name": identity.name,
        "role": identity.role,
        "via": identity.via,
        "account": None,
    }
    if identity.is_account:
        account = await accounts_of(request).get(identity.name)
        body["account"] = None if account is None else account.to_json()
    return web.json_response(body)


async def patch_me(request: web.Request) -> web.Response:
    identity = _own(request)
    patch = await read_json(request, ProfilePatch)
    account = await accounts_of(request).set_profile(
        identity.name,
        display_name=patch.display_name,
        contacts=None if patch.contacts is None else list(patch.contacts),
        actor=identity.name,
        source=_source(request),
    )
    return web.json_response(account.to_json())


async def list_my_tokens(request: web.Request) -> web.Response:
    identity = _own(request)
    tokens = await accounts_of(request).tokens.list(identity.name)
    return web.json_response({"tokens": tokens, "count": len(tokens)})


async def issue_my_token(request: web.Request) -> web.Response:
    identity = _own(request)
    body = await read_json(request, TokenBody)
    issued = await accounts_of(request).tokens.issue(
        identity.name, body.label, body.role or identity.role, actor=identity.name, source=_source(request)
    )
    return web.json_response(issued.to_json(), status=201, headers={"Cache-Control": "no-store"})


async def revoke_my_token(request: web.Request) -> web.Response:
    identity = _own(request)
    token_id = _token_id(request)
    await accounts_of(request).tokens.revoke(
        identity.name, token_id, actor=identity.name, source=_source(request)
    )
    return web.json_response({"deleted": token_id})


def setup(app: web.Application) -> None:
    router = app.router
    router.add_get("/api/v1/accounts", guarded(list_accounts))
    router.add_get("/api/v1/accounts/audit", guarded(account_audit))
    router.add_get("/api/v1/accounts/{name}", guarded(get_account))
    router.add_get("/api/v1/me", guarded(get_me))
    router.add_patch("/api/v1/me", guarded(patch_me))
    router.add_get("/api/v1/me/tokens", guarded(list_my_tokens))
    router.add_post("/api/v1/me/tokens", guarded(issue_my_token))
    router.add_delete("/api/v1/me/tokens/{id}", guarded(revoke_my_token))
