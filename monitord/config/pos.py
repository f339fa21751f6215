"""``pos:``: the register of stores and POS terminals, and how their heartbeats are judged.

A store inherits ``hours``, ``holidays``, ``interval`` and the thresholds from the
section's defaults, so 2,000 stores with the same opening hours need one line of
hours. Tokens (HTTP) and UDP keys are secrets: never logged, never in API output.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from monitord.config.durations import Bounds, Duration, PositiveDuration
from monitord.config.http import split_listen
from monitord.config.secrets import Secret
from monitord.config.section import Section
from monitord.config.targets import NAME_PATTERN, validate_address
from monitord.inputs import Name, Text
from monitord.pos.hours import HoursSpec, parse_hours


def _check_hours(value: HoursSpec) -> HoursSpec:
    parse_hours(value)  # raises ValueError naming the bad weekday or time range
    return value


# Opening hours as written in the config, validated the same way for stores and defaults.
CheckedHours = Annotated[HoursSpec, AfterValidator(_check_hours)]

# How often a till reports: under a second is a flood, over a day is a till never missed.
HeartbeatInterval = Annotated[Duration, Bounds(1.0, 86400.0)]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$"


def _terminal_id(key: str) -> str:
    if not re.match(ID_PATTERN, key):
        raise ValueError(f"terminal id {key!r}: use letters, digits and ._:@- (at most 64)")
    return key


def _store_name(key: str) -> str:
    if not re.match(NAME_PATTERN, key) or "/" in key:
        raise ValueError(f"store name {key!r}: use letters, digits and ._:@- (at most 128)")
    return key


# Checked per key, so every bad store name or terminal id is reported in one run.
TerminalId = Annotated[str, AfterValidator(_terminal_id)]
StoreName = Annotated[str, AfterValidator(_store_name)]
MIN_SECRET_LENGTH = 16


def _long_secret(value: Secret | None, what: str) -> Secret | None:
    if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
        raise ValueError(f"{what} must be at least {MIN_SECRET_LENGTH} characters")
    return value


class TerminalConfig(Section):
    """One till. Everything is optional: ``till-1: {}`` registers it with the store's defaults."""

    address: str | None = Field(
        default=None,
        description="The till's IP address or host name; none: the polled target's, else IPAM's, "
        "else the last sender address.",
    )
    interval: HeartbeatInterval | None = Field(
        default=None, description="Expected heartbeat interval of this till; none: the store's."
    )
    token: Secret | None = Field(
        default=None, description="HTTP heartbeat token valid only for this till (secret, >= 16 chars)."
    )
    poll: str | None = Field(
        default=None,
        description="A target whose tcp/icmp results count as heartbeats (no push); the interval "
        "defaults to that target's longest probe interval.",
    )
    description: Text = Field(default="", description="Free text shown in the API.")

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else validate_address(value)

    @field_validator("token")
    @classmethod
    def _token(cls, value: Secret | None) -> Secret | None:
        return _long_secret(value, "a terminal token")


class StoreConfig(Section):
    """A store: its site (time zone), WAN router, credentials, hours and terminals."""

    site: Name | None = Field(
        default=None,
        description="The site whose timezone the opening hours use (must exist if set); "
        "none: the store's own name.",
    )
    router: Name | None = Field(
        default=None,
        description="The WAN router target (must exist if set); none: sites.<site>.parent, else the "
        "parent of a polled till's target.",
    )
    token: Secret | None = Field(
        default=None,
        description="HTTP heartbeat token valid for every till of the store (secret, >= 16 chars).",
    )
    udp_key: Secret | None = Field(
        default=None,
        description="HMAC-SHA256 key of the store's UDP datagrams (secret, >= 16 chars); none: its "
        "datagrams are dropped (no_key).",
    )
    hours: CheckedHours | None = Field(
        default=None, description="Opening hours replacing pos.hours for this store (same form)."
    )
    holidays: list[dt.date] = Field(
        default_factory=list, description="Extra closed dates, added to pos.holidays."
    )
    interval: HeartbeatInterval | None = Field(
        default=None, description="Overrides pos.interval for this store."
    )
    missed_intervals: int | None = Field(
        default=None, ge=1, le=1000, description="Overrides pos.missed_intervals for this store."
    )
    down_terminals: int | None = Field(
        default=None, ge=1, le=1000, description="Overrides pos.down_terminals for this store."
    )
    auto_register: bool | None = Field(
        default=None, description="Overrides pos.auto_register for this store."
    )
    description: Text = Field(default="", description="Free text shown in the API.")
    terminals: dict[TerminalId, TerminalConfig] = Field(
        default_factory=dict,
        description="Tills by id (letters, digits, ._:@-, at most 64); till-1: {} takes every default.",
    )

    @field_validator("terminals", mode="before")
    @classmethod
    def _empty_terminals(cls, value: Any) -> Any:
        # ``till-1:`` with no settings is YAML null; it means "all defaults".
        if isinstance(value, dict):
            return {key: ({} if item is None else item) for key, item in value.items()}
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: Secret | None) -> Secret | None:
        return _long_secret(value, "a store token")

    @field_validator("udp_key")
    @classmethod
    def _udp_key(cls, value: Secret | None) -> Secret | None:
        return _long_secret(value, "a UDP key")


