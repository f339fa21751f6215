"""Hostile names and every value type round-trip through the real servers' parsers."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from monitord.results import ProbeResult
from tests.influx.feed import counter, influx_config, make_sink
from tests.servers.influxdb import InfluxServer
from tests.servers.victoria import VictoriaServer

pytestmark = pytest.mark.root

HOSTILE = [
    "plain",
    "sp ace",
    "com,ma",
    "eq=uals",
    'quo"te',
    "back\\slash",
    "trail\\",
    "a\\,b",
    "a\\ b",
    "ünïcødé ✓ 日本",
    "new\nline",
    "cr\rret",
    "tab\tbed",
    " lead",
    '=," \\',
    "",
]


def expected(name: str, dialect: str) -> str:
    """How a name reads back: newlines become ``\\n``; InfluxDB 1.x drops trailing backslashes."""
    text = name.replace("\n", "\\n").replace("\r", "\\r")
    return text.rstrip("\\") if dialect == "v1" else text


def expected_v1_field_key(name: str) -> str:
    """InfluxDB 1.x field keys also lose a backslash before a delimiter (see lineproto)."""
    return re.sub(r'\\+(?=[,= "])', "", expected(name, "v1"))


def expected_v1_measurement(name: str) -> str:
    return re.sub(r"\\+(?=[, ])", "", expected(name, "v1"))


def hostile_results(run: str, now_ns: int) -> list[ProbeResult]:
    return [
        ProbeResult(
            measurement=f"m{name}",
            target=name,
            kind="test",
            time_ns=now_ns + index * 1_000_000,
            ok=True,
            fields={"v": float(index) + 0.5, f"f{name}": index, "s": name, "b": True},
            tags={f"k{name}": name, "run": run},
        )
        for index, name in enumerate(HOSTILE)
    ]


async def write_all(url: str, tmp_path: Path, results: list[ProbeResult], **config: Any) -> None:
    sink, registry = make_sink(influx_config(url, **config), tmp_path)
    await sink.start()
    try:
        await sink.write(results)
    finally:
        await sink.stop()
    assert counter(registry, "monitord_influx_points_written_total") == len(results)
    assert counter(registry, "monitord_influx_points_dropped_total", reason="rejected") == 0


@pytest.mark.parametrize("gzip", [True, False])
async def test_hostile_names_round_trip_victoriametrics(
    victoria_server: VictoriaServer, tmp_path: Path, gzip: bool
) -> None:
    run = uuid.uuid4().hex
    now_ns = time.time_ns() // 1_000_000 * 1_000_000
    results = hostile_results(run, now_ns)
    await write_all(victoria_server.url, tmp_path, results, api="v2", gzip=gzip)
    series = victoria_server.export(f'{{run="{run}"}}')
    found = {(row["metric"]["__name__"], tuple(sorted(row["metric"].items()))): row for row in series}
    for index, name in enumerate(HOSTILE):
        labels = {"run": run}
        read = expected(name, "v2")
        if name:
            labels["target"] = read
            labels[f"k{read}"] = read
        measurement = f"m{read}"
        field_key = f"f{read}".replace('"', '\\"')  # VictoriaMetrics keeps the escape, see lineproto
        for field, value in (("v", index + 0.5), (field_key, index), ("b", 1)):
            metric = {"__name__": f"{measurement}_{field}", **labels}
            key = (metric["__name__"], tuple(sorted(metric.items())))
            assert key in found, f"{name!r}: no series {metric}"
            row = found[key]
            assert row["values"] == [value]
            assert row["timestamps"] == [(now_ns + index * 1_000_000) // 1_000_000]


async def test_hostile_names_round_trip_influxdb_v1(influx_server: InfluxServer, tmp_path: Path) -> None:
    database = f"rt_{uuid.uuid4().hex[:8]}"
    influx_server.create_database(database)
    run = uuid.uuid4().hex
    now_ns = time.time_ns()
    results = hostile_results(run, now_ns)
    await write_all(influx_server.url, tmp_path, results, api="v1", database=database, precision="ns")
    series = {entry["name"]: entry for entry in influx_server.query(database, "SELECT * FROM /.*/")}
    assert sorted(series) == sorted({expected_v1_measurement(f"m{name}") for name in HOSTILE})
    for index, name in enumerate(HOSTILE):
        entry = series[expected_v1_measurement(f"m{name}")]
        assert len(entry["values"]) == 1, entry
        row = dict(zip(entry["columns"], entry["values"][0], strict=True))
        assert row["time"] == now_ns + index * 1_000_000
        assert row["v"] == index + 0.5
        assert row[expected_v1_field_key(f"f{name}")] == index
        assert row["s"] == name.replace("\n", "\\n").replace("\r", "\\r")
        assert row["b"] is True
        assert row["run"] == run
        if name and expected(name, "v1"):
            assert row["target"] == expected(name, "v1")
            assert row[expected(f"k{name}", "v1")] == expected(name, "v1")
        else:
            assert row.get("target") in (None, "")
