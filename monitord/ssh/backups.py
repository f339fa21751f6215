"""Is the newest backup there, fresh, big enough and not shrunken? Pure decisions, no I/O.

"Fresh" is either an age (``max_age``) or a daily deadline (``due_by`` in a
time zone): once today's deadline has passed, the newest backup must be newer
than yesterday's deadline, i.e. one backup per daily cycle. A nightly 02:00 job
checked with ``due_by: "06:00"`` is stale from 06:00 on the day it did not run;
before 06:00 yesterday's run still counts. With both set, the stricter wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitord.results import FieldValue


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: str
    size: int
    mtime: float


def oldest_acceptable(now: datetime, max_age: float | None, due_by: time | None, zone: ZoneInfo) -> float:
    """The earliest modification time (epoch seconds) a fresh backup may have."""
    limits: list[float] = []
    if max_age is not None:
        limits.append(now.timestamp() - max_age)
    if due_by is not None:
        local = now.astimezone(zone)
        day = local.date()
        if datetime.combine(day, due_by, tzinfo=zone) > local:
            day -= timedelta(days=1)
        # The cycle that ends at the latest deadline began at the deadline the day before.
        limits.append(datetime.combine(day - timedelta(days=1), due_by, tzinfo=zone).timestamp())
    return max(limits)


@dataclass(slots=True)
class BackupVerdict:
    problems: list[str] = field(default_factory=list)
    fields: dict[str, FieldValue] = field(default_factory=dict)
    newest: BackupFile | None = None


def newest_of(files: Sequence[BackupFile]) -> BackupFile | None:
    return max(files, key=lambda f: (f.mtime, f.path), default=None)


def judge(
    files: Sequence[BackupFile],
    *,
    now: float,
    oldest_ok: float,
    min_size: int,
    max_shrink: float,
    remembered: BackupFile | None = None,
) -> BackupVerdict:
    """Check the newest file against freshness, minimum size and shrinkage vs the one before.

    The one before is the second newest file in the directory, or else
    ``remembered`` (the previous generation a past run saw, for a backup that
    overwrites one file).
    """
    verdict = BackupVerdict()
    ordered = sorted(files, key=lambda f: (f.mtime, f.path), reverse=True)
    verdict.fields = {"files": len(ordered), "missing": 0, "stale": 0, "too_small": 0, "shrunk": 0}
    if not ordered:
        verdict.fields["missing"] = 1
        verdict.problems.append("no backup file found")
        return verdict
    newest = verdict.newest = ordered[0]
    verdict.fields["age_s"] = max(0.0, now - newest.mtime)
    verdict.fields["size_bytes"] = newest.size
    if newest.mtime < oldest_ok:
        verdict.fields["stale"] = 1
        verdict.problems.append(
            f"newest backup {newest.path} is stale: {_hours(now - newest.mtime)} old, "
            f"needed one newer than {datetime.fromtimestamp(oldest_ok).astimezone().isoformat()}"
        )
    if newest.size < min_size:
        verdict.fields["too_small"] = 1
        verdict.problems.append(
            f"newest backup {newest.path} is {newest.size} bytes, below the minimum {min_size}"
        )
    previous = ordered[1] if len(ordered) > 1 else None
    if previous is None and remembered is not None and remembered.mtime < newest.mtime:
        previous = remembered
    if previous is not None:
        verdict.fields["previous_size_bytes"] = previous.size
        if previous.size > 0:
            share = (previous.size - newest.size) / previous.size
            verdict.fields["shrink_share"] = round(share, 4)
            if share > max_shrink:
                verdict.fields["shrunk"] = 1
                verdict.problems.append(
                    f"newest backup {newest.path} shrank {share:.0%} against {previous.path} "
                    f"({previous.size} -> {newest.size} bytes; allowed {max_shrink:.0%})"
                )
    return verdict


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}h"
