"""Delivering one batch: gzip, send, and deal with what the server said.

* Retryable failures (unreachable, timeout, 429, 5xx) propagate as
  ``RetryableError``; the caller spools the batch and retries it with
  ``Backoff`` (exponential, jittered, honouring Retry-After).
* A rejected batch (4xx) is never retried as a whole. When the server wrote
  the good lines itself (InfluxDB's ``partial write``), the rest is counted as
  rejected. Otherwise a 400/422 batch is split in halves and each half sent
  again, down to single lines, so every good line still arrives and exactly the
  bad ones are counted (with the server's message in the log). A 413 splits
  the same way. Other 4xx (401, 403, 404: wrong token or bucket) apply to the
  whole batch: it is logged with the server's message and counted as rejected.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
import zlib

from monitord.sinks.influx.metrics import InfluxMetrics
from monitord.sinks.influx.transports import Transport, WriteRejected

log = logging.getLogger("monitord.sinks.influx")

_GZIP_MIN_BYTES = 1024
_GZIP_THREAD_BYTES = 256 * 1024
_DROPPED = re.compile(r"dropped=(\d+)")
_SPLITTABLE = {400, 413, 422}


def gzip_body(body: bytes) -> bytes:
    """gzip at level 1: on line protocol it keeps most of level 9's ratio at a fraction of the CPU."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    return compressor.compress(body) + compressor.flush()


class Backoff:
    """Exponential backoff with equal jitter; a server's Retry-After wins when given."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return float(min(retry_after, max(self.maximum, 300.0)))
        ceiling = min(self.maximum, self.initial * 2.0 ** min(attempt - 1, 30))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class Deliverer:
    """Sends batches through a transport; see the module docstring for 4xx handling."""

    def __init__(self, transport: Transport, metrics: InfluxMetrics, *, gzip: bool) -> None:
        self.transport = transport
        self.metrics = metrics
        self.gzip = gzip

    async def deliver(self, body: bytes, points: int) -> None:
        """Deliver ``body`` (``points`` lines); raises RetryableError if it should be retried."""
        try:
            await self._send(body)
        except WriteRejected as rejected:
            await self._rejected(body, points, rejected)
            return
        self.metrics.points_written.inc(points)

    async def _send(self, body: bytes) -> None:
        gzipped = self.gzip and len(body) >= _GZIP_MIN_BYTES
        if gzipped:
            body = (
                await asyncio.to_thread(gzip_body, body)
                if len(body) >= _GZIP_THREAD_BYTES
                else gzip_body(body)
            )
        begin = time.perf_counter()
        try:
            await self.transport.send(body, gzipped)
        finally:
            self.metrics.write_seconds.observe(time.perf_counter() - begin)

    async def _rejected(self, body: bytes, points: int, rejected: WriteRejected) -> None:
        message = rejected.message
        if "partial write" in message:
            match = _DROPPED.search(message)
            dropped = int(match.group(1)) if match else 0
            unparsed = message.count("unable to parse")
            lost = max(dropped + unparsed, 1)
            self._count_rejected(lost)
            self.metrics.points_written.inc(max(0, points - lost))
            log.warning("InfluxDB wrote part of a batch of %d points, rejected %d: %s", points, lost, message)
            return
        if rejected.status in _SPLITTABLE and points > 1:
            lines = body.split(b"\n")
            middle = len(lines) // 2
            for half in (lines[:middle], lines[middle:]):
                half_body = b"\n".join(half)
                try:
                    await self._send(half_body)
                except WriteRejected as again:
                    await self._rejected(half_body, len(half), again)
                    continue
                self.metrics.points_written.inc(len(half))
            return
        self._count_rejected(points)
        sample = body[:300].decode("utf-8", "replace")
        log.error(
            "InfluxDB rejected %d point(s) (HTTP %d: %s); first line: %s",
            points,
            rejected.status,
            message,
            sample.split("\n", 1)[0],
        )

    def _count_rejected(self, points: int) -> None:
        self.metrics.batches_rejected.inc()
        self.metrics.points_dropped.labels(reason="rejected").inc(points)
