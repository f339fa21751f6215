"""An account as the rest of the daemon sees it, and the rules its fields follow."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from monitord.accounts.principal import ROLES, Principal, Role
from monitord.inputs import control_character

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,47}$")
NAME_RULE = "1-48 characters: lower-case letters, digits and _ . @ -, starting with a letter or digit"
MAX_DISPLAY_NAME = 128
MAX_CONTACTS = 8
MAX_CONTACT_LENGTH = 2048


def iso(epoch: float | None) -> str | None:
    """Epoch seconds (as the tables store them) in the ISO form the API answers with."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def normal_name(name: str) -> str:
    """The stored form of an account name (names are case-insensitive)."""
    return name.strip().lower()


def check_name(name: str) -> str:
    """The stored form of ``name``; ValueError naming the rule when it breaks it."""
    cleaned = normal_name(name)
    if not NAME_PATTERN.match(cleaned):
        raise ValueError(f"an account name is {NAME_RULE}")
    return cleaned


def check_display_name(text: str) -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_DISPLAY_NAME or control_character(cleaned) is not None:
        raise ValueError(f"a display name is 1-{MAX_DISPLAY_NAME} characters without control characters")
    return cleaned


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise ValueError(f"a role is one of {', '.join(ROLES)}")
    return role


def check_contacts(urls: list[str]) -> list[str]:
    """Apprise URLs for the person's own chat or SMS, each accepted by apprise (as a
    notification route's are); a message names the contact's position, never the URL."""
    import apprise  # noqa: PLC0415  apprise costs ~70 ms to import; only contact changes need it

    if len(urls) > MAX_CONTACTS:
        raise ValueError(f"at most {MAX_CONTACTS} contact URLs")
    for index, url in enumerate(urls):
        if len(url) > MAX_CONTACT_LENGTH or control_character(url) is not None:
            raise ValueError(f"contact {index + 1} is too long or holds control characters")
        if not apprise.Apprise().add(url):
            scheme = url.partition("://")[0][:16] or "?"
            raise ValueError(f"contact {index + 1}: apprise does not accept this URL (scheme {scheme!r})")
    return urls


@dataclass(frozen=True, slots=True)
class Account:
    """A named person; ``contacts`` are secrets (they carry chat and SMS credentials)."""

    name: str
    display_name: str
    role: Role
    enabled: bool
    contacts: tuple[SecretStr, ...] = ()
    has_password: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def principal(self) -> Principal:
        return Principal(self.name, self.display_name, self.role)

    def to_json(self) -> dict[str, Any]:
        """What the API and the CLI show: the number of contacts, never their URLs."""
        return {
            "name": self.name,
            "display_name": self.display_name,
            "role": self.role,
            "enabled": self.enabled,
            "contacts": len(self.contacts),
            "has_password": self.has_password,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


def account_of(row: Mapping[str, Any]) -> Account:
    return Account(
        name=row["name"],
        display_name=row["display_name"],
        role=check_role(row["role"]),
        enabled=bool(row["enabled"]),
        contacts=tuple(SecretStr(url) for url in row["contacts"] or ()),
        has_password=row["password_hash"] is not None,
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )
