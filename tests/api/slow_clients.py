"""A daemon in its own process and a slowloris attacker, shared by the test and the benchmark.

The daemon runs as ``python -m monitord run`` so ``/proc/<pid>/fd`` counts only
its descriptors. The attacker opens connections from several loopback source
addresses (127.0.0.2 and up), sends half a request and then one more header
line now and then, and reconnects whenever the daemon closes it, so the
pressure stays on for as long as it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class DaemonProcess:
    pid: int
    port: int
    log: Path


@contextlib.asynccontextmanager
async def daemon_process(state_dir: Path, http: dict[str, Any]) -> AsyncIterator[DaemonProcess]:
    """``monitord run`` on a loopback port with ``http`` settings; SIGTERM on exit."""
    port = free_port()
    document = {
        "daemon": {"state_dir": str(state_dir), "log_level": "info"},
        "storage": {"embedded": {"enabled": False}},
        "http": {"listen": f"127.0.0.1:{port}", **http},
    }
    config = state_dir / "monitord.yaml"
    config.write_text(json.dumps(document))  # JSON is YAML
    log = state_dir / "daemon.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "monitord", "run", "-c", str(config), cwd=ROOT, stdout=sink, stderr=sink
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daemon did not start: {log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            await asyncio.sleep(0.1)
        yield DaemonProcess(process.pid, port, log)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def healthz_latency(port: int, timeout: float = 30.0) -> tuple[int, float]:
    """Status and seconds for one ``GET /healthz`` on a fresh connection from 127.0.0.1."""
    start = time.perf_counter()
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            head = await reader.readuntil(b"\r\n")
        finally:
            writer.close()
    return int(head.split()[1]), time.perf_counter() - start


@dataclass
class Slowloris:
    """``count`` trickling connections spread over ``sources`` loopback addresses."""

    port: int
    count: int
    sources: int = 10
    trickle: float = 1.0
    opened: int = 0
    closed_by_server: int = 0
    open_now: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _one(self, index: int) -> None:
        local = f"127.0.0.{2 + index % self.sources}"
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port, local_addr=(local, 0)), 10
                )
            except (OSError, TimeoutError):
                await asyncio.sleep(self.trickle)
                continue
            self.opened += 1
            self.open_now += 1
            try:
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                while not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        if await asyncio.wait_for(reader.read(4096), self.trickle) == b"":
                            self.closed_by_server += 1
                            break
                    writer.write(b"X-Slow: a\r\n")
            except OSError:
                self.closed_by_server += 1
            finally:
                self.open_now -= 1
                writer.transport.abort()
            await asyncio.sleep(self.trickle)  # then come back, as an attacker would

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Slowloris]:
        tasks = [asyncio.create_task(self._one(i)) for i in range(self.count)]
        try:
            yield self
        finally:
            self._stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def ramp(self, timeout: float = 60.0) -> None:
        """Wait until every worker has connected at least once (bounded by ``timeout``)."""
        end = time.monotonic() + timeout
        while self.opened < self.count and time.monotonic() < end:
            await asyncio.sleep(0.05)


async def _attack(port: int, count: int, sources: int, seconds: float) -> None:
    attack = Slowloris(port, count, sources=sources)
    async with attack.running():
        await attack.ramp()
        print("ready", flush=True)
        await asyncio.sleep(seconds)
    print(json.dumps({"opened": attack.opened, "closed_by_server": attack.closed_by_server}), flush=True)


def main() -> None:
    """``python -m tests.api.slow_clients PORT COUNT SOURCES SECONDS``: an attacker in its own process,
    so whoever measures latency does not share an event loop with 500 attacking tasks."""
    port, count, sources, seconds = sys.argv[1:5]
    asyncio.run(_attack(int(port), int(count), int(sources), float(seconds)))


if __name__ == "__main__":
    main()
