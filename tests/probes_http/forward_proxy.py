"""A minimal forward proxy on loopback: CONNECT tunnels and absolute-form GETs, counted.

Real sockets both ways; enough to show the probe goes through a proxy (the origin sees
the proxy's connection, the proxy sees the request) and reports a refused CONNECT.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


class ForwardProxy:
    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.requests: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_writer: asyncio.StreamWriter | None = None
        try:
            async with asyncio.timeout(10):
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].decode()
                self.requests.append(line)
                method, target, _ = line.split(" ", 2)
                if self.refuse:
                    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    return
                if method == "CONNECT":
                    host, port = target.rsplit(":", 1)
                    up_reader, up_writer = await asyncio.open_connection(host, int(port))
                    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                else:
                    parts = urlsplit(target)
                    up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
                    rest = head[len(line) :]
                    up_writer.write(f"{method} {parts.path or '/'} HTTP/1.1".encode() + rest)
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()
            if up_writer is not None:
                up_writer.close()
                with contextlib.suppress(OSError):
                    await up_writer.wait_closed()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(OSError):
            writer.write_eof()
