"""Looking at files on the server: inode and size by ``stat``, byte ranges by SFTP.

SFTP (v3, what OpenSSH speaks) reports size and mtime but not the inode, and
rotation detection needs the inode. So one ``stat`` command per run asks for
all of a target's files at once; the paths are passed as quoted arguments
after ``--``, never interpolated into a shell line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import asyncssh

from monitord.ssh.pool import HostSession

STAT_FORMAT = "%i %s %Y %n"


@dataclass(frozen=True, slots=True)
class RemoteFile:
    path: str
    inode: int
    size: int
    mtime: int


class RemoteStatError(Exception):
    """``stat`` could not run on the server (not installed, not permitted)."""


async def stat_files(session: HostSession, paths: Sequence[str]) -> dict[str, RemoteFile]:
    """Inode, size and mtime of each path that exists (symlinks followed); missing ones are absent."""
    unique = list(dict.fromkeys(paths))
    if not unique:
        return {}
    result = await session.run(["stat", "-L", "-c", STAT_FORMAT, "--", *unique])
    found: dict[str, RemoteFile] = {}
    for line in result.stdout.splitlines():
        parts = line.split(" ", 3)
        if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
            continue
        inode, size, mtime, path = parts
        found[path] = RemoteFile(path, int(inode), int(size), int(mtime))
    if result.exit_status != 0 and not found and "No such file" not in result.stderr:
        detail = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.exit_status}"]
        raise RemoteStatError(f"stat failed on the server: {detail[0][:200]}")
    return found


class OpenFiles:
    """Remote files opened once for all the reads of one run (each open/close is a round trip)."""

    def __init__(self, sftp: asyncssh.SFTPClient) -> None:
        self._sftp = sftp
        self._handles: dict[str, asyncssh.SFTPClientFile] = {}

    async def read(self, path: str, offset: int, length: int) -> bytes:
        """``length`` bytes of ``path`` from ``offset`` (fewer at end of file)."""
        if length <= 0:
            return b""
        handle = self._handles.get(path)
        if handle is None:
            handle = self._handles[path] = await self._sftp.open(path, "rb")
        return as_bytes(await handle.read(length, offset))

    async def close(self) -> None:
        handles, self._handles = list(self._handles.values()), {}
        for handle in handles:
            with contextlib.suppress(asyncssh.SFTPError):
                await handle.close()


async def read_small(sftp: asyncssh.SFTPClient, path: str, limit: int) -> bytes:
    """The first ``limit`` bytes of a small file (a checksum file); SFTPError if unreadable."""
    files = OpenFiles(sftp)
    try:
        data = await files.read(path, 0, limit)
    except asyncssh.SFTPError:
        await files.close()
        raise
    await files.close()
    return data


def as_bytes(data: str | bytes) -> bytes:
    """SFTP files opened in binary mode give bytes; the type says either."""
    return data if isinstance(data, bytes) else data.encode()


async def expand(sftp: asyncssh.SFTPClient, patterns: Sequence[str]) -> list[str]:
    """Literal paths as given, globs expanded on the server (a glob matching nothing is empty)."""
    paths: list[str] = []
    for pattern in patterns:
        if not any(ch in pattern for ch in "*?["):
            paths.append(pattern)
            continue
        matches = await sftp.glob(pattern, error_handler=_ignore)
        paths.extend(sorted(m if isinstance(m, str) else m.decode() for m in matches))
    return list(dict.fromkeys(paths))


def _ignore(_exc: Exception) -> None:
    """glob's error handler: a pattern without matches is simply no files."""
