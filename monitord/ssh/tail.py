"""Incremental, rotation-safe reading of one log file from a saved (inode, offset) cursor.

Each run reads only bytes written since the last run, up to a budget, and
advances the cursor to the end of the last complete line (a half-written line
is read next time). Rotation is an inode change: the rest of the old file is
read from its rotated name (``file.1``) if it is still there, then the new
file from 0. Truncation (``copytruncate``) is a size below the offset: read
from 0. A file seen for the first time starts at its end unless configured to
start at the beginning (or ``tail``: at the last ``budget`` bytes), so turning
the probe on does not replay years of logs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

import asyncssh

from monitord.ssh.remote import OpenFiles, RemoteFile

StartAt = Literal["end", "beginning", "tail"]


HEAD_BYTES = 64


def fingerprint(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Cursor:
    """Read position in one file; ``head`` fingerprints its first ``head_len`` bytes.

    File systems reuse a deleted file's inode at once, so a log deleted and
    re-created between two runs can keep its inode; the head fingerprint tells
    the new file from the old one.
    """

    inode: int
    offset: int
    head: str = ""
    head_len: int = 0

    def to_json(self) -> dict[str, int | str]:
        return {"inode": self.inode, "offset": self.offset, "head": self.head, "head_len": self.head_len}

    @classmethod
    def from_json(cls, value: object) -> Cursor | None:
        if not isinstance(value, dict):
            return None
        inode, offset = value.get("inode"), value.get("offset")
        head, head_len = value.get("head", ""), value.get("head_len", 0)
        if (
            isinstance(inode, int)
            and isinstance(offset, int)
            and isinstance(head, str)
            and isinstance(head_len, int)
        ):
            return cls(inode, offset, head, head_len)
        return None

    def moved(self, offset: int) -> Cursor:
        return Cursor(self.inode, offset, self.head, self.head_len)


@dataclass(slots=True)
class FileRead:
    """What one run read from one file and where the cursor now stands."""

    path: str
    cursor: Cursor | None
    blocks: list[bytes] = field(default_factory=list)
    bytes_read: int = 0
    backlog: int = 0
    rotated: bool = False
    truncated: bool = False
    lost_rotation: bool = False
    missing: bool = False
    error: str | None = None


def complete_lines(data: bytes, *, whole: bool) -> bytes:
    """``data`` up to and including its last newline; all of it when ``whole``."""
    if whole:
        return data
    end = data.rfind(b"\n")
    return data[: end + 1] if end >= 0 else b""


async def _read(
    files: OpenFiles, path: str, offset: int, available: int, budget: int, *, finished: bool
) -> bytes:
    """Read up to ``budget`` of ``available`` bytes, cut at the last complete line.

    A file that will not grow any more (``finished``) gives its last partial line
    too; a single line longer than the whole budget is taken as it is, so a
    cursor never sticks.
    """
    length = min(available, budget)
    data = await files.read(path, offset, length)
    whole = (finished and length == available) or (len(data) == budget and b"\n" not in data)
    return complete_lines(data, whole=whole)


async def _check_head(files: OpenFiles, path: str, cursor: Cursor, outcome: FileRead) -> Cursor:
    """Same inode, more bytes: still the same file? (Else it was replaced: read from 0.)"""
    size = cursor.head_len or min(HEAD_BYTES, cursor.offset)
    head = fingerprint(await files.read(path, 0, size))
    if not cursor.head_len:
        return Cursor(cursor.inode, cursor.offset, head, size)
    if head == cursor.head:
        return cursor
    outcome.rotated = outcome.lost_rotation = True
    return Cursor(cursor.inode, 0)


async def read_new(
    sftp: asyncssh.SFTPClient,
    path: str,
    *,
    current: RemoteFile | None,
    rotated: RemoteFile | None,
    cursor: Cursor | None,
    budget: int,
    start_at: StartAt,
) -> FileRead:
    """Read what ``path`` gained since ``cursor``; ``rotated`` is ``path + suffix`` if it exists."""
    files = OpenFiles(sftp)
    try:
        outcome = await _read_new(
            files, path, current=current, rotated=rotated, cursor=cursor, budget=budget, start_at=start_at
        )
    except asyncssh.SFTPError:
        await files.close()
        raise
    # On cancellation or a lost connection nothing is awaited here: the pool drops the
    # SFTP channel, which closes its handles on the server.
    await files.close()
    return outcome


async def _read_new(
    files: OpenFiles,
    path: str,
    *,
    current: RemoteFile | None,
    rotated: RemoteFile | None,
    cursor: Cursor | None,
    budget: int,
    start_at: StartAt,
) -> FileRead:
    if current is None:
        return FileRead(path, cursor, missing=True)
    skip_partial = False
    if cursor is None:
        offset = {"beginning": 0, "end": current.size, "tail": max(0, current.size - budget)}[start_at]
        skip_partial = 0 < offset < current.size
        if skip_partial:
            # Start one byte early: if that byte is a newline, ``offset`` begins a line.
            offset -= 1
        head_len = min(HEAD_BYTES, offset)
        head = fingerprint(await files.read(path, 0, head_len)) if head_len else ""
        cursor = Cursor(current.inode, offset, head, head_len)
    outcome = FileRead(path, cursor)
    if cursor.inode != current.inode:
        outcome.rotated = True
        if rotated is not None and rotated.inode == cursor.inode and rotated.size >= cursor.offset:
            left = rotated.size - cursor.offset
            data = await _read(files, rotated.path, cursor.offset, left, budget, finished=True)
            outcome.blocks.append(data)
            outcome.bytes_read += len(data)
            budget -= len(data)
            if len(data) < left:
                outcome.cursor = cursor.moved(cursor.offset + len(data))
                outcome.backlog = left - len(data) + current.size
                return outcome
        else:
            outcome.lost_rotation = True
        cursor = Cursor(current.inode, 0)
    elif current.size < cursor.offset:
        outcome.truncated = True
        cursor = Cursor(current.inode, 0)
    elif current.size > cursor.offset and cursor.offset > 0:
        cursor = await _check_head(files, path, cursor, outcome)
    available = current.size - cursor.offset
    if available > 0 and budget > 0:
        data = await _read(files, path, cursor.offset, available, budget + skip_partial, finished=False)
        if skip_partial:
            # Starting mid-file may land inside a line: skip to the first full one.
            cut = data.find(b"\n") + 1
            cursor = cursor.moved(cursor.offset + cut)
            data = data[cut:]
        if data:
            outcome.blocks.append(data)
            outcome.bytes_read += len(data)
            if not cursor.head_len and cursor.offset == 0:
                size = min(HEAD_BYTES, len(data))
                cursor = Cursor(cursor.inode, 0, fingerprint(data[:size]), size)
            cursor = cursor.moved(cursor.offset + len(data))
    outcome.cursor = cursor
    outcome.backlog = current.size - cursor.offset
    return outcome
