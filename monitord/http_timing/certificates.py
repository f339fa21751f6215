"""TLS handshakes that report the certificate as data: days left, issuer, valid or why not.

A certificate that fails verification is something the probe *found* (it reached
the server): the handshake is repeated without verification so the leaf can still
be read (an expired certificate has negative days left), and the verdict is kept
as ``valid=False`` with OpenSSL's reason.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """How to verify the server and who we are: a CA file (else the system store), a client pair."""

    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    server_name: str | None = None  # SNI and the name checked; default: the host connected to


@dataclass(frozen=True, slots=True)
class Certificate:
    """What the leaf certificate says, read whether or not it verified."""

    days_left: float
    issuer: str
    subject: str
    not_after: dt.datetime


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """One handshake's outcome: protocol, the leaf, and whether it verified (and why not)."""

    version: str
    certificate: Certificate | None
    valid: bool
    error: str | None = None


def verifying_context(options: TlsOptions) -> ssl.SSLContext:
    """A client context verifying against ``ca_file`` or the system store, hostname checked."""
    context = ssl.create_default_context(cafile=str(options.ca_file) if options.ca_file else None)
    _client_pair(context, options)
    return context


def inspecting_context(options: TlsOptions) -> ssl.SSLContext:
    """No verification: only used to read a certificate that already failed to verify."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _client_pair(context, options)
    return context


def _client_pair(context: ssl.SSLContext, options: TlsOptions) -> None:
    if options.client_cert is not None:
        context.load_cert_chain(
            str(options.client_cert), str(options.client_key) if options.client_key else None
        )


def _name(name: x509.Name) -> str:
    """The common name if there is one (what people call the issuer), else the full RFC 4514 text."""
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if common:
        value = common[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return name.rfc4514_string()


def read_certificate(der: bytes, now: dt.datetime | None = None) -> Certificate:
    """Facts of a DER certificate; ``now`` is injectable for tests."""
    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    moment = now or dt.datetime.now(dt.UTC)
    return Certificate(
        days_left=(not_after - moment).total_seconds() / 86400.0,
        issuer=_name(cert.issuer),
        subject=_name(cert.subject),
        not_after=not_after,
    )


def facts_of(
    ssl_object: ssl.SSLObject | ssl.SSLSocket | None, valid: bool, error: str | None = None
) -> TlsFacts:
    """TlsFacts from an established TLS session."""
    if ssl_object is None:
        return TlsFacts(version="", certificate=None, valid=False, error=error or "no TLS session")
    der = ssl_object.getpeercert(binary_form=True)
    return TlsFacts(
        version=ssl_object.version() or "",
        valid=valid,
        error=error,
        certificate=read_certificate(der) if der else None,
    )


def verify_reason(exc: ssl.SSLCertVerificationError) -> str:
    """OpenSSL's short reason (``certificate has expired``, ``Hostname mismatch``...)."""
    message = exc.verify_message or exc.reason or str(exc)
    return str(message)


async def start_tls(
    writer: asyncio.StreamWriter, context: ssl.SSLContext, server_name: str, timeout: float
) -> None:
    """Upgrade an open stream to TLS; raises ssl errors and TimeoutError."""
    await writer.start_tls(context, server_hostname=server_name, ssl_handshake_timeout=timeout)


class ContextCache:
    """SSL contexts per option set, built off the loop (they read the CA store and key files).

    Building a default context loads the system CA store (milliseconds of file reading);
    a probe kind keeps one cache so 1,000 targets share a handful of contexts.
    """

    def __init__(self) -> None:
        self._built: dict[TlsOptions, tuple[ssl.SSLContext, ssl.SSLContext]] = {}

    async def get(self, options: TlsOptions) -> tuple[ssl.SSLContext, ssl.SSLContext]:
        """(verifying, inspecting) contexts for ``options``; ssl.SSLError/OSError if files are bad."""
        found = self._built.get(options)
        if found is None:
            found = await asyncio.to_thread(lambda: (verifying_context(options), inspecting_context(options)))
            self._built[options] = found
        return found
