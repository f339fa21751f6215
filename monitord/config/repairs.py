"""``repairs:``: repair-request categories and the technicians requests are dispatched to.

A repair request is a ticket a person opens (docs/repair-requests.md). Its
category comes from ``categories``, each with the priority a request of that
category gets when the reporter does not say (urgent means business stops: a
store cannot take payments). Technicians are named here with the apprise URLs
that reach them (secrets, like route URLs) until accounts carry contacts.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from alerts.rules import Priority
from monitord.config.notify import RouteConfig, RouteMatch
from monitord.config.secrets import Secret
from monitord.config.section import Section

# The ``rule`` label (and tickets.rule column) of every repair request: routes match it.
REQUEST_RULE = "repair-request"
# Technician contact routes are named ``technician:<name>``; a configured route name cannot
# hold ":", so they never collide with notify.routes.
CONTACT_ROUTE_PREFIX = "technician:"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,52}$"

CategoryName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]

DEFAULT_CATEGORIES: dict[str, Priority] = {
    "pos-payment": "urgent",
    "printer": "normal",
    "pc": "normal",
    "network": "normal",
    "server": "normal",
    "phone": "normal",
    "other": "normal",
}


def check_apprise_urls(values: list[Secret]) -> list[Secret]:
    """Each URL must be one apprise accepts (checked at load time, like route URLs)."""
    import apprise  # noqa: PLC0415  apprise costs ~70 ms to import; only contacts need it

    for index, value in enumerate(values):
        if not apprise.Apprise().add(value.get_secret_value()):
            scheme = value.get_secret_value().partition("://")[0] or "?"
            raise ValueError(f"urls[{index}]: apprise does not accept this URL (scheme {scheme!r})")
    return values


class TechnicianConfig(Section):
    """Someone requests are dispatched to, and how they are told."""

    name: str = Field(
        pattern=NAME_PATTERN,
        description="The name tickets are assigned to (letters, digits, . _ @ -; up to 53).",
    )
    urls: list[Secret] = Field(
        min_length=1,
        description="apprise URLs that reach this technician (mailto://, tgram://, json://...); "
        "secrets: never logged, never in the API.",
    )

    @field_validator("urls")
    @classmethod
    def _apprise_urls(cls, values: list[Secret]) -> list[Secret]:
        return check_apprise_urls(values)

    def contact_route(self) -> RouteConfig:
        """A route the outbox delivers through; no alert is ever routed to it (escalation only)."""
        return RouteConfig.model_construct(
            name=f"{CONTACT_ROUTE_PREFIX}{self.name}",
            match=RouteMatch(),
            urls=list(self.urls),
            escalation_only=True,
            send_resolved=False,
        )


class RepairsConfig(Section):
    """Repair requests: their categories and the technicians who take them."""

    categories: dict[CategoryName, Priority] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORIES),
        min_length=1,
        description="Request categories (lower-case letters, digits, -) with the priority a request "
        "gets when its reporter does not say urgent or not; replaces the default list "
        "(pos-payment: urgent; printer, pc, network, server, phone, other: normal).",
    )
    technicians: list[TechnicianConfig] = Field(
        default_factory=list,
        description="Who repair requests are assigned to; assigning one sends them the request.",
    )

    @model_validator(mode="after")
    def _unique(self) -> RepairsConfig:
        names = [t.name for t in self.technicians]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"technician {name!r} is listed twice")
        return self

    def technician(self, name: str) -> TechnicianConfig | None:
        return next((t for t in self.technicians if t.name == name), None)

    def contact_routes(self) -> list[RouteConfig]:
        return [t.contact_route() for t in self.technicians]

    def summary(self) -> list[str]:
        urgent = sorted(name for name, priority in self.categories.items() if priority == "urgent")
        return [
            f"repair requests: {len(self.categories)} categories (urgent by default: "
            f"{', '.join(urgent) or 'none'}), {len(self.technicians)} technicians"
        ]
