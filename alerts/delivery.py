"""Drive the notify stage: deliver due outbox rows and act on each answer.

Sent: the rows are marked delivered (never sent again). Retry: exponential
backoff with jitter until ``give_up_after``; a destination that failed is not
tried again in the same pass, so its messages stay in order. Give up (apprise
does not accept the URL): the rows are given up at once and the URL is logged
once, not once per message. Digest rows of one destination go out as one
message. The idempotency key goes out as an ``X-Idempotency-Key`` header where
the scheme has headers.

(Called ``Notifier`` before; renamed so that name means only the systemd notifier.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter

from alerts.outbox import Outbox, Pending
from alerts.sender import AppriseSender, Outcome, with_key
from alerts.sms import fit_sms
from alerts.templates import wants_short
from monitord.accounts.contacts import contact_url, route_account
from monitord.clock import Clock, SystemClock
from monitord.config.notify import NotifyConfig

log = logging.getLogger("monitord.alerts.notify")

RUN_BACKOFF_INITIAL = 1.0
RUN_BACKOFF_MAX = 30.0


class Deliverer:
    """Drains the outbox; ``wake()`` after writing rows for prompt delivery."""

    def __init__(
        self,
        outbox: Outbox,
        config: NotifyConfig,
        registry: CollectorRegistry,
        *,
        health: Callable[[bool, str], None] | None = None,
        clock: Clock | None = None,
        run_backoff: float = RUN_BACKOFF_INITIAL,
    ) -> None:
        self.outbox = outbox
        self.clock: Clock = clock or SystemClock()
        self._run_backoff = run_backoff  # first wait after the outbox failed (doubles, up to the max)
        self.config = config
        self._health = health
        self._wake = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._sender = AppriseSender(config.workers)
        self._failing: set[tuple[str, int]] = set()
        self._rejected: set[tuple[str, int, str]] = set()  # (route, URL index, URL) logged as rejected
        self.sent = Counter(
            "monitord_notifications_sent", "Messages accepted by an endpoint", ["route"], registry=registry
        )
        self.retried = Counter(
            "monitord_notifications_retried", "Failed sends to be retried", ["route"], registry=registry
        )
        self.given_up = Counter(
            "monitord_notifications_given_up",
            "Messages given up: after give_up_after, or at once for a URL apprise rejects",
            ["route"],
            registry=registry,
        )

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
            later = [
                row.id
                for other in parcels
                if other is not parcel and (other[0].route, other[0].url_index) == destination
                for row in other
            ]
            if later:
                await self.outbox.postpone(later, retry_at)
        return done

    async def _deliver(self, parcel: list[Pending]) -> float | None:
        """None when the parcel is done with (delivered or given up), else when to retry."""
        now = self.clock.now()
        first = parcel[0]
        ids = [row.id for row in parcel]
        url, route_format = await self._destination(first)
        if url is None:
            log.error(
                "outbox message %s: route %r or its URL %d is no longer configured; dropped",
                first.key,
                first.route,
                first.url_index,
            )
            await self._give_up(parcel, "route no longer configured", now)
            return None
        title, body, short, notify_type = _combined(parcel)
        if wants_short(url, route_format):
            title, body = "", short
        result = await self._sender.send(
            with_key(url, first.key), title, body, notify_type, self.config.send_timeout
        )
        destination = (first.route, first.url_index)
        if result.outcome is Outcome.SENT:
            await self.outbox.delivered(ids, self.clock.now())
            self.sent.labels(route=first.route).inc()
            self._rejected.discard((first.route, first.url_index, url))
            if destination in self._failing:
                self._failing.discard(destination)
                log.info("route %s URL %d delivers again", first.route, first.url_index)
            return None
        if result.outcome is Outcome.GIVE_UP:
            if (first.route, first.url_index, url) not in self._rejected:
                self._rejected.add((first.route, first.url_index, url))
                log.error(
                    "route %s URL %d: %s; its messages are given up without retrying",
                    first.route,
                    first.url_index,
                    result.reason,
                )
            await self._give_up(parcel, result.reason, now)
            return None
        if now - min(row.created_at for row in parcel) > self.config.give_up_after:
            log.error(
                "giving up on message %s to route %s after %d attempts: %s",
                first.key,
                first.route,
                first.attempts + 1,
                result.reason,
            )
            await self._give_up(parcel, result.reason, now)
            return None
        attempts = max(row.attempts for row in parcel)
        backoff: float = min(self.config.retry_max, self.config.retry_initial * 2.0 ** min(attempts, 20))
        backoff *= random.uniform(0.8, 1.0)
        await self.outbox.failed(ids, result.reason, now + backoff, now)
        self.retried.labels(route=first.route).inc()
        if destination not in self._failing:
            self._failing.add(destination)
            log.warning(
                "route %s URL %d failed (%s); retrying with backoff",
                first.route,
                first.url_index,
                result.reason,
            )
        return now + backoff

    async def _destination(self, row: Pending) -> tuple[str | None, str]:
        """(URL, format) of a row's destination: a configured route's URL, or an account's
        own contact URL (route ``account:<name>``), read now so a changed contact is used."""
        account = route_account(row.route)
        if account is not None:
            return await contact_url(self.outbox.store, account, row.url_index), "auto"
        route = self.config.route(row.route)
        if route is None or row.url_index >= len(route.urls):
            return None, "auto"
        return route.urls[row.url_index].get_secret_value(), route.format

    async def _give_up(self, parcel: list[Pending], reason: str, now: float) -> None:
        await self.outbox.failed([row.id for row in parcel], reason, None, now)
        self.given_up.labels(route=parcel[0].route).inc(len(parcel))

    def close(self) -> None:
        self._sender.close()


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
