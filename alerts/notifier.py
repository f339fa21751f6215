"""Stage: deliver outbox rows through apprise, checking every result.

apprise never raises (a failed send returns a falsy value) and runs blocking
senders, so each send runs on this notifier's own small thread pool (one slow
endpoint cannot starve the event loop's default executor), is bounded by
``send_timeout`` (and apprise's own socket timeouts), and a falsy result or a
timeout is retried with exponential backoff. A destination that failed is not
tried again in the same pass, so messages to it stay in order. The idempotency
key goes out as an ``X-Idempotency-Key`` header where the scheme has headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from alerts.outbox import Outbox, Pending
from alerts.sms import fit_sms
from alerts.templates import wants_short
from monitord.clock import Clock, SystemClock
from monitord.config.notify import NotifyConfig

log = logging.getLogger("monitord.alerts.notify")

RUN_BACKOFF_INITIAL = 1.0
RUN_BACKOFF_MAX = 30.0
HEADER_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
IDEMPOTENCY_HEADER = "X-Idempotency-Key"


def with_key(url: str, key: str) -> str:
    """``url`` plus the idempotency header, for schemes that send custom headers."""
    scheme = url.partition("://")[0].lower()
    if scheme not in HEADER_SCHEMES:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}+{IDEMPOTENCY_HEADER}={key}"


def _send_blocking(url: str, title: str, body: str, notify_type: str, timeout: float) -> bool:
    import apprise

    sender = apprise.Apprise()
    if not sender.add(url):
        raise ValueError("apprise does not accept the URL")
    for plugin in sender:
        plugin.socket_connect_timeout = min(timeout, 10.0)
        plugin.socket_read_timeout = timeout
    return bool(sender.notify(body=body, title=title, notify_type=notify_type))


class Notifier:
    """Drains the outbox; ``wake()`` after writing rows for prompt delivery."""

    def __init__(self, outbox: Outbox, config: NotifyConfig, registry: CollectorRegistry, *,
                 health: Callable[[bool, str], None] | None = None, clock: Clock | None = None,
                 run_backoff: float = RUN_BACKOFF_INITIAL) -> None:
        self.outbox = outbox
        self.clock: Clock = clock or SystemClock()
        self._run_backoff = run_backoff  # first wait after the outbox failed (doubles, up to the max)
        self.config = config
        self._health = health
        self._wake = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._pool = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="apprise")
        self._failing: set[tuple[str, int]] = set()
        self.sent = Counter("monitord_notifications_sent", "Messages accepted by an endpoint",
                            ["route"], registry=registry)
        self.retried = Counter("monitord_notifications_retried", "Failed sends to be retried",
                               ["route"], registry=registry)
        self.given_up = Counter("monitord_notifications_given_up",
                                "Messages dropped after give_up_after", ["route"], registry=registry)

    def wake(self) -> None:
        self._wake.set()

    def _report(self, ok: bool, detail: str) -> None:
        if self._health is not None:
            self._health(ok, detail)

    async def run(self) -> None:
        """Deliver forever; a database or sender error degrades health and backs off, never ends it."""
        failures = 0
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
                due = await self.outbox.next_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.exception("notifier failed to read or update the outbox; retrying: %s", exc)
                self._report(False, f"outbox unreachable ({type(exc).__name__}); retrying")
                backoff = self._run_backoff * 2.0 ** min(failures - 1, 10)
                # A wake() means new rows were written: the database works again, so try now.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(RUN_BACKOFF_MAX, backoff)):
                        await self._wake.wait()
                continue
            if failures:
                failures = 0
                log.info("notifier reaches the outbox again")
                self._report(True, "delivering")
            wait = 30.0 if due is None else max(0.0, min(30.0, due - self.clock.now()))
            if wait > 0:
                try:
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass

    async def deliver_due(self) -> int:
        """Send every due row; digest rows of one destination go out as one message.

        One pass at a time: the run loop and the final pass at shutdown would
        otherwise read the same due rows and send them twice.
        """
        async with self._pass_lock:
            return await self._deliver_due()

    async def _deliver_due(self) -> int:
        blocked: set[tuple[str, int]] = set()
        parcels: list[list[Pending]] = []
        digests: dict[tuple[str, int], list[Pending]] = {}
        for row in await self.outbox.due(self.clock.now()):
            if row.digest:
                destination = (row.route, row.url_index)
                if destination not in digests:
                    digests[destination] = []
                    parcels.append(digests[destination])
                digests[destination].append(row)
            else:
                parcels.append([row])
        done = 0
        for parcel in parcels:
            destination = (parcel[0].route, parcel[0].url_index)
            if destination in blocked:
                continue
            retry_at = await self._deliver(parcel)
            if retry_at is None:
                done += len(parcel)
                continue
            # Keep this destination's messages in order: the later ones wait for the first.
            blocked.add(destination)
            later = [row.id for other in parcels if other is not parcel
                     and (other[0].route, other[0].url_index) == destination for row in other]
            if later:
                await self.outbox.postpone(later, retry_at)
        return done

    async def _deliver(self, parcel: list[Pending]) -> float | None:
        """None when the parcel is done with (delivered or given up), else when to retry."""
        now = self.clock.now()
        first = parcel[0]
        ids = [row.id for row in parcel]
        route = self.config.route(first.route)
        if route is None or first.url_index >= len(route.urls):
            log.error("outbox message %s: route %r or its URL %d is no longer configured; dropped",
                      first.key, first.route, first.url_index)
            await self.outbox.failed(ids, "route no longer configured", None, now)
            self.given_up.labels(route=first.route).inc(len(parcel))
            return None
        url = route.urls[first.url_index].get_secret_value()
        title, body, short, notify_type = _combined(parcel)
        if wants_short(url, route.format):
            title, body = "", short
        error = await self._send(with_key(url, first.key), title, body, notify_type)
        destination = (first.route, first.url_index)
        if error is None:
            await self.outbox.delivered(ids, self.clock.now())
            self.sent.labels(route=first.route).inc()
            if destination in self._failing:
                self._failing.discard(destination)
                log.info("route %s URL %d delivers again", first.route, first.url_index)
            return None
        if now - min(row.created_at for row in parcel) > self.config.give_up_after:
            log.error("giving up on message %s to route %s after %d attempts: %s",
                      first.key, first.route, first.attempts + 1, error)
            await self.outbox.failed(ids, error, None, now)
            self.given_up.labels(route=first.route).inc(len(parcel))
            return None
        attempts = max(row.attempts for row in parcel)
        backoff: float = min(self.config.retry_max, self.config.retry_initial * 2.0 ** min(attempts, 20))
        backoff *= random.uniform(0.8, 1.0)
        await self.outbox.failed(ids, error, now + backoff, now)
        self.retried.labels(route=first.route).inc()
        if destination not in self._failing:
            self._failing.add(destination)
            log.warning("route %s URL %d failed (%s); retrying with backoff", first.route,
                        first.url_index, error)
        return now + backoff

    async def _send(self, url: str, title: str, body: str, notify_type: str) -> str | None:
        """None when delivered, else why not (never the URL: it holds secrets)."""
        loop = asyncio.get_running_loop()
        timeout = self.config.send_timeout
        future: asyncio.Future[Any] = loop.run_in_executor(
            self._pool, _send_blocking, url, title, body, notify_type, timeout)
        try:
            async with asyncio.timeout(timeout + 5.0):
                ok = await asyncio.shield(future)
        except TimeoutError:
            return f"no answer within {timeout:g}s"
        except ValueError as exc:
            return str(exc)
        except Exception as exc:
            # Retried with backoff like a refusal; the type only, as the text may hold the URL.
            return f"the sender failed ({type(exc).__name__})"
        return None if ok else "the endpoint did not accept the message"

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _combined(parcel: list[Pending]) -> tuple[str, str, str, str]:
    """(title, body, short, notify_type) of one row, or of a digest of several."""
    if len(parcel) == 1:
        row = parcel[0]
        return row.title, row.body, row.short, row.notify_type
    title = f"Digest: {len(parcel)} normal-priority updates"
    body = "\n\n".join(f"{row.title}\n{row.body}" for row in parcel)
    short = fit_sms(f"{len(parcel)} updates: " + " | ".join(row.short for row in parcel))
    kinds = {row.notify_type for row in parcel}
    kind = "failure" if "failure" in kinds else ("warning" if "warning" in kinds else "success")
    return title, body, short, kind