class UdpListenConfig(Section):
    """The compact signed-datagram listener; ``listen: null`` (default) turns it off."""

    listen: str | None = Field(
        default=None,
        description="IP:PORT of the UDP heartbeat listener (loopback unless you change it); "
        "none: no listener.",
    )
    max_datagram_bytes: int = Field(
        default=512, ge=64, le=65507, description="Larger datagrams are dropped (oversized)."
    )
    receive_buffer_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=65536,
        le=1 << 30,
        description="SO_RCVBUF of the listener in bytes, to absorb bursts.",
    )

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, port = split_listen(value)
        if not 0 <= port < 65536:
            raise ValueError("port must be 0-65535")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError("listen must be IP:PORT (e.g. 127.0.0.1:8471)") from None
        return value


class PosConfig(Section):
    """POS terminal register and heartbeat settings; off while ``stores`` is empty."""

    interval: HeartbeatInterval = Field(
        default=30.0, description="Expected heartbeat interval of a till (per store and till overridable)."
    )
    missed_intervals: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="N: a till is down after N intervals without a heartbeat in opening hours.",
    )
    down_terminals: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="k: a store with at least k tills down is one store alert (a store with fewer "
        "tills uses its till count).",
    )
    evaluate_every: PositiveDuration = Field(default=1.0, description="How often the register is judged.")
    auto_register: bool = Field(
        default=False,
        description="Register unknown tills on their first authenticated heartbeat (at most 1,000 "
        "per store); false: reject them (404).",
    )
    replay_window: PositiveDuration = Field(
        default=120.0,
        description="UDP only: a datagram whose timestamp differs more from the daemon's clock "
        "is dropped (stale).",
    )
    max_heartbeat_bytes: int = Field(
        default=4096, ge=256, le=1024 * 1024, description="HTTP heartbeat body limit in bytes (413 beyond)."
    )
    hours: CheckedHours | None = Field(
        default=None,
        description="Opening hours in each store's local time: keys mon..sun, ranges such as "
        'mon-fri, or daily; values "HH:MM-HH:MM", a list of them, or closed; unlisted '
        "days are closed. None: open around the clock.",
    )
    holidays: list[dt.date] = Field(default_factory=list, description="Dates every store is closed all day.")
    udp: UdpListenConfig = Field(
        default_factory=UdpListenConfig, description="The signed UDP datagram listener."
    )
    stores: dict[StoreName, StoreConfig] = Field(
        default_factory=dict, description="Stores by name; POS monitoring is on while this is not empty."
    )

    @property
    def enabled(self) -> bool:
        return bool(self.stores)

    def summary(self) -> list[str]:
        if not self.stores:
            return []
        terminals = sum(len(s.terminals) for s in self.stores.values())
        polled = sum(1 for s in self.stores.values() for t in s.terminals.values() if t.poll)
        udp = self.udp.listen or "off"
        auto = sum(
            1
            for s in self.stores.values()
            if (s.auto_register is None and self.auto_register) or s.auto_register
        )
        return [
            f"pos: {len(self.stores)} stores, {terminals} terminals ({polled} polled), "
            f"down after {self.missed_intervals} missed intervals, store alert at "
            f"{self.down_terminals} terminals down",
            f"pos: HTTP heartbeats on /api/v1/pos/heartbeat, UDP {udp}, auto-register in {auto} stores",
        ]
