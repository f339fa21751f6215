"""HTTP(S) probe: does a URL answer as expected, how long each phase takes, how its certificate looks.

After blackbox_exporter's ``prober/http.go``: one duration per phase (resolve, connect,
TLS, first byte, transfer) summed over redirects, the certificate's days left as a
number, and a failed expectation (status, body pattern, header) as a result, not an
error. The phases are measured by ``monitord.http_timing`` (our own connect and
``start_tls``), one connection per check, no keep-alive.

What each outcome is (docs/alert-rules.md, the rule model):

* no HTTP answer (name, connect, TLS handshake, timeout, not HTTP): ``ok=False``, ``up=0``;
* an answer that misses an expectation (status not expected, body pattern not found,
  required header missing): ``ok=True`` with ``up=0`` and ``reason`` saying which, like
  an SNMP interface that is oper-down; the phases are still written;
* a certificate that fails verification: ``ok=True``, ``up=1``, ``cert_valid=0`` on the
  ``tls`` result; the request is *not* sent to an unverified server (headers may carry
  credentials), so ``tls-certificate-invalid`` is the one alert for it.

An ``https`` check returns a second result, measurement ``tls`` (the same one the ``tls``
kind writes), so the certificate rules read both kinds.
"""

from __future__ import annotations

import asyncio
import functools
import re
from pathlib import Path
from typing import Annotated, ClassVar
from urllib.parse import urljoin, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from monitord.config.secrets import Secret
from monitord.http_timing.certificates import ContextCache, TlsFacts, TlsOptions
from monitord.http_timing.connection import (
    CheckFailed,
    Connection,
    IpProtocol,
    Phases,
    connect,
    inspect,
    secure,
)
from monitord.http_timing.exchange import Response, exchange, read_head, request_bytes
from monitord.patterns import Pattern, PatternError, compile_pattern
from monitord.results import FieldValue, ProbeResult, now_ns
from probes.base import ProbeKind, ProbeSettings, ProbeTarget

# Measurements and fields this kind writes ("number" or "text"): the Grafana dashboards must show
# each one (tests/grafana/test_coverage.py); keep it next to the code that fills them.
WRITES: dict[str, dict[str, str]] = {
    "http": {
        "up": "number",
        "status_code": "number",
        "resolve_ms": "number",
        "connect_ms": "number",
        "tls_ms": "number",
        "first_byte_ms": "number",
        "transfer_ms": "number",
        "total_ms": "number",
        "content_length": "number",
        "redirects": "number",
        "protocol": "text",
    },
    "tls": {
        "up": "number",
        "handshake_ms": "number",
        "cert_days_left": "number",
        "cert_valid": "number",
        "issuer": "text",
        "tls_version": "text",
    },
}

StatusCode = Annotated[int, Field(ge=100, le=599)]
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")


@functools.lru_cache(maxsize=1024)
def _pattern(text: str) -> Pattern:
    return compile_pattern(text)


def _check_pattern(value: str, what: str = "") -> str:
    try:
        _pattern(value)
    except PatternError as exc:
        raise ValueError(f"{what}not a valid regular expression: {exc}") from None
    return value


class HttpSettings(ProbeSettings):
    """``url`` is required; the rest describes the request and what a good answer looks like."""

    url: str = Field(description="http:// or https:// URL to request (no credentials in it)")
    method: str = Field(default="GET", description="request method")
    body: str = Field(default="", description="request body (sent with Content-Length)")
    headers: dict[str, Secret] = Field(
        default_factory=dict, description="request headers; values are secrets: a string or {file: PATH}"
    )
    valid_status_codes: list[StatusCode] = Field(
        default_factory=list, max_length=100, description="expected status codes; empty means any 2xx"
    )
    body_match: str | None = Field(default=None, description="RE2 pattern the body must contain")
    required_headers: dict[str, str] = Field(
        default_factory=dict, description="answer headers that must be there: name -> RE2 pattern ('' = any)"
    )
    follow_redirects: bool = Field(default=True, description="follow 301/302/303/307/308")
    max_redirects: int = Field(
        default=10, ge=0, le=30, description="redirects followed before the check fails"
    )
    preferred_ip_protocol: IpProtocol = Field(default="ip4", description="ip4 or ip6, tried first")
    ip_protocol_fallback: bool = Field(default=True, description="else the other family")
    proxy: str | None = Field(default=None, description="http://host:port of a proxy (CONNECT for https)")
    ca_file: Path | None = Field(default=None, description="PEM CA bundle; default: the system store")
    client_cert: Path | None = Field(default=None, description="PEM client certificate (with its key)")
    client_key: Path | None = Field(default=None, description="PEM key of client_cert, if not in it")
    server_name: str | None = Field(default=None, description="TLS server name, if not the URL's host")
    max_body: int = Field(default=1 << 20, ge=0, le=64 << 20, description="body bytes kept for body_match")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL with a host")
        if parts.username is not None or parts.password is not None:
            raise ValueError("credentials in the URL would be written to logs; send them in headers")
        if any(ord(c) < 33 or ord(c) == 127 for c in value):
            raise ValueError("URL contains spaces or control characters")
        _ = parts.port  # raises ValueError naming a bad port
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme != "http" or not parts.hostname or parts.username is not None:
            raise ValueError("expected http://host:port (no credentials)")
        _ = parts.port
        return value

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        if not _TOKEN.match(value):
            raise ValueError("not an HTTP method token")
        return value.upper()

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, secret in value.items():
            if not _TOKEN.match(name):
                raise ValueError(f"{name!r} is not a header name")
            if any(c in secret.get_secret_value() for c in "\r\n\0"):
                raise ValueError(f"header {name}: value contains a line break or NUL")
        return value

    @field_validator("body_match")
    @classmethod
    def _body_match(cls, value: str | None) -> str | None:
        return None if value is None else _check_pattern(value)

    @field_validator("required_headers")
    @classmethod
    def _required(cls, value: dict[str, str]) -> dict[str, str]:
        for name, pattern in value.items():
            if not _TOKEN.match(name):
                raise ValueError(f"{name!r} is not a header name")
            _check_pattern(pattern, f"{name}: ")
        return value

    @model_validator(mode="after")
    def _pair(self) -> HttpSettings:
        if self.client_key is not None and self.client_cert is None:
            raise ValueError("client_key needs client_cert")
        return self

    def tls_options(self, host: str) -> TlsOptions:
        return TlsOptions(
            ca_file=self.ca_file,
            client_cert=self.client_cert,
            client_key=self.client_key,
            server_name=self.server_name or host,
        )


