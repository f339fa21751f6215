"""A pool of persistent SSH connections: one per endpoint, one session at a time, a global cap.

Opening an SSH connection costs a TCP handshake, key exchange and
authentication (about 40 ms on a LAN) plus a first-channel delay; on an open
connection a command costs 1-3 ms. So connections stay open across runs and
are shared by the ssh_log and backup kinds. Each endpoint has a lock (the
server sees one session of ours at a time, however many files or checks a
target has) and the pool has a global cap on sessions in flight.

A broken connection (server restarted, network dropped) is discarded; if it had
been reused, the operation is retried once on a fresh connection, so a server
restart costs one slow run, not a failed one. Every failure to connect becomes
``SshUnavailable`` with a reason fit for a failed result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from monitord.errors import MonitordError
from monitord.ssh.endpoint import SshEndpoint
from monitord.ssh.hostkeys import HostKeyCheck, KnownHostsFile, describe_key

log = logging.getLogger("monitord.ssh")

T = TypeVar("T")
MAX_SESSIONS = 128
IDLE_CLOSE = 3600.0  # a connection unused this long is closed (its target was removed, most likely)
_CLOSE_TIMEOUT = 5.0
# Errors that mean the connection itself is gone, as opposed to a failed operation on it.
_CONNECTION_ERRORS = (asyncssh.DisconnectError, asyncssh.ChannelOpenError, ConnectionError, EOFError)


class SshUnavailable(MonitordError):
    """The endpoint could not be reached, authenticated or trusted; ``str()`` is the reason."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str


@dataclass(slots=True)
class _Host:
    endpoint: SshEndpoint
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    conn: asyncssh.SSHClientConnection | None = None
    sftp: asyncssh.SFTPClient | None = None
    last_used: float = 0.0


class HostSession:
    """What an operation gets while it holds an endpoint: the connection and its SFTP channel."""

    def __init__(self, host: _Host) -> None:
        self._host = host

    @property
    def endpoint(self) -> SshEndpoint:
        return self._host.endpoint

    async def sftp(self) -> asyncssh.SFTPClient:
        """The connection's SFTP client, started once and reused across runs."""
        if self._host.sftp is None:
            assert self._host.conn is not None
            try:
                self._host.sftp = await self._host.conn.start_sftp_client()
            except asyncssh.SFTPError as exc:
                raise SshUnavailable(f"{self.endpoint.label()}: SFTP not available: {exc.reason}") from None
        return self._host.sftp

    async def run(self, argv: Sequence[str], *, keep_stdout: bool = True) -> CommandResult:
        """Run ``argv`` on the server; every argument is shell-quoted, nothing is interpolated.

        The command runs under ``env LC_ALL=C`` so its messages are parseable
        whatever the server's locale. Output is bounded: stdout up to
        ``STDOUT_LIMIT`` bytes, stderr keeps its last ``STDERR_TAIL`` bytes (a
        verify command that floods its output cannot exhaust our memory).
        """
        assert self._host.conn is not None
        process = await self._host.conn.create_process(
            shlex.join(["env", "LC_ALL=C", *argv]),
            encoding=None,
            stdin=asyncssh.DEVNULL,
            stdout=asyncssh.PIPE if keep_stdout else asyncssh.DEVNULL,
        )
        try:
            async with asyncio.TaskGroup() as group:
                stdout = group.create_task(_bounded(process.stdout, STDOUT_LIMIT, keep_tail=False))
                stderr = group.create_task(_bounded(process.stderr, STDERR_TAIL, keep_tail=True))
            completed = await process.wait()
        finally:
            await _close_process(process)
        status = completed.exit_status if completed.exit_status is not None else 255
        return CommandResult(
            status, stdout.result().decode("utf-8", "replace"), stderr.result().decode("utf-8", "replace")
        )


STDOUT_LIMIT = 1024 * 1024
STDERR_TAIL = 4096
_CHANNEL_CLOSE_TIMEOUT = 2.0


