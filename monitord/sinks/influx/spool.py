"""An append-only, size-bounded, crash-safe spool of line-protocol batches.

Layout under the spool directory: numbered segment files (``0000000000000001.seg``)
of records, plus a ``cursor`` file saying how far delivery got. A record is a
16-byte header (magic, body length, point count, CRC-32 of the body) followed
by the body. Segments are only ever appended to; a delivered segment is
deleted whole, and once everything is delivered the spool is empty on disk.

Durability (the fsync policy):

* ``append`` writes the record with one ``write`` and, with ``fsync=True``
  (the default), ``fsync``s the segment before it returns. A batch the sink has
  acknowledged therefore survives SIGKILL (it is in the page cache the moment
  ``write`` returns) and, with fsync, a power failure too. New and deleted
  segments fsync the directory.
* The ``cursor`` is replaced atomically (write + rename) after each delivery
  and is not fsynced: if it is lost or stale after a power failure, delivery
  restarts at an earlier record, which re-sends points (InfluxDB overwrites a
  point with the same series and timestamp), never skips them. After a process
  crash it is exact, so at most the one batch in flight is sent twice.
* On open, a torn record at a segment's tail (a crash mid-``write``) is cut off;
  a record whose CRC does not match is skipped with the rest of its segment and
  counted as corrupt.

The size bound drops the *oldest* segments first (their points are counted);
segments are at most a sixteenth of the bound so dropping stays fine-grained.

Every method is synchronous file I/O: callers run them with ``asyncio.to_thread``;
an internal lock makes concurrent calls from worker threads safe.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("monitord.sinks.influx")

_HEADER = struct.Struct("<4sIII")
_MAGIC = b"MDS1"
_SUFFIX = ".seg"
_CURSOR = "cursor"


@dataclass(slots=True)
class _Segment:
    seq: int
    path: Path
    size: int  # bytes of whole records
    points: int  # points in records at or after ``offset``
    offset: int = 0  # where delivery resumes (only non-zero in the head segment)


@dataclass(frozen=True, slots=True)
class SpoolBatch:
    """Records read from the head of the spool; ``ack`` it once they are delivered."""

    bodies: tuple[bytes, ...]
    points: int
    seq: int
    end: int  # offset after the last record

    def body(self) -> bytes:
        return b"\n".join(self.bodies)


@dataclass(slots=True)
class SpoolCounters:
    """What the spool had to give up, for /metrics (the sink reads and resets nothing)."""

    dropped_points: int = 0  # oldest segments dropped by the size bound
    corrupt_points: int = 0  # records skipped because of a bad CRC or header


class Spool:
    """Append at the tail, read and acknowledge at the head."""

    def __init__(
        self, directory: Path, max_bytes: int, *, fsync: bool = True, segment_bytes: int | None = None
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.fsync = fsync
        self.segment_bytes = segment_bytes or max(64 * 1024, min(64 * 1024 * 1024, max_bytes // 16))
        self.counters = SpoolCounters()
        self._segments: list[_Segment] = []
        self._fd: int | None = None  # append handle of the last segment
        self._lock = threading.Lock()

    # -- state --------------------------------------------------------------------------

    @property
    def size_bytes(self) -> int:
        """Bytes on disk not yet delivered."""
        return sum(segment.size - segment.offset for segment in self._segments)

    @property
    def points(self) -> int:
        return sum(segment.points for segment in self._segments)

    # -- open / close -------------------------------------------------------------------

    def open(self) -> None:
        """Recover the spool left by the previous run (torn tails cut, cursor applied)."""
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            cursor_seq, cursor_offset = self._read_cursor()
            paths = sorted(self.directory.glob(f"*{_SUFFIX}"))
            for path in paths:
                try:
                    seq = int(path.stem)
                except ValueError:
                    continue
                if seq < cursor_seq:
                    path.unlink()
                    continue
                start = cursor_offset if seq == cursor_seq else 0
                segment = self._scan(seq, path, start)
                if segment.points == 0 and segment.offset >= segment.size:
                    path.unlink()
                    continue
                self._segments.append(segment)
            if self._segments:
                self._fsync_directory()

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                if self.fsync:
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
            self._write_cursor()

    def _scan(self, seq: int, path: Path, start: int) -> _Segment:
        """Walk the record headers; cut a torn tail; count points from ``start`` on."""
        size = path.stat().st_size
        offset = 0
        points = 0
        resume = 0  # the last record boundary at or before ``start``
        with path.open("rb") as handle:
            while offset + _HEADER.size <= size:
                handle.seek(offset)
                magic, length, count, _crc = _HEADER.unpack(handle.read(_HEADER.size))
                end = offset + _HEADER.size + length
                if magic != _MAGIC or end > size:
                    break
                if offset <= start:
                    resume = offset
                    points = 0
                points += count
                offset = end
        if start >= offset:
            resume, points = offset, 0  # everything in this segment was delivered
        if offset < size:
            log.warning("spool segment %s: cutting %d bytes of a torn record", path.name, size - offset)
            with path.open("r+b") as handle:
                handle.truncate(offset)
        return _Segment(seq, path, offset, points, resume)

    # -- append -------------------------------------------------------------------------

    def append(self, body: bytes, points: int) -> None:
        """Store one batch durably (see the fsync policy) and enforce the size bound."""
        record = _HEADER.pack(_MAGIC, len(body), points, zlib.crc32(body)) + body
        with self._lock:
            tail = self._segments[-1] if self._segments else None
            if tail is None or self._fd is None or tail.size >= self.segment_bytes:
                tail = self._new_segment()
            assert self._fd is not None
            written = os.write(self._fd, record)
            while written < len(record):
                written += os.write(self._fd, record[written:])
            if self.fsync:
                os.fsync(self._fd)
            tail.size += len(record)
            tail.points += points
            self._enforce_bound()

    def _new_segment(self) -> _Segment:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        seq = self._segments[-1].seq + 1 if self._segments else self._next_seq()
        path = self.directory / f"{seq:016d}{_SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        size = os.fstat(self._fd).st_size
        segment = _Segment(seq, path, size, 0)
        self._segments.append(segment)
        self._fsync_directory()
        return segment

    def _next_seq(self) -> int:
        cursor_seq, _ = self._read_cursor()
        return max(cursor_seq, 0) + 1

    def _enforce_bound(self) -> None:
        while len(self._segments) > 1 and self.size_bytes > self.max_bytes:
            oldest = self._segments.pop(0)
            self.counters.dropped_points += oldest.points
            log.warning(
                "spool over %d bytes: dropped the oldest segment (%d points)", self.max_bytes, oldest.points
            )
            oldest.path.unlink(missing_ok=True)
            self._write_cursor()

    # -- read / acknowledge -------------------------------------------------------------

    def peek(self, max_points: int, max_bytes: int) -> SpoolBatch | None:
        """The oldest undelivered records (at least one, within the limits when possible)."""
        with self._lock:
            while True:
                head = self._head()
                if head is None:
                    return None
                batch = self._read(head, max_points, max_bytes)
                if batch is not None:
                    return batch
                # The head was corrupt from its first record on: try the next segment.

    def _head(self) -> _Segment | None:
        while self._segments:
            head = self._segments[0]
            if head.offset < head.size:
                return head
            if len(self._segments) == 1:
                return None
            self._drop_head()
        return None

    def _read(self, head: _Segment, max_points: int, max_bytes: int) -> SpoolBatch | None:
        bodies: list[bytes] = []
        points = 0
        taken = 0
        offset = head.offset
        with head.path.open("rb") as handle:
            handle.seek(offset)
            while offset < head.size and (not bodies or (points < max_points and taken < max_bytes)):
                magic, length, count, crc = _HEADER.unpack(handle.read(_HEADER.size))
                body = handle.read(length)
                if magic != _MAGIC or len(body) != length or zlib.crc32(body) != crc:
                    self._skip_corrupt(head, offset)
                    break
                bodies.append(body)
                points += count
                taken += length
                offset += _HEADER.size + length
        if not bodies:
            return None
        return SpoolBatch(tuple(bodies), points, head.seq, offset)

    def ack(self, batch: SpoolBatch) -> None:
        """Mark a peeked batch delivered; delete segments that are done."""
        with self._lock:
            if not self._segments or self._segments[0].seq != batch.seq:
                return  # its segment was dropped by the size bound meanwhile
            head = self._segments[0]
            if batch.end <= head.offset:
                return
            head.offset = batch.end
            head.points = max(0, head.points - batch.points)
            if head.offset >= head.size:
                # Delivered whole (when it was the tail, the next append starts a new one).
                self._drop_head()
            else:
                self._write_cursor()

    def _drop_head(self) -> None:
        head = self._segments.pop(0)
        if not self._segments and self._fd is not None:
            os.close(self._fd)
            self._fd = None
        head.path.unlink(missing_ok=True)
        self._fsync_directory()
        self._write_cursor(next_seq=head.seq + 1)

    def _skip_corrupt(self, head: _Segment, offset: int) -> None:
        """Give up the rest of a segment from a bad record on (records already read stay)."""
        # Points before ``offset`` in this read are still counted in head.points: keep them.
        readable = self._points_between(head, head.offset, offset)
        lost = max(0, head.points - readable)
        log.error(
            "spool segment %s: bad record at offset %d; skipping the rest (%d points)",
            head.path.name,
            offset,
            lost,
        )
        self.counters.corrupt_points += lost
        head.points = readable
        head.size = offset
        if self._segments[-1] is head and self._fd is not None:
            os.close(self._fd)  # never append after a corrupt record
            self._fd = None

    @staticmethod
    def _points_between(head: _Segment, start: int, end: int) -> int:
        points = 0
        with head.path.open("rb") as handle:
            offset = start
            while offset < end:
                handle.seek(offset)
                _magic, length, count, _crc = _HEADER.unpack(handle.read(_HEADER.size))
                points += count
                offset += _HEADER.size + length
        return points

    # -- cursor -------------------------------------------------------------------------

    def _read_cursor(self) -> tuple[int, int]:
        try:
            seq_text, offset_text = (self.directory / _CURSOR).read_text().split()
            return int(seq_text), int(offset_text)
        except (OSError, ValueError):
            return 0, 0  # no cursor: deliver from the first segment (duplicates, never loss)

    def _write_cursor(self, next_seq: int | None = None) -> None:
        if self._segments:
            seq, offset = self._segments[0].seq, self._segments[0].offset
        else:
            seq, offset = (next_seq if next_seq is not None else self._read_cursor()[0]), 0
        temporary = self.directory / f"{_CURSOR}.tmp"
        temporary.write_text(f"{seq} {offset}\n")
        os.replace(temporary, self.directory / _CURSOR)

    def _fsync_directory(self) -> None:
        if not self.fsync:
            return
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        with contextlib.suppress(OSError):
            os.fsync(fd)
        os.close(fd)
