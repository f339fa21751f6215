"""Accounts, sign-in with lockout, sessions and user tokens on both state-store back ends.

Time is a ManualClock: lockouts and session expiry are crossed by moving it, never by sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from monitord.accounts.principal import Principal
from monitord.accounts.service import Accounts, SignInRefused
from monitord.accounts.sessions import Sessions
from monitord.accounts.tables import account_sessions, account_tokens, accounts
from monitord.clock import ManualClock
from monitord.config.accounts import AccountsConfig, LockoutConfig
from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.store.engine import StateStore

PASSWORD = "correct horse battery"
CONFIG = AccountsConfig(
    session_lifetime=3600.0,
    session_idle=600.0,
    lockout=LockoutConfig(threshold=3, initial=30.0, maximum=100.0, reset_after=3600.0),
)
START = 1_800_000_000.0


@pytest.fixture
async def store(state_url: str, tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(state_url, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def service(store: StateStore, clock: ManualClock) -> Accounts:
    return Accounts(store, lambda: CONFIG, clock)


async def _refusal(service: Accounts, name: str, password: str) -> SignInRefused:
    with pytest.raises(SignInRefused) as refused:
        await service.authenticate(name, password, "127.0.0.9")
    return refused.value


async def test_an_account_signs_in_with_its_password_only(service: Accounts, store: StateStore) -> None:
    contact = "json://127.0.0.1:9/secret-hook?token=abc"
    added = await service.add("Alice", "Alice Example", "technician", PASSWORD, actor="cli", source="cli")
    await service.set_profile("alice", contacts=[contact], actor="cli", source="cli")
    assert (added.name, added.role, added.enabled) == ("alice", "technician", True)
    principal = await service.authenticate("ALICE", PASSWORD, "127.0.0.9")
    assert principal == Principal("alice", "Alice Example", "technician")
    assert principal.can("viewer") and principal.can("technician") and not principal.can("admin")
    assert (await _refusal(service, "alice", PASSWORD + "x")).reason == "bad-credentials"
    assert (await _refusal(service, "nobody", PASSWORD)).reason == "bad-credentials"
    account = await service.get("alice")
    assert account is not None and len(account.contacts) == 1
    # The contact URL and the password never show: not in the JSON, not in the repr.
    for shown in (repr(account), str(account.to_json()), repr(await service.list())):
        assert "secret-hook" not in shown and PASSWORD not in shown
    async with store.engine.connect() as conn:
        stored = (await conn.execute(select(accounts.c.password_hash))).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_names_roles_and_passwords_are_checked(service: Accounts) -> None:
    for name, role, password, field in [
        ("bad name", "viewer", PASSWORD, "name"),
        ("x" * 49, "viewer", PASSWORD, "name"),
        ("bob", "root", PASSWORD, "role"),
        ("bob", "viewer", "short", "password"),
        ("bob", "viewer", " padded password ", "password"),
    ]:
        with pytest.raises(RequestError) as refused:
            await service.add(name, "", role, password, actor="cli", source="cli")
        assert refused.value.field == field
        assert password not in str(refused.value)
    await service.add("bob", "", "viewer", None, actor="cli", source="cli")
    with pytest.raises(ConflictError):
        await service.add("BOB", "", "viewer", None, actor="cli", source="cli")
    # No password yet: nothing signs in, and the answer is the same as for a wrong one.
    assert (await _refusal(service, "bob", "")).reason == "bad-credentials"
    with pytest.raises(NotFoundError):
        await service.set_role("carol", "admin", actor="cli", source="cli")


async def test_lockout_backs_off_exponentially_and_clears_on_success(
    service: Accounts, clock: ManualClock
) -> None:
    await service.add("alice", "", "admin", PASSWORD, actor="cli", source="cli")
    assert (await _refusal(service, "alice", "wrong password 1")).retry_after is None
    assert (await _refusal(service, "alice", "wrong password 2")).retry_after is None
    third = await _refusal(service, "alice", "wrong password 3")
    assert (third.reason, third.retry_after) == ("bad-credentials", 30.0)
    # Locked: even the right password is refused without being checked.
    locked = await _refusal(service, "alice", PASSWORD)
    assert locked.reason == "locked" and locked.retry_after == pytest.approx(30.0)
    clock.advance(10)
    assert (await _refusal(service, "alice", PASSWORD)).retry_after == pytest.approx(20.0)
    clock.advance(21)
    assert (await _refusal(service, "alice", "wrong password 4")).retry_after == 60.0  # doubled
    clock.advance(61)
    assert (await _refusal(service, "alice", "wrong password 5")).retry_after == 100.0  # the maximum
    clock.advance(101)
    assert (await service.authenticate("alice", PASSWORD, "127.0.0.9")).name == "alice"
    # The success cleared the count: two more failures do not lock.
    await _refusal(service, "alice", "wrong again 1")
    assert (await _refusal(service, "alice", "wrong again 2")).retry_after is None
    entries = await service.audit(account="alice", limit=100)
    actions = [e["action"] for e in reversed(entries)]
    assert actions.count("lockout") == 3
    assert actions.count("sign-in-locked") == 2
    assert actions.count("sign-in") == 1
    assert actions.count("sign-in-failed") == 7
    assert all(e["source"] == "127.0.0.9" for e in entries if e["action"] != "account-added")


async def test_unknown_names_lock_like_real_ones(service: Accounts) -> None:
    for attempt in range(3):
        await _refusal(service, "mallory", f"guess number {attempt}")
    assert (await _refusal(service, "mallory", "guess number 4")).reason == "locked"


async def test_failures_far_apart_do_not_lock(service: Accounts, clock: ManualClock) -> None:
    await service.add("alice", "", "viewer", PASSWORD, actor="cli", source="cli")
    for attempt in range(5):
        assert (await _refusal(service, "alice", f"wrong {attempt}")).retry_after is None
        clock.advance(3601)  # past reset_after each time


async def test_a_disabled_account_is_refused_and_its_sessions_end(
    service: Accounts, store: StateStore, clock: ManualClock
) -> None:
    await service.add("root", "", "admin", PASSWORD, actor="cli", source="cli")
    await service.add("alice", "", "technician", PASSWORD, actor="cli", source="cli")
    sessions = Sessions(store, lambda: CONFIG, clock)
    issued = await sessions.open(await service.authenticate("alice", PASSWORD, "127.0.0.9"), "127.0.0.9")
    assert await sessions.resolve(issued.token) is not None
    await service.set_enabled("alice", False, actor="root", source="127.0.0.1")
    assert (await _refusal(service, "alice", PASSWORD)).reason == "disabled"
    assert await sessions.resolve(issued.token) is None
    await service.set_enabled("alice", True, actor="root", source="127.0.0.1")
    assert await sessions.resolve(issued.token) is None  # closed, not just hidden
    # The last enabled admin cannot be disabled or demoted.
    with pytest.raises(ConflictError):
        await service.set_enabled("root", False, actor="cli", source="cli")
    with pytest.raises(ConflictError):
        await service.set_role("root", "viewer", actor="cli", source="cli")
    actions = {e["action"] for e in await service.audit(account="alice")}
    assert {"disabled", "enabled", "sign-in-disabled"} <= actions


async def test_sessions_expire_follow_the_role_and_close(
    service: Accounts, store: StateStore, clock: ManualClock
) -> None:
    await service.add("alice", "Alice", "technician", PASSWORD, actor="cli", source="cli")
    sessions = Sessions(store, lambda: CONFIG, clock)
    principal = await service.authenticate("alice", PASSWORD, "127.0.0.9")
    issued = await sessions.open(principal, "127.0.0.9")
    assert issued.expires_at == START + 3600.0
    assert issued.token not in repr(issued) and issued.csrf not in repr(issued)
    async with store.engine.connect() as conn:
        stored = (await conn.execute(select(account_sessions.c.digest))).scalars().all()
    assert stored and issued.token not in stored  # only the digest is kept
    found = await sessions.resolve(issued.token)
    assert found is not None and found.principal.role == "technician" and found.csrf == issued.csrf
    await service.set_role("alice", "admin", actor="cli", source="cli")
    found = await sessions.resolve(issued.token)
    assert found is not None and found.principal.role == "admin"
    assert await sessions.resolve(issued.token + "x") is None
    assert await sessions.resolve("") is None
    # Idle for longer than session_idle: gone.
    clock.advance(601)
    assert await sessions.resolve(issued.token) is None
    # Used now and then, it still ends session_lifetime after sign-in.
    second = await sessions.open(principal, "127.0.0.9")
    for _ in range(7):  # 3500 s, each step within session_idle
        clock.advance(500)
        assert await sessions.resolve(second.token) is not None
    clock.advance(500)
    assert await sessions.resolve(second.token) is None
    third = await sessions.open(principal, "127.0.0.9")
    await sessions.close(third.token, "127.0.0.9")
    assert await sessions.resolve(third.token) is None
    assert "sign-out" in {e["action"] for e in await service.audit(account="alice")}


async def test_user_tokens_act_as_their_owner_and_stop_when_revoked(
    service: Accounts, store: StateStore
) -> None:
    await service.add("alice", "", "technician", PASSWORD, actor="cli", source="cli")
    with pytest.raises(RequestError) as refused:
        await service.tokens.issue("alice", "too strong", "admin", actor="cli", source="cli")
    assert refused.value.field == "role"
    issued = await service.tokens.issue("alice", "scripts", "technician", actor="cli", source="cli")
    assert issued.token.startswith("mdu_") and issued.token not in repr(issued)
    viewer = await service.tokens.issue("alice", "dashboards", "viewer", actor="alice", source="127.0.0.9")
    assert await service.tokens.identify(issued.token) == Principal("alice", "alice", "technician")
    assert (await service.tokens.identify(viewer.token) or Principal("", "", "admin")).role == "viewer"
    assert await service.tokens.identify("mdu_" + "x" * 43) is None
    assert await service.tokens.identify("not a user token") is None
    async with store.engine.connect() as conn:
        digests = (await conn.execute(select(account_tokens.c.digest))).scalars().all()
        dump = str((await conn.execute(text("SELECT * FROM account_tokens"))).all())
    assert len(digests) == 2 and issued.token not in dump
    # Demoted, the owner's tokens act at the new role at most.
    await service.set_role("alice", "viewer", actor="cli", source="cli")
    assert (await service.tokens.identify(issued.token) or Principal("", "", "admin")).role == "viewer"
    await service.set_role("alice", "technician", actor="cli", source="cli")
    await service.set_enabled("alice", False, actor="cli", source="cli")
    assert await service.tokens.identify(issued.token) is None
    await service.set_enabled("alice", True, actor="cli", source="cli")
    await service.tokens.revoke("alice", issued.id, actor="alice", source="127.0.0.9")
    assert await service.tokens.identify(issued.token) is None
    with pytest.raises(ConflictError):
        await service.tokens.revoke("alice", issued.id, actor="alice", source="127.0.0.9")
    with pytest.raises(NotFoundError):
        await service.tokens.revoke("alice", 999, actor="alice", source="127.0.0.9")
    listed = await service.tokens.list("alice")
    assert [t["label"] for t in listed] == ["dashboards"]
    assert len(await service.tokens.list("alice", include_revoked=True)) == 2
    entries = await service.audit(account="alice", action="token-issued")
    assert len(entries) == 2 and all(issued.token not in str(e) for e in entries)
    assert [e["action"] for e in await service.audit(account="alice", action="token-revoked")] == [
        "token-revoked"
    ]


async def test_a_password_change_closes_sessions_and_rehashes(
    service: Accounts, store: StateStore, clock: ManualClock
) -> None:
    await service.add("alice", "", "viewer", PASSWORD, actor="cli", source="cli")
    sessions = Sessions(store, lambda: CONFIG, clock)
    issued = await sessions.open(await service.authenticate("alice", PASSWORD, "127.0.0.9"), "127.0.0.9")
    await service.set_password("alice", "another long password", actor="cli", source="cli")
    assert await sessions.resolve(issued.token) is None
    assert (await _refusal(service, "alice", PASSWORD)).reason == "bad-credentials"
    assert (await service.authenticate("alice", "another long password", "127.0.0.9")).name == "alice"


async def test_odd_names_and_contacts_are_refused_without_reaching_the_database(service: Accounts) -> None:
    # NUL would make PostgreSQL fail the query: such a name is an ordinary wrong sign-in.
    for name in ("ali\x00ce", "x" * 5000, "\u202eevil"):
        assert (await _refusal(service, name, PASSWORD)).reason == "bad-credentials"
        assert await service.get(name) is None
    entries = await service.audit(action="sign-in-failed")
    assert {e["account"] for e in entries} == {"(invalid name)"}
    await service.add("alice", "", "viewer", None, actor="cli", source="cli")
    with pytest.raises(RequestError) as refused:
        await service.set_profile("alice", contacts=["nosuchscheme://secret-part"], actor="cli", source="cli")
    assert refused.value.field == "contacts" and "secret-part" not in str(refused.value)
