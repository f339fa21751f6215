"""TLS certificate probe for services that are not HTTP: SMTPS, IMAPS, LDAPS, POP3S and STARTTLS.

Connects, speaks the protocol's STARTTLS dialogue if configured (SMTP ``EHLO``/``STARTTLS``,
IMAP ``STARTTLS``, POP3 ``STLS``), shakes hands verifying against the system store or
``ca_file``, and writes the ``tls`` measurement the ``http`` kind writes too: days left,
issuer, protocol version, valid or not. A certificate that fails verification is a
finding (``cert_valid=0``, the leaf still read through a second, unverified handshake);
a service that cannot be reached or refuses STARTTLS is a failed run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from monitord.http_timing.certificates import ContextCache, TlsOptions
from monitord.http_timing.connection import (
    CheckFailed,
    Connection,
    IpProtocol,
    Phases,
    connect,
    inspect,
    secure,
)
from monitord.results import ProbeResult, now_ns
from probes.base import ProbeKind, ProbeSettings, ProbeTarget
from probes.http import tls_result

WRITES: dict[str, dict[str, str]] = {
    "tls": {
        "up": "number",
        "connect_ms": "number",
        "handshake_ms": "number",
        "cert_days_left": "number",
        "cert_valid": "number",
        "issuer": "text",
        "tls_version": "text",
    },
}

StartTls = Literal["none", "smtp", "imap", "pop3"]
_MAX_LINES = 100


class TlsSettings(ProbeSettings):
    """``port`` is required; ``starttls`` names the plain-text dialogue before the handshake."""

    port: int = Field(
        ge=1,
        le=65535,
        description="TCP port of the TLS service (465 SMTPS, 993 IMAPS, "
        "636 LDAPS, 25/587 SMTP with starttls)",
    )
    starttls: StartTls = Field(default="none", description="none (implicit TLS), smtp, imap or pop3")
    server_name: str | None = Field(default=None, description="TLS server name; default: the target address")
    ca_file: Path | None = Field(default=None, description="PEM CA bundle; default: the system store")
    client_cert: Path | None = Field(default=None, description="PEM client certificate (with its key)")
    client_key: Path | None = Field(default=None, description="PEM key of client_cert, if not in it")
    preferred_ip_protocol: IpProtocol = Field(default="ip4", description="ip4 or ip6, tried first")
    ip_protocol_fallback: bool = Field(default=True, description="try the other family when the first fails")

    @model_validator(mode="after")
    def _pair(self) -> TlsSettings:
        if self.client_key is not None and self.client_cert is None:
            raise ValueError("client_key needs client_cert")
        return self


async def _line(connection: Connection) -> str:
    try:
        raw = await connection.reader.readuntil(b"\n")
    except asyncio.IncompleteReadError:
        raise CheckFailed("server closed the connection during STARTTLS") from None
    except asyncio.LimitOverrunError:
        raise CheckFailed("STARTTLS answer line longer than 64 KiB") from None
    return raw.decode("utf-8", "replace").rstrip("\r\n")


async def _smtp_reply(connection: Connection) -> tuple[str, str]:
    """An SMTP reply (continuation lines ``250-``): its code and last line."""
    for _ in range(_MAX_LINES):
        line = await _line(connection)
        if len(line) < 4 or line[3] != "-":
            return line[:3], line
    raise CheckFailed("SMTP reply longer than 100 lines")


async def _send(connection: Connection, text: str) -> None:
    connection.writer.write(text.encode("ascii") + b"\r\n")
    await connection.writer.drain()


async def _smtp(connection: Connection) -> None:
    code, line = await _smtp_reply(connection)
    if code != "220":
        raise CheckFailed(f"SMTP greeting refused: {line[:80]}")
    await _send(connection, "EHLO monitord")
    code, line = await _smtp_reply(connection)
    if code != "250":
        raise CheckFailed(f"SMTP EHLO refused: {line[:80]}")
    await _send(connection, "STARTTLS")
    code, line = await _smtp_reply(connection)
    if code != "220":
        raise CheckFailed(f"SMTP STARTTLS refused: {line[:80]}")


async def _imap(connection: Connection) -> None:
    line = await _line(connection)
    if not line.startswith("* OK"):
        raise CheckFailed(f"IMAP greeting refused: {line[:80]}")
    await _send(connection, "m1 STARTTLS")
    for _ in range(_MAX_LINES):
        line = await _line(connection)
        if line.startswith("m1 "):
            if not line.startswith("m1 OK"):
                raise CheckFailed(f"IMAP STARTTLS refused: {line[:80]}")
            return
    raise CheckFailed("IMAP STARTTLS: no tagged answer")


async def _pop3(connection: Connection) -> None:
    line = await _line(connection)
    if not line.startswith("+OK"):
        raise CheckFailed(f"POP3 greeting refused: {line[:80]}")
    await _send(connection, "STLS")
    line = await _line(connection)
    if not line.startswith("+OK"):
        raise CheckFailed(f"POP3 STLS refused: {line[:80]}")


DIALOGUES: dict[str, Callable[[Connection], Awaitable[None]]] = {"smtp": _smtp, "imap": _imap, "pop3": _pop3}


class TlsProbe(ProbeKind[TlsSettings]):
    """Reads and verifies the certificate a TLS service presents."""

    name: ClassVar[str] = "tls"
    measurement: ClassVar[str] = "tls"
    settings_model: ClassVar[type[TlsSettings]] = TlsSettings
    default_concurrency: ClassVar[int] = 256

    def __init__(self) -> None:
        self.contexts = ContextCache()

    def tags(self, target: ProbeTarget, settings: TlsSettings) -> dict[str, str]:
        return {**target.base_tags(), "port": str(settings.port)}

    async def probe(self, target: ProbeTarget, settings: TlsSettings) -> ProbeResult:
        tags = self.tags(target, settings)
        started_ns = now_ns()
        phases = Phases()
        server_name = settings.server_name or target.address
        dialogue = DIALOGUES.get(settings.starttls)
        options = TlsOptions(
            ca_file=settings.ca_file,
            client_cert=settings.client_cert,
            client_key=settings.client_key,
            server_name=server_name,
        )
        try:
            try:
                verifying, inspecting = await self.contexts.get(options)
            except (OSError, ValueError) as exc:
                raise CheckFailed(f"TLS files unusable: {exc}") from None
            connection = await connect(
                target.address,
                settings.port,
                prefer=settings.preferred_ip_protocol,
                fallback=settings.ip_protocol_fallback,
                phases=phases,
            )
            try:
                if dialogue is not None:
                    try:
                        await dialogue(connection)
                    except (ConnectionError, OSError) as exc:
                        raise CheckFailed(f"STARTTLS failed: {exc}") from None
                await secure(
                    connection, verifying, server_name, phases=phases, handshake_timeout=settings.timeout
                )
            finally:
                await connection.close()
            facts = connection.tls
            assert facts is not None
            if not facts.valid:
                facts = await inspect(
                    target.address,
                    settings.port,
                    inspecting,
                    server_name,
                    facts.error or "",
                    prefer=settings.preferred_ip_protocol,
                    fallback=settings.ip_protocol_fallback,
                    handshake_timeout=settings.timeout,
                    before_tls=dialogue,
                )
        except CheckFailed as exc:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=str(exc),
                tags=tags,
                time_ns=started_ns,
            )
        return tls_result(
            self.name,
            target,
            facts,
            handshake_ms=phases.tls_ms,
            time_ns=started_ns,
            port=str(settings.port),
            connect_ms=phases.connect_ms,
        )
