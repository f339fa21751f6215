"""One HTTP/1.1 request and its answer on an open stream, first byte and transfer timed.

Only what a check needs: ``Connection: close`` requests, answers framed by
Content-Length, chunked transfer coding or the end of the stream. The body is read
to the end (its length is a field) but only ``max_body`` bytes are kept for matching.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from monitord.http_timing.connection import CheckFailed, Connection, Phases

_READ = 65536
_MAX_HEADERS = 200
NO_BODY_STATUS = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class Response:
    """What came back: status, headers (names lower-cased, in order), the kept body, its size."""

    version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    length: int

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


def request_bytes(method: str, target: str, host: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """The request as sent: request line, Host, the configured headers, framing, body."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    names = {name.lower() for name, _ in headers}
    lines += [f"{name}: {value}" for name, value in headers]
    if "user-agent" not in names:
        lines.append("User-Agent: monitord")
    if "accept" not in names:
        lines.append("Accept: */*")
    lines.append("Connection: close")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise CheckFailed("connection closed before a complete answer") from None
        return exc.partial
    except asyncio.LimitOverrunError:
        raise CheckFailed("answer header line longer than 64 KiB") from None


async def read_head(reader: asyncio.StreamReader) -> tuple[str, int, str, tuple[tuple[str, str], ...]]:
    """Status line and headers; CheckFailed if it is not HTTP."""
    status_line = (await _line(reader)).decode("latin-1").rstrip("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise CheckFailed(f"not an HTTP answer: {status_line[:60]!r}")
    headers: list[tuple[str, str]] = []
    while True:
        raw = (await _line(reader)).decode("latin-1").rstrip("\r\n")
        if not raw:
            break
        if len(headers) >= _MAX_HEADERS:
            raise CheckFailed(f"more than {_MAX_HEADERS} header lines")
        name, sep, value = raw.partition(":")
        if not sep:
            raise CheckFailed(f"malformed header line: {raw[:60]!r}")
        headers.append((name.strip().lower(), value.strip()))
    return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", tuple(headers)


class _Body:
    """Counts every byte of the body and keeps the first ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit, self.length, self.kept = limit, 0, bytearray()

    def add(self, data: bytes) -> None:
        self.length += len(data)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += data[:room]


async def _exactly(reader: asyncio.StreamReader, size: int, body: _Body) -> None:
    while size > 0:
        data = await reader.read(min(size, _READ))
        if not data:
            raise CheckFailed("connection closed before the whole body arrived")
        body.add(data)
        size -= len(data)


async def _chunked(reader: asyncio.StreamReader, body: _Body) -> None:
    while True:
        size_text = (await _line(reader)).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise CheckFailed(f"bad chunk size {size_text[:20]!r}") from None
        if size == 0:
            while (await _line(reader)).strip():
                pass  # trailers
            return
        await _exactly(reader, size, body)
        await _line(reader)


async def _to_end(reader: asyncio.StreamReader, body: _Body) -> None:
    while data := await reader.read(_READ):
        body.add(data)


async def exchange(
    connection: Connection, request: bytes, method: str, *, max_body: int, phases: Phases
) -> Response:
    """Send ``request``, read the answer; first byte and transfer added to ``phases``."""
    loop = asyncio.get_running_loop()
    try:
        connection.writer.write(request)
        await connection.writer.drain()
        sent = loop.time()
        version, status, reason, headers = await read_head(connection.reader)
        first = loop.time()
        phases.first_byte_ms += (first - sent) * 1000.0
        body = _Body(max_body)
        framing = dict(headers)
        if method != "HEAD" and status >= 200 and status not in NO_BODY_STATUS:
            if "chunked" in framing.get("transfer-encoding", "").lower():
                await _chunked(connection.reader, body)
            elif (length := framing.get("content-length")) is not None:
                if not length.isdigit():
                    raise CheckFailed(f"bad Content-Length {length[:20]!r}")
                await _exactly(connection.reader, int(length), body)
            else:
                await _to_end(connection.reader, body)
        phases.transfer_ms += (loop.time() - first) * 1000.0
    except (ConnectionError, OSError) as exc:
        raise CheckFailed(f"connection lost: {exc.strerror or exc or type(exc).__name__}") from None
    return Response(
        version=version,
        status=status,
        reason=reason,
        headers=headers,
        body=bytes(body.kept),
        length=body.length,
    )
