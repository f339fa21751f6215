"""The weekly digest of warranties ending soon, written to the durable outbox.

Sent at ``assets.digest.day``/``time`` in its time zone to the URLs of one
notify route; the alert engine's deliverer sends it like any other message
(retries, give-up, no duplicates after a restart). Each week's message has a
key of its own (``assets-warranty-<date>-<url>``), so a restart neither sends a
week twice nor forgets it: a daemon that was down at the hour sends the week's
digest when it starts, if it has not gone out yet. A week with nothing ending
sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from alerts.outbox import Outbox
from alerts.tables import outbox
from monitord.assets.repo import AssetRepo
from monitord.config.assets import DigestConfig
from monitord.config.notify import RouteConfig

log = logging.getLogger("monitord.assets.digest")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK = 7 * 86400.0


def last_slot(now: float, config: DigestConfig) -> dt.datetime:
    """The latest scheduled send time at or before ``now`` (aware, in the digest's zone)."""
    zone = ZoneInfo(config.timezone)
    local = dt.datetime.fromtimestamp(now, zone)
    hour, minute = (int(part) for part in config.time.split(":"))
    back = (local.weekday() - WEEKDAYS.index(config.day)) % 7
    day = local.date() - dt.timedelta(days=back)
    slot = dt.datetime.combine(day, dt.time(hour, minute), zone)
    if slot.timestamp() > now:
        slot = dt.datetime.combine(day - dt.timedelta(days=7), dt.time(hour, minute), zone)
    return slot


def next_slot(now: float, config: DigestConfig) -> float:
    """Seconds since the epoch of the next send time after ``now`` (a week after the last one,
    on the wall clock of its zone, so a DST change keeps the local hour)."""
    last = last_slot(now, config)
    zone = ZoneInfo(config.timezone)
    following = dt.datetime.combine(last.date() + dt.timedelta(days=7), last.time(), zone)
    return following.timestamp()


def compose(items: list[dict[str, Any]], today: dt.date, within_days: int) -> tuple[str, str]:
    """Title and body: one line per asset, soonest first."""
    title = f"Warranties ending within {within_days} days: {len(items)} asset{'s' if len(items) != 1 else ''}"
    lines = []
    for item in items:
        end = dt.date.fromisoformat(item["warranty_end"])
        what = " ".join(part for part in (item["vendor"], item["model"]) if part) or item["kind"]
        where = item["site"] + (f", {item['room']}" if item["room"] else "")
        lines.append(f"{item['tag']} ({what}, {where}): ends {end.isoformat()}, in {(end - today).days} days")
    return title, "\n".join(lines)


async def send_week(
    repo: AssetRepo, engine: AsyncEngine, config: DigestConfig, route: RouteConfig, now: float
) -> int:
    """Write this week's digest to the outbox unless it is there already; the rows written."""
    slot = last_slot(now, config)
    keys = [f"assets-warranty-{slot.date().isoformat()}-{index}" for index in range(len(route.urls))]
    async with engine.connect() as conn:
        done = (await conn.execute(sa.select(sa.func.count()).where(outbox.c.key.in_(keys)))).scalar_one()
    if done:
        return 0
    today = slot.date()
    within_days = round(config.within / 86400.0)
    items = await repo.warranties_ending(today + dt.timedelta(seconds=config.within), after=today)
    if not items:
        log.info("warranty digest for %s: no warranty ends within %d days", today, within_days)
        return 0
    title, body = compose(items, today, within_days)
    async with engine.begin() as conn:
        await Outbox.add(
            conn,
            [
                {
                    "key": key,
                    "route": route.name,
                    "url_index": index,
                    "title": title,
                    "body": body,
                    "short": title,
                    "notify_type": "info",
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for index, key in enumerate(keys)
            ],
        )
    log.info("warranty digest for %s: %d assets, to route %s", today, len(items), route.name)
    return len(keys)
