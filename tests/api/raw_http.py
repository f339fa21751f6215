"""Raw bytes over a loopback socket: what a hostile or broken client sends, not what aiohttp's
client would let a test send."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    return Answer(status, headers, body if length is None else body[: int(length)])


async def read_answer(reader: asyncio.StreamReader, timeout: float = 10.0) -> Answer:
    """One complete response (headers and Content-Length body) from ``reader``."""
    async with asyncio.timeout(timeout):
        head = await reader.readuntil(b"\r\n\r\n")
        answer = parse(head)
        length = int(answer.headers.get("content-length", "0"))
        body = await reader.readexactly(length)
    return Answer(answer.status, answer.headers, body)


async def exchange(
    port: int | None, data: bytes, *, local: str | None = None, timeout: float = 10.0
) -> Answer:
    """Send ``data`` on a fresh connection and read the one answer (``port``: a daemon's http_port)."""
    assert port is not None, "the daemon is not listening"
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0) if local else None), timeout
    )
    try:
        writer.write(data)
        await writer.drain()
        return await read_answer(reader, timeout)
    finally:
        writer.close()


async def closed_by_peer(reader: asyncio.StreamReader, timeout: float) -> bool:
    """True when the server closes the connection within ``timeout`` (reading anything it sends)."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True
