"""Who may do what in the console, checked on the server for every action.

The roles mean what they mean for the API (``monitord.accounts.principal``): a
viewer reads; a technician works tickets (and may assign one only to
themselves); an admin also assigns to others, silences and changes IPAM.
Templates hide the buttons a role may not use, but the POST handlers check
again here, so a hand-made request is refused with 403 all the same.
"""

from __future__ import annotations

from aiohttp import web

from monitord.accounts.principal import Principal, Role
from monitord.console.session import principal_of
from monitord.errors import RequestError

TICKETS: Role = "technician"
SILENCES: Role = "admin"
ASSIGN_OTHERS: Role = "admin"
IPAM: Role = "admin"


class RoleRefused(RequestError):
    def __init__(self, principal: Principal, needed: Role) -> None:
        super().__init__(
            f"{principal.name} is a {principal.role}; this needs the {needed} role", field="role", status=403
        )


def require_role(request: web.Request, needed: Role) -> Principal:
    """The signed-in principal when their role allows ``needed``; else 403."""
    principal = principal_of(request)
    if not principal.can(needed):
        raise RoleRefused(principal, needed)
    return principal