async def _close_process(process: asyncssh.SSHClientProcess[bytes]) -> None:
    """End a remote command we stop waiting for (run cancelled or timed out); tidy a finished one.

    Left alone, a timed-out ``sha256sum`` of a large backup keeps hashing with its
    channel open, and every later timed-out run adds another. TERM asks sshd to
    signal the command's process group (OpenSSH >= 7.9; older servers ignore it),
    closing the channel ends its pipes. Both are best effort and the wait is
    bounded: cleanup must neither hang the run nor hide its CancelledError (a
    cancellation during the wait propagates; only errors of the dying channel are
    swallowed).
    """
    if process.exit_status is None and process.exit_signal is None:
        with contextlib.suppress(OSError, *_CONNECTION_ERRORS):
            process.terminate()
    with contextlib.suppress(OSError, *_CONNECTION_ERRORS):
        process.close()
    # asyncio.timeout, not wait_for: 3.11's wait_for can drop a cancellation that races completion.
    with contextlib.suppress(TimeoutError, OSError, *_CONNECTION_ERRORS):
        async with asyncio.timeout(_CHANNEL_CLOSE_TIMEOUT):
            await process.wait_closed()


async def _bounded(stream: asyncssh.SSHReader[bytes], limit: int, *, keep_tail: bool) -> bytes:
    """Read ``stream`` to its end, keeping the first (or last) ``limit`` bytes."""
    kept = b""
    while chunk := await stream.read(65536):
        kept = (kept + chunk)[-limit:] if keep_tail else (kept + chunk)[:limit]
    return kept


