"""``snmp_traps:``: the SNMP trap and inform receiver (v1, v2c and v3).

Off by default; when on it listens on loopback port 10162 unless told otherwise
(port 162 needs ``CAP_NET_BIND_SERVICE``, docs/snmp-traps.md). Communities and USM
keys are secrets: never logged, never in API output. v3 users reuse the SNMP
probe's USM model; ``engine_ids`` names the devices that send *traps* as a user
(the sender is the authoritative engine of a trap, so its keys are localised to
the sender's engine ID); informs are sent to our ``engine_id`` and need no list.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from monitord.config.durations import Bounds, Duration
from monitord.config.http import split_listen
from monitord.config.secrets import Secret
from monitord.config.section import Section
from monitord.inputs import Line
from monitord.snmp.values import normalize_oid
from probes.snmp import V3Settings

DEFAULT_LISTEN = "127.0.0.1:10162"
RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_HEX = re.compile(r"^(0x)?([0-9a-fA-F]{2}){5,32}$")

# How long an event raised by a trap stays open without a trap to end it: a second to a week.
EventHold = Annotated[Duration, Bounds(1.0, 7 * 86400.0)]
# How often target host names are resolved again: ten seconds to a day.
ResolveEvery = Annotated[Duration, Bounds(10.0, 86400.0)]


def engine_id_bytes(text: str) -> bytes:
    """``0x8000...`` or ``8000...`` -> the engine ID's octets (5 to 32, RFC 3411)."""
    return bytes.fromhex(text.removeprefix("0x"))


