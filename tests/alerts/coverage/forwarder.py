"""A TCP port in front of the test sshd that can be closed: the SSH host "goes down".

Closing refuses new connections and cuts the open ones (the probes' pooled
connection breaks, as when a server or its link goes away); opening again lets
them reconnect. The client trusts sshd's host key under this port's name.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from tests.alerts.harness import Listener
from tests.servers.sshd import SshdServer


class Forwarder:
    def __init__(self, upstream: SshdServer, known_hosts: Path) -> None:
        self.upstream = upstream
        self.port = Listener().port  # below the ephemeral range: no client socket takes it
        self.known_hosts = known_hosts
        known_hosts.write_text(f"[127.0.0.1]:{self.port} {upstream.host_public_key}\n")
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """SSH settings of a probe that goes through this port."""
        return {
            "port": self.port,
            "username": self.upstream.user,
            "client_keys": [str(self.upstream.client_key)],
            "known_hosts": str(self.known_hosts),
            **extra,
        }

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        for task in list(self._pipes):
            task.cancel()
        if self._pipes:
            await asyncio.wait(self._pipes, timeout=5)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream.port)
        except (OSError, TimeoutError):
            writer.close()
            return
        self._writers.update((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, ConnectionError):
            pass
        finally:
            sink.close()
            self._writers.discard(sink)
            with contextlib.suppress(Exception):
                await sink.wait_closed()
