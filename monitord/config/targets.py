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

    zone: Name | None = None
    parent: Name | None = None
    criticality: Criticality | None = None
    tags: list[Name] = Field(default_factory=list)
    labels: dict[Name, Name] = Field(default_factory=dict)
    probes: ProbeOverrides = Field(default_factory=dict)


class SiteConfig(TargetDefaults):
    """A head office, branch or store."""

    description: Text = ""
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return validate_timezone(value)


class GroupConfig(TargetDefaults):
    """A reusable bundle of defaults (e.g. ``pos-till``, ``core-switch``)."""


class TargetConfig(Section):
    """One monitored device or service."""

    name: str
    address: str
    site: Name = Field(min_length=1)
    zone: Name | None = None
    parent: Name | None = None
    criticality: Criticality | None = None
    tags: list[Name] = Field(default_factory=list)
    labels: dict[Name, Name] = Field(default_factory=dict)
    groups: list[Name] = Field(default_factory=list)
    probes: ProbeOverrides = Field(default_factory=dict)

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
