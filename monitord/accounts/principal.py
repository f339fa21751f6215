"""Who a signed-in person (or their token) is, and what their role lets them do.

Three roles, each allowed everything the one below it may do:

- ``viewer``: reads everything (the configured ``read`` tokens act as viewers);
- ``technician``: also works tickets (acknowledge, assign to self, note, resolve, close);
- ``admin``: also every change to IPAM, silences, accounts and configuration-level things
  (the configured ``admin`` tokens act as admins).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["viewer", "technician", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
RANK: dict[Role, int] = {"viewer": 1, "technician": 2, "admin": 3}


def lower_role(first: Role, second: Role) -> Role:
    """The weaker of two roles (a token never acts above its owner's current role)."""
    return first if RANK[first] <= RANK[second] else second


@dataclass(frozen=True, slots=True)
class Principal:
    """A person acting: the account name (what audit and ticket history record), shown name, role."""

    name: str
    display_name: str
    role: Role

    def can(self, needed: Role) -> bool:
        """True when this role is ``needed`` or above it."""
        return RANK[self.role] >= RANK[needed]