def expectations(response: Response, settings: HttpSettings) -> list[str]:
    """What the answer got wrong, one phrase each; empty when it is as expected."""
    problems = []
    codes = settings.valid_status_codes
    if (response.status not in codes) if codes else not 200 <= response.status <= 299:
        wanted = ", ".join(map(str, codes)) if codes else "2xx"
        problems.append(f"status {response.status} (expected {wanted})")
    if settings.body_match is not None and _pattern(settings.body_match).search(response.body) is None:
        problems.append(f"body does not match {settings.body_match!r}")
    for name, pattern in settings.required_headers.items():
        value = response.header(name)
        if value is None:
            problems.append(f"header {name} missing")
        elif pattern and _pattern(pattern).search(value.encode("utf-8", "replace")) is None:
            problems.append(f"header {name} does not match {pattern!r}")
    return problems


class HttpProbe(ProbeKind[HttpSettings]):
    """Requests ``url`` once per interval on a fresh connection, phases timed."""

    name: ClassVar[str] = "http"
    measurement: ClassVar[str] = "http"
    settings_model: ClassVar[type[HttpSettings]] = HttpSettings
    default_concurrency: ClassVar[int] = 256

    def __init__(self) -> None:
        self.contexts = ContextCache()

    async def _open(
        self,
        url: str,
        settings: HttpSettings,
        phases: Phases,
    ) -> tuple[Connection, TlsFacts | None, str]:
        """Connected (through the proxy if any) and, for https, shaken hands; the request target."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        secure_url = parts.scheme == "https"
        port = parts.port or (443 if secure_url else 80)
        path = parts.path or "/"
        target = path + (f"?{parts.query}" if parts.query else "")
        if settings.proxy is not None:
            proxy = urlsplit(settings.proxy)
            connection = await connect(
                proxy.hostname or "",
                proxy.port or 3128,
                prefer=settings.preferred_ip_protocol,
                fallback=settings.ip_protocol_fallback,
                phases=phases,
            )
            if secure_url:
                await _tunnel(connection, host, port, phases)
            else:
                target = url.split("#", 1)[0]  # absolute form to a proxy
        else:
            connection = await connect(
                host,
                port,
                prefer=settings.preferred_ip_protocol,
                fallback=settings.ip_protocol_fallback,
                phases=phases,
            )
        if not secure_url:
            return connection, None, target
        options = settings.tls_options(host)
        try:
            verifying, inspecting = await self.contexts.get(options)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError: a bad CA or key file
            await connection.close()
            raise CheckFailed(f"TLS files unusable: {exc}") from None
        await secure(
            connection,
            verifying,
            options.server_name or host,
            phases=phases,
            handshake_timeout=settings.timeout,
        )
        facts = connection.tls
        if facts is not None and not facts.valid and settings.proxy is None:
            await connection.close()
            facts = await inspect(
                host,
                port,
                inspecting,
                options.server_name or host,
                facts.error or "",
                prefer=settings.preferred_ip_protocol,
                fallback=settings.ip_protocol_fallback,
                handshake_timeout=settings.timeout,
            )
        return connection, facts, target

    async def probe(self, target: ProbeTarget, settings: HttpSettings) -> list[ProbeResult]:
        tags = target.base_tags()
        started_ns = now_ns()
        loop = asyncio.get_running_loop()
        begin = loop.time()
        phases = Phases()
        url, method, body = settings.url, settings.method, settings.body.encode("utf-8")
        headers = [(name, value.get_secret_value()) for name, value in settings.headers.items()]
        redirects = 0
        facts: TlsFacts | None = None
        response: Response | None = None
        try:
            while True:
                connection, hop_facts, request_target = await self._open(url, settings, phases)
                facts = hop_facts or facts
                try:
                    if hop_facts is not None and not hop_facts.valid:
                        break  # never send the request to a server whose certificate failed
                    netloc = urlsplit(url).netloc
                    response = await exchange(
                        connection,
                        request_bytes(method, request_target, netloc, headers, body),
                        method,
                        max_body=settings.max_body,
                        phases=phases,
                    )
                finally:
                    await connection.close()
                location = response.header("location")
                if not (settings.follow_redirects and response.status in REDIRECTS and location):
                    break
                if redirects >= settings.max_redirects:
                    break  # the 3xx is the answer; it fails the status expectation unless expected
                url = urljoin(url, location)
                if urlsplit(url).scheme not in ("http", "https"):
                    raise CheckFailed(f"redirect to an unsupported URL: {url[:80]}")
                redirects += 1
                if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                    method, body = "GET", b""
        except CheckFailed as exc:
            fields: dict[str, FieldValue] = {"resolve_ms": phases.resolve_ms, "redirects": redirects}
            return [
                ProbeResult.failure(
                    measurement=self.measurement,
                    target=target.name,
                    kind=self.name,
                    reason=str(exc),
                    tags=tags,
                    fields=fields,
                    time_ns=started_ns,
                )
            ]
        total_ms = (loop.time() - begin) * 1000.0
        port = str(urlsplit(url).port or (443 if url.startswith("https") else 80))
        fields = {
            "up": 1,
            "resolve_ms": phases.resolve_ms,
            "connect_ms": phases.connect_ms,
            "total_ms": total_ms,
            "redirects": redirects,
        }
        if facts is not None:
            fields["tls_ms"] = phases.tls_ms
        reason: str | None = None
        if response is not None and (facts is None or facts.valid):
            fields.update(
                {
                    "status_code": response.status,
                    "first_byte_ms": phases.first_byte_ms,
                    "transfer_ms": phases.transfer_ms,
                    "content_length": response.length,
                    "protocol": response.version,
                }
            )
            problems = expectations(response, settings)
            if problems:
                fields["up"] = 0
                reason = "; ".join(problems)
        elif facts is not None:
            reason = f"certificate invalid: {facts.error}"
        results = [
            ProbeResult(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                time_ns=started_ns,
                ok=True,
                reason=reason,
                fields=fields,
                tags=tags,
            )
        ]
        if facts is not None:
            results.append(
                tls_result(
                    self.name, target, facts, handshake_ms=phases.tls_ms, time_ns=started_ns, port=port
                )
            )
        return results


def tls_result(
    kind: str,
    target: ProbeTarget,
    facts: TlsFacts,
    *,
    handshake_ms: float,
    time_ns: int,
    port: str,
    connect_ms: float | None = None,
) -> ProbeResult:
    """The ``tls`` measurement: what the handshake showed, whichever kind shook hands."""
    fields: dict[str, FieldValue] = {"up": 1, "handshake_ms": handshake_ms, "cert_valid": int(facts.valid)}
    if connect_ms is not None:
        fields["connect_ms"] = connect_ms
    if facts.version:
        fields["tls_version"] = facts.version
    if facts.certificate is not None:
        fields["cert_days_left"] = round(facts.certificate.days_left, 3)
        fields["issuer"] = facts.certificate.issuer
    reason = None if facts.valid else f"certificate invalid: {facts.error}"
    return ProbeResult(
        measurement="tls",
        target=target.name,
        kind=kind,
        time_ns=time_ns,
        ok=True,
        reason=reason,
        fields=fields,
        tags={**target.base_tags(), "port": port},
    )


async def _tunnel(connection: Connection, host: str, port: int, phases: Phases) -> None:
    """``CONNECT host:port`` through a forward proxy; its time counts as connect time."""
    loop = asyncio.get_running_loop()
    begin = loop.time()
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    connection.writer.write(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode("latin-1"))
    try:
        await connection.writer.drain()
        _, status, reason, _ = await read_head(connection.reader)
    except (ConnectionError, OSError) as exc:
        await connection.close()
        raise CheckFailed(f"proxy closed the connection: {exc}") from None
    except CheckFailed:
        await connection.close()
        raise
    if status != 200:
        await connection.close()
        raise CheckFailed(f"proxy refused CONNECT: {status} {reason}".rstrip())
    phases.connect_ms += (loop.time() - begin) * 1000.0