class SshPool:
    """Persistent connections keyed by ``SshEndpoint``."""

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self._hosts: dict[SshEndpoint, _Host] = {}
        self._cap = asyncio.Semaphore(max_sessions)
        self._known: dict[Path, KnownHostsFile] = {}
        self._closing: set[asyncssh.SSHClientConnection] = set()
        self.connects = 0

    async def run(self, endpoint: SshEndpoint, operation: Callable[[HostSession], Awaitable[T]]) -> T:
        """Run ``operation`` holding the endpoint; raises ``SshUnavailable`` if it cannot."""
        self._close_idle(keep=endpoint)
        host = self._hosts.get(endpoint)
        if host is None:
            host = self._hosts[endpoint] = _Host(endpoint)
        host.last_used = time.monotonic()
        for attempt in range(2):
            # Wait for the host first: queued runs for one busy host must not hold
            # global slots that runs for other hosts could use.
            async with host.lock, self._cap:
                reused = await self._ensure(host)
                try:
                    return await operation(HostSession(host))
                except _CONNECTION_ERRORS as exc:
                    await self._discard(host)
                    if reused and attempt == 0:
                        log.info("%s: connection lost (%s), reconnecting", endpoint.label(), exc)
                        continue
                    raise SshUnavailable(f"{endpoint.label()}: connection lost: {_reason(exc)}") from None
                except asyncio.CancelledError:
                    # A run cut off mid-request may leave the SFTP channel out of step.
                    await self._drop_sftp(host)
                    raise
        raise AssertionError("unreachable")

    def _close_idle(self, keep: SshEndpoint) -> None:
        """Start closing connections nobody used for ``IDLE_CLOSE`` seconds; ``close`` awaits them."""
        self._closing = {conn for conn in self._closing if not conn.is_closed()}
        limit = time.monotonic() - IDLE_CLOSE
        for endpoint, host in list(self._hosts.items()):
            if endpoint != keep and host.last_used < limit and not host.lock.locked():
                del self._hosts[endpoint]
                if host.sftp is not None:
                    host.sftp.exit()
                if host.conn is not None:
                    host.conn.close()
                    self._closing.add(host.conn)
                log.debug("%s: idle connection closed", endpoint.label())

    async def forget_host(self, address: str) -> None:
        """Close every connection to ``address`` (its target was removed)."""
        for endpoint in [e for e in self._hosts if e.host == address]:
            host = self._hosts.pop(endpoint)
            await self._discard(host)

    async def close(self) -> None:
        hosts = list(self._hosts.values())
        self._hosts.clear()
        for host in hosts:
            await self._discard(host)
        closing, self._closing = self._closing, set()
        for conn in closing:
            with contextlib.suppress(TimeoutError, OSError, asyncssh.Error):
                await asyncio.wait_for(conn.wait_closed(), _CLOSE_TIMEOUT)

    def open_connections(self) -> int:
        return sum(1 for h in self._hosts.values() if h.conn is not None)

    async def _ensure(self, host: _Host) -> bool:
        """Connect if needed; True when an existing connection is being reused."""
        if host.conn is not None and not host.conn.is_closed():
            return True
        await self._discard(host)
        host.conn = await self._connect(host.endpoint)
        self.connects += 1
        return False

    async def _connect(self, endpoint: SshEndpoint) -> asyncssh.SSHClientConnection:
        known_file = self._known.get(endpoint.known_hosts)
        if known_file is None:
            known_file = self._known[endpoint.known_hosts] = KnownHostsFile(endpoint.known_hosts)
        try:
            known = await known_file.load()
        except (OSError, ValueError) as exc:
            raise SshUnavailable(f"cannot read known_hosts {endpoint.known_hosts}: {exc}") from None
        check = HostKeyCheck(known, endpoint.match_portless, endpoint.trust_on_first_use)
        options: dict[str, Any] = {
            "username": endpoint.username,
            "known_hosts": check.match,
            "client_factory": check.client,
            "config": [],
            "agent_path": None,
            "connect_timeout": endpoint.connect_timeout,
            "keepalive_interval": endpoint.keepalive_interval,
            "login_timeout": endpoint.connect_timeout,
        }
        if endpoint.client_keys:
            options["client_keys"] = [str(path) for path in endpoint.client_keys]
        if endpoint.key_passphrase is not None:
            options["passphrase"] = endpoint.key_passphrase.get_secret_value()
        if endpoint.password is not None:
            options["password"] = endpoint.password.get_secret_value()
        where = endpoint.label()
        try:
            conn = await asyncssh.connect(endpoint.host, endpoint.port, **options)
        except asyncssh.HostKeyNotVerifiable:
            raise SshUnavailable(
                check.failure_reason(endpoint.host, endpoint.port, endpoint.known_hosts)
            ) from None
        except asyncssh.PermissionDenied:
            raise SshUnavailable(f"{where}: authentication failed") from None
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            raise SshUnavailable(f"{where}: cannot load client key: {exc}") from None
        except TimeoutError:
            raise SshUnavailable(f"{where}: connect timed out after {endpoint.connect_timeout:g}s") from None
        except (OSError, asyncssh.Error) as exc:
            raise SshUnavailable(f"{where}: cannot connect: {_reason(exc)}") from None
        if check.accepted_new and check.offered is not None:
            try:
                await known_file.record(endpoint.host, endpoint.port, check.offered)
            except OSError as exc:
                conn.close()
                raise SshUnavailable(
                    f"cannot record host key in {endpoint.known_hosts}: {exc.strerror or exc}"
                ) from None
            log.warning(
                "%s: host key %s trusted on first use and recorded in %s",
                where,
                describe_key(check.offered),
                endpoint.known_hosts,
            )
        log.debug("%s: connected", where)
        return conn

    async def _drop_sftp(self, host: _Host) -> None:
        sftp, host.sftp = host.sftp, None
        if sftp is not None:
            sftp.exit()

    async def _discard(self, host: _Host) -> None:
        await self._drop_sftp(host)
        conn, host.conn = host.conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(TimeoutError, OSError, asyncssh.Error):
                await asyncio.wait_for(conn.wait_closed(), _CLOSE_TIMEOUT)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    reason = getattr(exc, "reason", None)
    return str(reason or exc) or type(exc).__name__


_shared: SshPool | None = None
_users = 0


def acquire_shared_pool() -> SshPool:
    """The process-wide pool, so ssh_log and backup on one host share a connection."""
    global _shared, _users  # noqa: PLW0603 - one pool per process is the point
    if _shared is None:
        _shared = SshPool()
    _users += 1
    return _shared


async def release_shared_pool() -> None:
    """Drop one user of the shared pool; the last one closes every connection."""
    global _shared, _users  # noqa: PLW0603
    _users = max(0, _users - 1)
    if _users == 0 and _shared is not None:
        pool, _shared = _shared, None
        await pool.close()