def _quoted(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError('quote engine IDs ("0x8000..."): YAML reads an unquoted 0x... as a number')
    return value


def _engine_id(value: str) -> str:
    text = value.strip().replace(":", "")
    if not _HEX.match(text):
        raise ValueError("an engine ID is 5 to 32 octets in hex, e.g. 0x80001f8880c71100000000")
    return "0x" + text.removeprefix("0x").lower()


def _trap_oid(value: str) -> str:
    if value.endswith(".*"):
        return normalize_oid(value[:-2]) + ".*"
    return normalize_oid(value)


class TrapUser(V3Settings):
    """An SNMPv3 USM user traps and informs may come from (the SNMP probe's USM model)."""

    engine_ids: list[str] = Field(
        default_factory=list,
        description="Engine IDs (hex) of the devices sending traps as this user; a trap is "
        "authenticated with keys localised to its sender's engine ID, so without one here only "
        "informs (sent to our engine_id) are accepted for the user.",
    )

    @field_validator("engine_ids", mode="before")
    @classmethod
    def _strings(cls, values: object) -> object:
        return [_quoted(v) for v in values] if isinstance(values, list) else values

    @field_validator("engine_ids")
    @classmethod
    def _hex(cls, values: list[str]) -> list[str]:
        return [_engine_id(v) for v in values]


class TrapRule(Section):
    """Traps of other OIDs (UPS on battery, fan failed...) that raise an alert of their own."""

    name: str = Field(
        pattern=RULE_NAME,
        description="Rule name; the alert's trap tag (snmp-trap-critical / -warning match on it).",
    )
    oids: list[str] = Field(
        min_length=1,
        description="snmpTrapOID values that raise it (v1 traps are converted as RFC 3584 says: "
        "enterprise.0.specific); a trailing .* matches a whole subtree.",
    )
    ends_with: list[str] = Field(
        default_factory=list,
        description="Trap OIDs that end the alert at once (e.g. the device's 'back on mains' trap).",
    )
    severity: Literal["critical", "warning"] = Field(
        default="warning",
        description="critical: the snmp-trap-critical alert rule; warning: snmp-trap-warning.",
    )
    description: Line = Field(
        default="", max_length=200, description="Text in front of the varbinds in the alert's reason."
    )
    end_after: EventHold | None = Field(
        default=None,
        description="The alert ends this long after the last matching trap; none: snmp_traps.end_after.",
    )

    @field_validator("oids", "ends_with")
    @classmethod
    def _numeric(cls, values: list[str]) -> list[str]:
        return [_trap_oid(v) for v in values]


class SnmpTrapsConfig(Section):
    """The trap receiver: where it listens, who may send, and which traps become alerts."""

    enabled: bool = Field(default=False, description="Run the SNMP trap and inform receiver.")
    listen: list[str] = Field(
        default_factory=lambda: [DEFAULT_LISTEN],
        min_length=1,
        max_length=8,
        description="IP:PORT addresses to receive on (loopback by default; port 162 needs "
        "CAP_NET_BIND_SERVICE).",
    )
    communities: list[Secret] = Field(
        default_factory=list,
        description="v1/v2c communities accepted (secrets); empty: every v1/v2c trap is refused and counted.",
    )
    users: list[TrapUser] = Field(
        default_factory=list, description="SNMPv3 USM users accepted for traps and informs."
    )
    engine_id: str | None = Field(
        default=None,
        description="Our SNMPv3 engine ID (hex), the one informs are sent to; none: one derived "
        "from the state directory, stable across restarts.",
    )
    senders: dict[str, str] = Field(
        default_factory=dict,
        description="Sender address -> target name, for devices that send from an address other "
        "than their target address; otherwise the target with that address is the sender.",
    )
    rules: list[TrapRule] = Field(
        default_factory=list, description="Trap OIDs that raise alerts (besides the standard traps)."
    )
    end_after: EventHold = Field(
        default=600.0,
        description="How long an alert raised by a trap without an ending trap (coldStart, "
        "warmStart, authenticationFailure, rules) stays open after the last such trap.",
    )
    sender_rate: float = Field(
        default=500.0,
        gt=0,
        le=1e6,
        description="Datagrams per second one sender address may send on average; more are "
        "dropped and counted.",
    )
    sender_burst: int = Field(
        default=2000, ge=1, le=10_000_000, description="Datagrams one sender may send at once."
    )
    queue_size: int = Field(
        default=20_000,
        ge=100,
        le=10_000_000,
        description="Datagrams waiting to be decoded; when full new ones are dropped and counted.",
    )
    max_datagram_bytes: int = Field(
        default=8192, ge=484, le=65507, description="Larger datagrams are dropped (oversized)."
    )
    receive_buffer_bytes: int = Field(
        default=4 * 1024 * 1024, ge=65536, le=1 << 30, description="SO_RCVBUF per listening socket."
    )
    resolve_every: ResolveEvery = Field(
        default=300.0,
        description="How often target host names are resolved again to map senders to targets.",
    )

    @field_validator("listen")
    @classmethod
    def _host_port(cls, values: list[str]) -> list[str]:
        for value in values:
            host, port = split_listen(value)
            if not 0 <= port < 65536:
                raise ValueError(f"{value}: port must be 0-65535")
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(f"{value}: listen must be IP:PORT (e.g. 127.0.0.1:10162)") from None
        return values

    @field_validator("engine_id", mode="before")
    @classmethod
    def _string(cls, value: object) -> object:
        return _quoted(value)

    @field_validator("engine_id")
    @classmethod
    def _engine(cls, value: str | None) -> str | None:
        return None if value is None else _engine_id(value)

    @field_validator("communities")
    @classmethod
    def _communities(cls, values: list[SecretStr]) -> list[SecretStr]:
        for value in values:
            if not value.get_secret_value() or len(value.get_secret_value()) > 255:
                raise ValueError("a community is 1 to 255 characters")
        return values

    @field_validator("senders")
    @classmethod
    def _addresses(cls, values: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for address, target in values.items():
            try:
                out[str(ipaddress.ip_address(address))] = target
            except ValueError:
                raise ValueError(f"senders: {address!r} is not an IP address") from None
        return out

    @model_validator(mode="after")
    def _unique(self) -> SnmpTrapsConfig:
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rules: name(s) used twice: {', '.join(twice)}")
        users = [u.user for u in self.users]
        twice = sorted({n for n in users if users.count(n) > 1})
        if twice:
            raise ValueError(f"users: user name(s) used twice: {', '.join(twice)}")
        return self

    def summary(self) -> list[str]:
        if not self.enabled:
            return []
        return [
            f"snmp traps: on {', '.join(self.listen)}, {len(self.communities)} communities, "
            f"{len(self.users)} v3 users, {len(self.rules)} rules"
        ]
