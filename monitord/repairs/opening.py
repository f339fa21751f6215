"""What a person sends to open a repair request, checked against the configuration.

The body's shape (types, lengths, control characters) is checked by the API's
model; here the parts that depend on the configuration: the category is one of
``repairs.categories``, the site is a configured one, and blank text is refused.
Every refusal is a 422 naming the field.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from alerts.rules import Priority
from monitord.config.model import MonitordConfig
from monitord.errors import RequestError


@dataclass(frozen=True, slots=True)
class Opening:
    """A repair request as reported: what, where, how urgent, who to call back."""

    category: str
    site: str
    description: str
    reporter: str
    contact: str
    asset: str = ""
    urgent: bool | None = None  # None: the category's default priority


@dataclass(frozen=True, slots=True)
class CheckedOpening:
    opening: Opening
    priority: Priority
    fingerprint: str  # equal for the same asset and category: what makes a request recurring


def known_sites(config: MonitordConfig) -> set[str]:
    """Sites named in ``sites:``, by a target, or as a POS store."""
    return set(config.sites) | {t.site for t in config.targets} | set(config.pos.stores)


def _filled(value: str, field: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise RequestError(f"{field} must not be blank", field=field, status=422)
    return cleaned


def request_fingerprint(category: str, asset: str) -> str:
    """32 characters like an alert's; a request without an asset never recurs (a fresh one)."""
    if not asset:
        return "req-" + uuid.uuid4().hex[:28]
    digest = hashlib.sha256(f"{category}\0{asset.casefold()}".encode()).hexdigest()
    return "req-" + digest[:28]


def check_opening(opening: Opening, config: MonitordConfig) -> CheckedOpening:
    categories = config.repairs.categories
    if opening.category not in categories:
        raise RequestError(
            f"unknown category {opening.category!r}; repairs.categories has: {', '.join(sorted(categories))}",
            field="category",
            status=422,
        )
    sites = known_sites(config)
    if opening.site not in sites:
        listed = ", ".join(sorted(sites)[:20]) or "none are configured"
        raise RequestError(f"unknown site {opening.site!r} (sites: {listed})", field="site", status=422)
    cleaned = Opening(
        category=opening.category,
        site=opening.site,
        description=_filled(opening.description, "description"),
        reporter=_filled(opening.reporter, "reporter"),
        contact=_filled(opening.contact, "contact"),
        asset=opening.asset.strip(),
        urgent=opening.urgent,
    )
    if opening.urgent is None:
        priority: Priority = categories[opening.category]
    else:
        priority = "urgent" if opening.urgent else "normal"
    return CheckedOpening(cleaned, priority, request_fingerprint(cleaned.category, cleaned.asset))


def resolution_text(value: str) -> str:
    """A resolution as stored: trimmed, and never blank (like a root cause)."""
    return _filled(value, "resolution")
