"""TCP connect probe: is a service port accepting connections, and how fast.

Used for POS service ports, SSH and web services. The connect is a bare
non-blocking ``sock_connect`` (no stream objects) so thousands of targets cost
little; a refused, reset or unreachable connect is a failed result, not an error.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import os
import socket
from typing import Any, ClassVar

from pydantic import Field

from monitord.results import ProbeResult, now_ns
from probes.base import ProbeKind, ProbeSettings, ProbeTarget

# Measurements and fields this kind writes ("number" or "text"): the Grafana dashboards must show
# each one (tests/grafana/test_coverage.py); keep it next to the code that fills them.
WRITES: dict[str, dict[str, str]] = {"tcp": {"up": "number", "connect_ms": "number"}}


class TcpSettings(ProbeSettings):
    """``port`` is required; everything else has a default."""

    port: int = Field(ge=1, le=65535, description="TCP port connected to on the target's address.")


_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "connect timed out",
    errno.EACCES: "permission denied (blocked locally)",
    errno.EPERM: "operation not permitted (blocked locally)",
}


@functools.lru_cache(maxsize=65536)
def _literal(address: str) -> tuple[int, str] | None:
    """(family, normalised address) for an IP literal, else None; cached (hot path)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return (socket.AF_INET6 if ip.version == 6 else socket.AF_INET), str(ip)


async def resolve(address: str, port: int) -> tuple[int, tuple[Any, ...]]:
    """Socket family and sockaddr for ``address``; IP literals skip the resolver."""
    literal = _literal(address)
    if literal is None:
        infos = await asyncio.get_running_loop().getaddrinfo(
            address, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
        resolved_family, _, _, _, sockaddr = infos[0]
        return int(resolved_family), sockaddr
    family, host = literal
    if family == socket.AF_INET6:
        return family, (host, port, 0, 0)
    return family, (host, port)


@functools.lru_cache(maxsize=65536)
def _tags(site: str, port: int) -> dict[str, str]:
    """The tags of a result; one shared dict per (site, port), never mutated (results hold a
    read-only ``Mapping``): building it per run was two dicts per run at 1,000 runs/s."""
    return {"site": site, "port": str(port)}


def _writable(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def connect(loop: asyncio.AbstractEventLoop, sock: socket.socket, sockaddr: tuple[Any, ...]) -> None:
    """``loop.sock_connect`` without its exception round trip, partial and done-callback.

    A non-blocking ``connect_ex`` answers EINPROGRESS; one writer callback marks the end of
    the handshake and SO_ERROR says how it ended. Raises OSError like ``sock_connect``.
    (Measured in benchmarks/scheduler_tcp.py: part of the per-run user CPU issue 20 cut.)
    """
    err = sock.connect_ex(sockaddr)
    if err in (errno.EINPROGRESS, errno.EAGAIN):
        future: asyncio.Future[None] = loop.create_future()
        fd = sock.fileno()
        loop.add_writer(fd, _writable, future)
        try:
            await future
        finally:
            loop.remove_writer(fd)
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        raise OSError(err, os.strerror(err))


class TcpProbe(ProbeKind[TcpSettings]):
    """Measures TCP connect time to ``address:port``."""

    name: ClassVar[str] = "tcp"
    measurement: ClassVar[str] = "tcp"
    settings_model: ClassVar[type[TcpSettings]] = TcpSettings
    default_concurrency: ClassVar[int] = 1024

    def tags(self, target: ProbeTarget, settings: TcpSettings) -> dict[str, str]:
        return {**target.base_tags(), "port": str(settings.port)}

    async def probe(self, target: ProbeTarget, settings: TcpSettings) -> ProbeResult:
        port = settings.port
        tags = _tags(target.site, port)
        started_ns = now_ns()
        try:
            literal = _literal(target.address)
            if literal is not None and literal[0] == socket.AF_INET:
                family, sockaddr = literal[0], (literal[1], port)  # no coroutine for the common case
            else:
                family, sockaddr = await resolve(target.address, port)
        except OSError as exc:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=f"name not resolved: {exc.strerror or exc}",
                tags=tags,
                time_ns=started_ns,
            )
        loop = asyncio.get_running_loop()
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        begin = loop.time()
        try:
            await connect(loop, sock, sockaddr)
        except OSError as exc:
            reason = _ERRNO_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=reason,
                tags=tags,
                time_ns=started_ns,
            )
        finally:
            sock.close()
        connect_ms = (loop.time() - begin) * 1000.0
        return ProbeResult(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            time_ns=started_ns,
            ok=True,
            fields={"up": 1, "connect_ms": connect_ms},
            tags=tags,
        )
