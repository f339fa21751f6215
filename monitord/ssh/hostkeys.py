"""Host key verification against a known_hosts file, with opt-in trust on first use.

asyncssh matches a known_hosts file itself, but for a non-default port it falls
back to port-less entries (``host`` instead of ``[host]:port``) when no
``[host]:port`` entry matches. OpenSSH does not: a key listed for port 22 says
nothing about another daemon on port 2222 of the same machine (a container, a
jump host's forwarded port). monitord follows OpenSSH by default and only
matches port-less entries for a non-default port when
``match_portless_known_hosts`` is set.

Trust on first use records the key of a host that has no entry at all; a host
whose entry exists but lists a different key is always refused, and the result
names the offered key's fingerprint so an admin can check it out of band.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

KeyLists = tuple[Sequence[asyncssh.SSHKey], Sequence[asyncssh.SSHKey], Sequence[asyncssh.SSHKey]]
DEFAULT_PORT = 22


def host_pattern(host: str, port: int) -> str:
    """How OpenSSH writes the host in known_hosts: bare for port 22, else ``[host]:port``."""
    return host if port == DEFAULT_PORT else f"[{host}]:{port}"


def describe_key(key: asyncssh.SSHKey) -> str:
    """``SHA256:... (ssh-ed25519)``: what an admin compares with ``ssh-keygen -lf``."""
    return f"{key.get_fingerprint('sha256')} ({key.get_algorithm()})"


class KnownHostsFile:
    """One known_hosts file, re-read when it changes on disk, appended to for TOFU."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._parsed = asyncssh.SSHKnownHosts()
        self._write_lock = asyncio.Lock()

    async def load(self) -> asyncssh.SSHKnownHosts:
        """The parsed file (empty if it does not exist yet); raises ValueError on bad lines."""
        text, stamp = await asyncio.to_thread(self._read_if_changed, self._stamp)
        if text is not None:
            self._parsed = asyncssh.import_known_hosts(text)
            self._stamp = stamp
        return self._parsed

    def _read_if_changed(self, seen: tuple[int, int] | None) -> tuple[str | None, tuple[int, int] | None]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return ("", None) if seen is not None else (None, None)
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp == seen:
            return None, seen
        return self.path.read_text(encoding="utf-8"), stamp

    async def record(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        """Append ``key`` for ``host:port`` (trust on first use)."""
        line = f"{host_pattern(host, port)} {key.export_public_key('openssh').decode().strip()}\n"
        async with self._write_lock:
            await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)


def match_keys(
    known: asyncssh.SSHKnownHosts, host: str, addr: str, port: int | None, portless: bool
) -> KeyLists:
    """Trusted host keys, CA keys and revoked keys for a connection.

    ``port`` is None for port 22 (as asyncssh passes it). For another port only
    ``[host]:port`` / ``[addr]:port`` entries count unless ``portless``.
    """
    if port is None or portless:
        found = known.match(host, addr, port)
        return found[0], found[1], found[2]
    trusted: list[asyncssh.SSHKey] = []
    cas: list[asyncssh.SSHKey] = []
    revoked: list[asyncssh.SSHKey] = []
    for name in dict.fromkeys(n for n in (host, addr) if n):
        # With an empty address and no port, asyncssh compares the name verbatim,
        # which is exactly the ``[name]:port`` spelling OpenSSH writes and hashes.
        found = known.match(host_pattern(name, port), "", None)
        trusted += found[0]
        cas += found[1]
        revoked += found[2]
    return trusted, cas, revoked


@dataclass(slots=True)
class HostKeyCheck:
    """State of one connection attempt's host key check.

    ``match`` is handed to ``asyncssh.connect(known_hosts=...)``; asyncssh calls
    ``validate_host_public_key`` on the client only when the offered key is not
    in the matched list, which is where unknown keys are trusted on first use.
    """

    known: asyncssh.SSHKnownHosts
    portless: bool
    trust_on_first_use: bool
    has_entries: bool = False
    offered: asyncssh.SSHKey | None = None
    accepted_new: bool = False
    known_keys: list[asyncssh.SSHKey] = field(default_factory=list)

    def match(self, host: str, addr: str, port: int | None) -> KeyLists:
        trusted, cas, revoked = match_keys(self.known, host, addr, port, self.portless)
        self.has_entries = bool(trusted or cas)
        self.known_keys = list(trusted)
        return trusted, cas, revoked

    def client(self) -> asyncssh.SSHClient:
        return _CheckingClient(self)

    def offer(self, key: asyncssh.SSHKey) -> bool:
        self.offered = key
        if self.trust_on_first_use and not self.has_entries:
            self.accepted_new = True
            return True
        return False

    def failure_reason(self, host: str, port: int, path: Path) -> str:
        """Why the key was refused, naming the offered key's fingerprint."""
        where = host_pattern(host, port)
        if self.offered is None:
            return f"host key for {where} not trusted (no key offered that matches {path})"
        offered = describe_key(self.offered)
        if self.has_entries:
            listed = ", ".join(describe_key(k) for k in self.known_keys) or "a CA key"
            return (
                f"host key for {where} CHANGED: offered {offered}, {path} lists {listed}; refusing to connect"
            )
        return f"host key for {where} unknown: offered {offered}; add it to {path} or set trust_on_first_use"


class _CheckingClient(asyncssh.SSHClient):
    def __init__(self, check: HostKeyCheck) -> None:
        self._check = check

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        return self._check.offer(key)
