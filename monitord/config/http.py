"""``http:``: the API listener and its bearer tokens."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator

from monitord.config.durations import Bounds, Duration
from monitord.config.secrets import Secret
from monitord.config.section import Section

Role = Literal["read", "technician", "admin"]


class ApiToken(Section):
    """A named bearer token; the name is what audit logs record, never the token."""

    name: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.@-]+$",
        description="Who holds the token; audit records and ticket history name it.",
    )
    role: Role = Field(
        default="read",
        description="read: queries only (a viewer); technician: also works tickets (ack, note, "
        "resolve, close, assign to itself); admin: queries and every change.",
    )
    token: Secret = Field(
        description="The bearer value clients send (Authorization: Bearer ...), "
        "at least 16 characters, unique across API and POS tokens."
    )

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: Secret) -> Secret:
        if len(value.get_secret_value()) < 16:
            raise ValueError("a token must be at least 16 characters")
        return value


class TlsListener(Section):
    """A second listener for the same API and console over HTTPS (certificate and key files).

    Files are read at start-up (a change needs a restart); the key must not be
    encrypted. With it, session cookies are marked Secure on that listener.
    """

    listen: str = Field(
        default="127.0.0.1:8443",
        description="IP:PORT of the HTTPS listener ([::1]:8443 for IPv6, port 0 for any free port).",
    )
    certificate: Path = Field(
        description="PEM file with the server certificate, followed by any intermediate certificates."
    )
    key: Path = Field(description="PEM file with the certificate's private key (not encrypted).")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        return checked_listen(value)

    @property
    def host(self) -> str:
        return split_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return split_listen(self.listen)[1]

    @model_validator(mode="after")
    def _loadable(self) -> TlsListener:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(self.certificate, self.key)
        except FileNotFoundError as exc:
            raise ValueError(f"cannot read {exc.filename or self.certificate}: no such file") from None
        except PermissionError as exc:
            raise ValueError(f"cannot read {exc.filename or self.certificate}: permission denied") from None
        except (ssl.SSLError, OSError) as exc:
            raise ValueError(
                f"certificate {self.certificate} and key {self.key} do not load together "
                f"({getattr(exc, 'reason', None) or exc.__class__.__name__})"
            ) from None
        return self


class HttpConfig(Section):
    """Listen on loopback unless told otherwise."""

    listen: str = Field(
        default="127.0.0.1:8470",
        description="IP:PORT the API listens on ([::1]:8470 for IPv6, port 0 for any free port); "
        "loopback unless you change it.",
    )
    tokens: list[ApiToken] = Field(
        default_factory=list,
        description="Bearer tokens. With none, read endpoints are open and every change is refused.",
    )
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        le=1024 * 1024 * 1024,
        description="Largest request body accepted; larger ones get 413.",
    )
    header_timeout: Annotated[Duration, Bounds(0.1, 300.0)] = Field(
        default=10.0,
        description="Time a client has to send a request's line and headers, counted from the "
        "connection (first request) or from the request's first byte (later ones); "
        "then it gets 408 and the connection is closed.",
    )
    body_timeout: Annotated[Duration, Bounds(0.1, 3600.0)] = Field(
        default=60.0,
        description="Time a client has to send a request body once its headers are in; "
        "then it gets 408 and the connection is closed.",
    )
    send_timeout: Annotated[Duration, Bounds(0.1, 3600.0)] = Field(
        default=60.0,
        description="How long an answer may wait for a client that does not read it (the send "
        "buffer stays full); then the connection is dropped.",
    )
    idle_timeout: Annotated[Duration, Bounds(0.1, 3600.0)] = Field(
        default=75.0, description="How long an idle keep-alive connection is kept open between requests."
    )
    max_connections: int = Field(
        default=1024,
        ge=1,
        le=60000,
        description="Open connections in total. At the cap the connection idle the longest "
        "is closed to make room; when none is idle the new one gets 503.",
    )
    max_connections_per_address: int = Field(
        default=256,
        ge=1,
        le=60000,
        description="Open connections from one client address (a reverse proxy counts as one "
        "address); more get 503 and are closed.",
    )

    tls: TlsListener | None = Field(
        default=None,
        description="An HTTPS listener beside listen, serving the same API and console; none: "
        "plain HTTP only (put a TLS reverse proxy in front, see trusted_proxies).",
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose X-Forwarded-For (the client's "
        "address) and X-Forwarded-Proto (https) are believed; from any other peer the "
        "headers are ignored. Empty: ignored from everyone.",
    )

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        return checked_listen(value)

    @model_validator(mode="after")
    def _unique_names(self) -> HttpConfig:
        # Equal token values (also across POS tokens) are found by monitord.config.tokens.
        names = [t.name for t in self.tokens]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"token name {', '.join(map(repr, twice))} is used more than once")
        return self

    @property
    def host(self) -> str:
        return split_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return split_listen(self.listen)[1]


def checked_listen(value: str) -> str:
    host, port = split_listen(value)
    if not 0 <= port < 65536:
        raise ValueError("port must be 0-65535 (0: any free port)")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError("listen must be IP:PORT (e.g. 127.0.0.1:8470 or [::1]:8470)") from None
    return value


def split_listen(value: str) -> tuple[str, int]:
    """``"[::1]:8470"`` -> ``("::1", 8470)``; raises ValueError on anything else."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError("listen must be IP:PORT (e.g. 127.0.0.1:8470 or [::1]:8470)")
    return host.strip("[]"), int(port_text)
