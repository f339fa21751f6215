"""``sites:``, ``groups:`` and ``targets:``: what is monitored and how.

A target inherits from its site's defaults, then from each of its groups in
order, then its own settings win; so 2,000 stores need one line per device.
Probe settings per kind merge the same way, on top of ``probes:``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from pydantic import Field, field_validator

from monitord.config.section import Section
from monitord.config.zones import validate_timezone
from monitord.inputs import Name, Text
from probes.base import Criticality

_HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$"
_NAME = re.compile(NAME_PATTERN)

# A probe entry: settings to merge (a mapping), ``null``/``true`` to enable with
# inherited settings, or ``false`` to switch off a kind a site or group enabled.
ProbeOverrides = dict[str, dict[str, Any] | bool | None]


def validate_address(value: str) -> str:
    """An IPv4/IPv6 literal or an RFC 1123 host name."""
    candidate = value.strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        pass
    name = candidate.rstrip(".")
    labels = name.split(".")
    if 0 < len(name) <= 253 and all(_HOSTNAME_LABEL.match(p) for p in labels) and not labels[-1].isdigit():
        return candidate
    raise ValueError("not an IP address or host name")


class TargetDefaults(Section):
    """What a site or group hands down to its targets.

    Names, tags and labels reach tickets in the state database and series
    tags, so they refuse control characters (PostgreSQL refuses NUL in text).
    """

    zone: Name | None = Field(default=None, description="Default zone of the targets (core, pos, dmz, ...).")
    parent: Name | None = Field(
        default=None,
        description="Default upstream target (site router, WAN link); ignored on the target it names.",
    )
    criticality: Criticality | None = Field(
        default=None, description="Default criticality of the targets (urgent or normal)."
    )
    tags: list[Name] = Field(default_factory=list, description="Tags added to every target's own.")
    labels: dict[Name, Name] = Field(
        default_factory=dict,
        description="Labels handed down; a target's own win (not yet read by rules, routes or the API).",
    )
    probes: ProbeOverrides = Field(
        default_factory=dict,
        description="Probe kinds to run with settings overrides ({tcp: {port: 22}, icmp: {}}); "
        "false switches a kind off.",
    )


class SiteConfig(TargetDefaults):
    """A head office, branch or store."""

    description: Text = Field(default="", description="Free text shown in summaries and the API.")
    timezone: str = Field(default="UTC", description="IANA time zone of the site (POS opening hours use it).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return validate_timezone(value)


class GroupConfig(TargetDefaults):
    """A reusable bundle of defaults (e.g. ``pos-till``, ``core-switch``)."""


class TargetConfig(Section):
    """One monitored device or service."""

    name: str = Field(
        description="Unique name: 1-128 letters, digits or . _ : @ / -, starting with a letter or digit."
    )
    address: str = Field(description="IPv4 or IPv6 address, or a DNS host name.")
    site: Name = Field(min_length=1, description="The head office, branch or store it belongs to.")
    zone: Name | None = Field(default=None, description="A zone within the site (core, pos, dmz, ...).")
    parent: Name | None = Field(
        default=None,
        description="The upstream target (site router, WAN link): while it is down this target's "
        "notifications are suppressed and attached to the parent's ticket.",
    )
    criticality: Criticality | None = Field(
        default=None,
        description="urgent or normal (inherited, else normal): with a critical rule firing, urgent "
        "targets get urgent tickets.",
    )
    tags: list[Name] = Field(
        default_factory=list, description="Free tags (pos, network) for rule and route scoping."
    )
    labels: dict[Name, Name] = Field(
        default_factory=dict,
        description="Key/value labels, merged site < groups < target; kept with the target but "
        "not yet read by rules, routes or the API.",
    )
    groups: list[Name] = Field(
        default_factory=list, description="Names of groups whose defaults apply, in order."
    )
    probes: ProbeOverrides = Field(
        default_factory=dict,
        description="Probe kinds to run, each with overrides ({tcp: {port: 22}, icmp: {}}); false "
        "switches off a kind a site or group enabled.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "a name is 1-128 letters, digits or . _ : @ / -, starting with a letter or digit"
            )
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return validate_address(value)
