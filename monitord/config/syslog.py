"""``syslog:``: the syslog receiver's listeners, sender mapping, limits and log rules.

Off unless a listener (``udp``, ``tcp`` or ``tls``) is configured; each listens on
loopback unless told otherwise, on ports above 1024 (5514, 6514), so the daemon
needs no privilege for the defaults. The log rules are the model the ``ssh_log``
probe uses (``monitord.logrules``), so one rule works on both sources.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from monitord.config.durations import Bounds, Duration, PositiveDuration
from monitord.config.http import split_listen
from monitord.config.section import Section
from monitord.inputs import Name
from monitord.logrules.rules import DEFAULT_RULES, LogRule

MatchBy = Literal["address", "hostname"]
DEFAULT_MATCH: tuple[MatchBy, ...] = ("address", "hostname")


def _listen(value: str) -> str:
    host, port = split_listen(value)
    if not 0 <= port < 65536:
        raise ValueError("port must be 0-65535")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError("listen must be IP:PORT (e.g. 127.0.0.1:5514 or [::1]:5514)") from None
    return value


def _sender(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError(f"sender {value!r} is not an IP address") from None


Listen = Annotated[str, AfterValidator(_listen)]
SenderAddress = Annotated[str, AfterValidator(_sender)]
# How often results are published: under 50 ms is a result storm, over an hour is no alerting.
PublishInterval = Annotated[Duration, Bounds(0.05, 3600.0)]


class SyslogUdpConfig(Section):
    """The UDP listener (RFC 5426): one message per datagram."""

    listen: Listen = Field(
        default="127.0.0.1:5514",
        description="IP:PORT to receive datagrams on (loopback unless you change it; ports below "
        "1024 need CAP_NET_BIND_SERVICE).",
    )
    receive_buffer_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=65536,
        le=1 << 30,
        description="SO_RCVBUF of the socket in bytes, to absorb bursts (the kernel caps it at "
        "net.core.rmem_max).",
    )


class SyslogTcpConfig(Section):
    """The plain TCP listener (RFC 6587): octet-counted or newline-terminated frames."""

    listen: Listen = Field(
        default="127.0.0.1:5514",
        description="IP:PORT to accept connections on (loopback unless you change it; ports "
        "below 1024 need CAP_NET_BIND_SERVICE).",
    )
    max_connections: int = Field(
        default=256, ge=1, le=100_000, description="Connections open at once; more are closed at once."
    )
    idle_timeout: PositiveDuration = Field(
        default=600.0, description="A connection that sends nothing for this long is closed."
    )


class SyslogTlsConfig(SyslogTcpConfig):
    """The TLS listener (RFC 5425): octet-counted frames inside TLS."""

    listen: Listen = Field(
        default="127.0.0.1:6514",
        description="IP:PORT to accept TLS connections on (loopback unless you change it; ports "
        "below 1024 need CAP_NET_BIND_SERVICE).",
    )
    cert_file: Path = Field(description="PEM certificate (chain) the listener presents.")
    key_file: Path = Field(description="PEM private key of cert_file (keep it readable by the daemon only).")
    client_ca_file: Path | None = Field(
        default=None,
        description="PEM CA bundle: when set, senders must present a client certificate it "
        "signed (mutual TLS); none: any sender may connect.",
    )


class SyslogConfig(Section):
    """The syslog receiver; off while no listener is configured."""

    udp: SyslogUdpConfig | None = Field(
        default=None, description="UDP listener; {} for the defaults (127.0.0.1:5514), none: off."
    )
    tcp: SyslogTcpConfig | None = Field(
        default=None, description="TCP listener; {} for the defaults (127.0.0.1:5514), none: off."
    )
    tls: SyslogTlsConfig | None = Field(
        default=None, description="TLS listener (cert_file and key_file required); none: off."
    )
    match: list[MatchBy] = Field(
        default_factory=lambda: list(DEFAULT_MATCH),
        min_length=1,
        max_length=2,
        description="How a message finds its target, in order: address (the sender's IP: senders "
        "below, then targets' addresses and resolved host names), hostname (the message's "
        "HOSTNAME field against target names and addresses). Put hostname first behind a relay.",
    )
    senders: dict[SenderAddress, Name] = Field(
        default_factory=dict,
        description="Sender IP address -> target name, for senders whose address is not the "
        "target's (NAT, a second interface); checked first.",
    )
    keep_unknown: bool = Field(
        default=False,
        description="Messages from senders no target matches: true: matched and published under "
        "the sender's address as target; false: counted and dropped.",
    )
    max_unknown_senders: int = Field(
        default=1000,
        ge=0,
        le=100_000,
        description="keep_unknown: at most this many distinct unknown senders are kept; "
        "messages of further ones are counted and dropped.",
    )
    rate: float = Field(
        default=1000.0,
        gt=0,
        le=10_000_000,
        description="Messages per second each sender address may send (token bucket); more are "
        "dropped and counted.",
    )
    burst: int = Field(
        default=5000,
        ge=1,
        le=10_000_000,
        description="Token bucket size: messages a sender may send at once above rate.",
    )
    queue_size: int = Field(
        default=100_000,
        ge=100,
        le=10_000_000,
        description="Messages received but not yet matched; when full, new ones are dropped and counted.",
    )
    max_message_bytes: int = Field(
        default=8192,
        ge=480,
        le=65535,
        description="Longest message accepted (datagram or frame); longer ones are dropped and "
        "counted as oversize.",
    )
    interval: PublishInterval = Field(
        default=10.0,
        description="How often each sender's counts are published as a syslog result.",
    )
    quiet_for: Duration = Field(
        default=3600.0,
        ge=0,
        description="A sender that fell silent still gets a result (zero counts) every interval "
        "for this long, so its alerts can resolve (keep it above the rules' clear_for).",
    )
    resolve_every: PositiveDuration = Field(
        default=300.0, description="How often targets' host names are resolved to sender addresses."
    )
    rules: tuple[LogRule, ...] = Field(
        default=DEFAULT_RULES,
        description="Log rules counted per message, as for ssh_log (files globs match "
        "<facility>.<level>, e.g. kern.*); setting it replaces the built-in ones.",
    )
    max_evidence_lines: int = Field(
        default=20,
        ge=0,
        le=1000,
        description="Distinct matching lines kept as evidence per sender and interval (0: none).",
    )
    max_line_length: int = Field(
        default=500, ge=40, le=65536, description="Evidence lines are cut after this many characters."
    )

    @field_validator("match")
    @classmethod
    def _unique_match(cls, value: list[MatchBy]) -> list[MatchBy]:
        if len(set(value)) != len(value):
            raise ValueError("list each of address and hostname at most once")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SyslogConfig:
        names = [rule.name for rule in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rules: duplicate rule name {', '.join(duplicates)}")
        if (
            self.tcp is not None
            and self.tls is not None
            and self.tcp.listen == self.tls.listen
            and not self.tcp.listen.endswith(":0")
        ):
            raise ValueError("tcp.listen and tls.listen must differ")
        return self

    @property
    def enabled(self) -> bool:
        return self.udp is not None or self.tcp is not None or self.tls is not None

    def summary(self) -> list[str]:
        if not self.enabled:
            return []
        listeners = [
            f"{name} {listener.listen}"
            for name, listener in (("udp", self.udp), ("tcp", self.tcp), ("tls", self.tls))
            if listener is not None
        ]
        unknown = "kept" if self.keep_unknown else "dropped"
        return [
            f"syslog: {', '.join(listeners)}; {len(self.rules)} rules, match by "
            f"{' then '.join(self.match)}, unknown senders {unknown}, {self.rate:g} msg/s per sender"
        ]
