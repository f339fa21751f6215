"""The embedded time-series store: round trip, strings, day partitions, retention."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from monitord.results import ProbeResult
from monitord.tsdb.schema import DAY_NS
from monitord.tsdb.store import SeriesStore


def result(target: str, ts: int, **fields: float | str) -> ProbeResult:
    return ProbeResult(
        measurement="tcp",
        target=target,
        kind="tcp",
        time_ns=ts,
        ok=True,
        fields={"up": 1, **fields},
        tags={"site": "s", "port": "22"},
    )


async def test_round_trip_across_days_and_retention(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path / "series.db", retention_s=7 * 86400)
    await store.open()
    now = time.time_ns()
    old = now - 10 * DAY_NS
    try:
        written = await store.write(
            [
                result("a", old, connect_ms=9.0),
                result("a", now - DAY_NS, connect_ms=2.0),
                result("a", now, connect_ms=1.5, banner="SSH-2.0"),
                result("b", now, connect_ms=3.0),
            ]
        )
        assert written == 2 + 2 + 3 + 2
        series = await store.query(
            target="a",
            measurement="tcp",
            field="connect_ms",
            since_ns=now - 2 * DAY_NS,
            until_ns=now,
            limit=100,
        )
        assert len(series) == 1
        assert series[0].tags == {"port": "22", "site": "s"}
        assert series[0].points == [(now - DAY_NS, 2.0), (now, 1.5)]
        text = await store.query(
            target="a", measurement="tcp", field="banner", since_ns=now - 1, until_ns=now, limit=10
        )
        assert text[0].points == [(now, "SSH-2.0")]
        dropped = await store.prune(now)
        assert len(dropped) == 1 and dropped[0].startswith("points_")
        everything = await store.query(
            target="a", measurement="tcp", field="connect_ms", since_ns=old - 1, until_ns=now, limit=100
        )
        assert [ts for ts, _ in everything[0].points] == [now - DAY_NS, now]
        assert await store.known_target("b") and not await store.known_target("zz")
    finally:
        await store.close()


async def test_reopen_keeps_series_ids_and_limit_applies(tmp_path: Path) -> None:
    path = tmp_path / "series.db"
    now = time.time_ns()
    store = SeriesStore(path, retention_s=86400)
    await store.open()
    await store.write([result("a", now - i, connect_ms=float(i)) for i in range(50)])
    await store.close()
    store = SeriesStore(path, retention_s=86400)
    await store.open()
    try:
        await store.write([result("a", now + 1, connect_ms=-1.0)])
        series = await store.query(
            target="a", measurement="tcp", field="connect_ms", since_ns=now - 100, until_ns=now + 1, limit=10
        )
        assert len(series) == 1  # the same series, not a second one after re-open
        assert len(series[0].points) == 10
        assert series[0].points[0] == (now - 49, 49.0)
    finally:
        await store.close()


async def test_failed_batch_rolls_back_without_poisoning_caches(tmp_path: Path) -> None:
    store = SeriesStore(tmp_path / "series.db", retention_s=86400)
    await store.open()
    now = time.time_ns()
    try:
        bad = ProbeResult(
            measurement="tcp",
            target="a",
            kind="tcp",
            time_ns=now,
            ok=True,
            fields={"up": 1, "broken": [1, 2]},  # type: ignore[dict-item]
            tags={"site": "s"},
        )
        with pytest.raises(TypeError):
            await store.write([bad])  # the day's first batch: its table and series roll back
        assert await store.write([result("a", now + 1, connect_ms=2.5)]) == 2
        series = await store.query(
            target="a", measurement="tcp", field=None, since_ns=now - 1, until_ns=now + 1, limit=10
        )
        assert {(s.field, tuple(s.points)) for s in series} == {
            ("up", ((now + 1, 1.0),)),
            ("connect_ms", ((now + 1, 2.5),)),
        }
    finally:
        await store.close()


async def test_tags_decide_the_series_whatever_their_order(tmp_path: Path) -> None:
    """The per-source id cache keys on tags as given; one series per canonical tag set."""
    store = SeriesStore(tmp_path / "series.db", retention_s=86400)
    await store.open()
    now = time.time_ns()

    def with_tags(ts: int, tags: dict[str, str], rtt: float) -> ProbeResult:
        return ProbeResult(
            measurement="icmp",
            target="a",
            kind="icmp",
            time_ns=ts,
            ok=True,
            fields={"rtt_ms": rtt},
            tags=tags,
        )

    try:
        await store.write(
            [
                with_tags(now, {"site": "s", "zone": "z"}, 1.0),
                with_tags(now + 1, {"zone": "z", "site": "s"}, 2.0),  # same tags, other order
                with_tags(now + 2, {"site": "s", "zone": "other"}, 3.0),  # another series
            ]
        )
        series = await store.query(
            target="a", measurement="icmp", field="rtt_ms", since_ns=now - 1, until_ns=now + 5, limit=10
        )
        by_zone = {s.tags["zone"]: s.points for s in series}
        assert by_zone == {"z": [(now, 1.0), (now + 1, 2.0)], "other": [(now + 2, 3.0)]}
    finally:
        await store.close()


async def test_a_failed_batch_forgets_the_series_it_created(tmp_path: Path) -> None:
    """A rolled-back batch must not leave cached ids of series rows that no longer exist."""
    store = SeriesStore(tmp_path / "series.db", retention_s=86400)
    await store.open()
    now = time.time_ns()
    try:
        with pytest.raises(TypeError):
            await store.write([result("new", now, connect_ms="x"), result("new", now, connect_ms=object())])  # type: ignore[arg-type]
        await store.write([result("new", now + 1, connect_ms=4.0)])
        series = await store.query(
            target="new", measurement="tcp", field="connect_ms", since_ns=now - 1, until_ns=now + 1, limit=10
        )
        assert [s.points for s in series] == [[(now + 1, 4.0)]]
    finally:
        await store.close()
