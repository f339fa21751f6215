"""The two HTTP write APIs, each sending one pre-serialised, optionally gzipped body.

A transport raises ``RetryableError`` (connection failure, timeout, 429, 5xx;
with the server's Retry-After) or ``WriteRejected`` (any other 4xx, with the
server's message) and returns normally on 2xx. Retrying is the caller's job.

* v2 (``/api/v2/write``): through influxdb-client's async write service, which
  accepts the bytes as they are (no ``Point`` objects on the hot path).
* v1 (``/write?db=&rp=``, InfluxDB 1.x): aiohttp directly; influxdb-client
  has no v1 write.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import time
from typing import Any, Protocol

import aiohttp

from monitord.config.influx import InfluxConfig
from monitord.errors import MonitordError, RetryableError

_USER_AGENT = "monitord"


class WriteRejected(MonitordError, ValueError):
    """The server refused the body (4xx other than 429); resending it would not help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class Transport(Protocol):
    """Sends one body of line protocol."""

    async def send(self, body: bytes, gzipped: bool) -> None: ...

    async def close(self) -> None: ...


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def server_message(body: bytes | str | None) -> str:
    """The ``error``/``message`` of a JSON error body, else the text (shortened)."""
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        return text.strip()[:2000]
    if isinstance(parsed, dict):
        for key in ("error", "message"):
            if isinstance(parsed.get(key), str):
                return str(parsed[key])[:2000]
    return text.strip()[:2000]


def describe_failure(exc: BaseException) -> str:
    """A transport failure as text for logs and /healthz, without the request URL.

    aiohttp's response errors (``ClientResponseError``, ``TooManyRedirects``...) print
    the full request URL with its query string; only the status and message are kept.
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"{type(exc).__name__}: HTTP {exc.status} {exc.message}".strip()
    if isinstance(exc, aiohttp.InvalidURL):
        return type(exc).__name__
    return str(exc) or type(exc).__name__


def classify(status: int, body: bytes | str | None, retry_after: str | None) -> Exception | None:
    """None for success, else the error to raise for this response."""
    if 200 <= status < 300:
        return None
    message = server_message(body)
    if status == 429 or status >= 500 or status == 408:
        return RetryableError(f"HTTP {status}: {message}", retry_after_seconds(retry_after))
    return WriteRejected(status, message)


class V1Transport:
    """InfluxDB 1.x ``/write`` with database, retention policy and basic auth."""

    def __init__(self, config: InfluxConfig) -> None:
        self.config = config
        self.url = str(config.url).rstrip("/") + "/write"
        params = {"db": config.database, "precision": _V1_PRECISION[config.precision]}
        if config.retention_policy:
            params["rp"] = config.retention_policy
        self.params = params
        # Basic auth (InfluxDB 1.x accepts it), not ``?u=&p=``: a URL ends up in error texts,
        # and those reach logs and the unauthenticated /healthz detail.
        # (Built by hand: aiohttp.BasicAuth is deprecated, encode_basic_auth is 3.14+ only.)
        self._authorization: str | None = None
        if config.username is not None and config.password is not None:
            credentials = f"{config.username}:{config.password.get_secret_value()}".encode()
            self._authorization = "Basic " + base64.b64encode(credentials).decode("ascii")
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(
                total=self.config.timeout, sock_connect=self.config.connect_timeout
            )
            connector = aiohttp.TCPConnector(ssl=self.config.verify_tls, limit=8)
            self._session = aiohttp.ClientSession(timeout=timeout, connector=connector)
        return self._session

    async def send(self, body: bytes, gzipped: bool) -> None:
        headers = {"Content-Type": "text/plain; charset=utf-8", "User-Agent": _USER_AGENT}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        if self._authorization is not None:
            headers["Authorization"] = self._authorization
        try:
            # No redirects: a 3xx is reported (WriteRejected), the credentials go nowhere else.
            async with (
                asyncio.timeout(self.config.timeout),
                self._open().post(
                    self.url,
                    params=self.params,
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                ) as response,
            ):
                text = await response.read()
                error = classify(response.status, text, response.headers.get("Retry-After"))
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise RetryableError(f"cannot reach {self.config.url}: {describe_failure(exc)}") from None
        if error is not None:
            raise error

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


_V1_PRECISION = {"ns": "n", "us": "u", "ms": "ms", "s": "s"}


class V2Transport:
    """``/api/v2/write`` through influxdb-client's async write service."""

    def __init__(self, config: InfluxConfig) -> None:
        self.config = config
        self._client: Any = None
        self._service: Any = None

    def _open(self) -> Any:
        if self._service is None:
            from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync  # noqa: PLC0415  influxdb_client ~380 ms
            from influxdb_client.service.write_service import WriteService  # noqa: PLC0415  influxdb_client costs ~380 ms to import; only the v2 API needs it

            token = self.config.token.get_secret_value() if self.config.token else ""
            self._client = InfluxDBClientAsync(
                url=str(self.config.url).rstrip("/"),
                token=token,
                org=self.config.org,
                timeout=int(self.config.timeout * 1000),
                enable_gzip=False,
                verify_ssl=self.config.verify_tls,
            )
            self._service = WriteService(self._client.api_client)  # type: ignore[no-untyped-call]
        return self._service

    async def send(self, body: bytes, gzipped: bool) -> None:
        from influxdb_client.rest import ApiException  # noqa: PLC0415  influxdb_client costs ~380 ms to import; only the v2 API needs it

        service = self._open()
        extra: dict[str, str] = {"content_encoding": "gzip"} if gzipped else {}
        try:
            async with asyncio.timeout(self.config.timeout):
                await service.post_write_async(
                    org=self.config.org,
                    bucket=self.config.bucket,
                    body=body,
                    precision=self.config.precision,
                    content_type="text/plain; charset=utf-8",
                    **extra,
                )
        except ApiException as exc:
            headers: Any = exc.headers or {}
            error = classify(int(exc.status or 0), exc.body, headers.get("Retry-After"))
            if error is None:
                return
            if int(exc.status or 0) == 0:
                raise RetryableError(f"cannot reach {self.config.url}: {exc.reason}") from exc
            raise error from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise RetryableError(f"cannot reach {self.config.url}: {describe_failure(exc)}") from None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
            self._service = None


def open_transport(config: InfluxConfig) -> Transport:
    return V2Transport(config) if config.api == "v2" else V1Transport(config)
