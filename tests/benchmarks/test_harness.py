"""The benchmark harness's pure logic: interleaving order, ratios, the table and the JSON rows."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from benchmarks.__main__ import BENCHMARKS
from benchmarks.harness import JSON_ENV, Figure, ainterleave, interleave, report, spread, table


def test_interleave_rotates_the_order_and_warms_up_untimed() -> None:
    calls: list[str] = []

    def contender(name: str, value: float) -> Callable[[], float]:
        def run() -> float:
            calls.append(name)
            return value

        return run

    samples = interleave(
        {"a": contender("a", 1.0), "b": contender("b", 2.0), "c": contender("c", 3.0)}, rounds=3, warmup=1
    )
    assert calls == [
        "a",
        "b",
        "c",  # warm-up
        "a",
        "b",
        "c",
        "b",
        "c",
        "a",
        "c",
        "a",
        "b",
    ]
    assert samples == {"a": [1.0] * 3, "b": [2.0] * 3, "c": [3.0] * 3}


async def test_ainterleave_alternates_two_contenders() -> None:
    calls: list[str] = []

    def contender(name: str) -> Callable[[], Awaitable[float]]:
        async def run() -> float:
            calls.append(name)
            return float(len(calls))

        return run

    samples = await ainterleave({"ours": contender("ours"), "peer": contender("peer")}, rounds=4, warmup=0)
    assert calls == ["ours", "peer", "peer", "ours", "ours", "peer", "peer", "ours"]
    assert samples == {"ours": [1.0, 4.0, 5.0, 8.0], "peer": [2.0, 3.0, 6.0, 7.0]}


def test_ratio_is_monitord_median_over_peer_median() -> None:
    figure = Figure("b", "walk", "ms", "lower", [1.0, 9.0, 3.0], "peer", [2.0, 6.0, 100.0])
    assert figure.ours_median == 3.0
    assert figure.peer_median == 6.0
    assert figure.ratio == 0.5
    assert Figure("b", "alone", "ms", "lower", [1.0]).ratio is None


def test_row_shows_median_spread_ratio_direction_and_verdict() -> None:
    figure = Figure(
        "b", "rate", "1/s", "higher", [10.0, 30.0, 20.0], "peer", [5.0, 10.0, 15.0], goal=">= 15/s", met=True
    )
    assert figure.row() == [
        "rate [1/s]",
        "20.00 [10.00-30.00]",
        "10.00 [5.00-15.00] peer",
        "2.00x (higher better)",
        ">= 15/s",
        "met",
    ]
    tiny = Figure("b", "next-free", "us", "lower", [2.0], "IPSet", [6000.0])
    assert tiny.row()[3] == "1/3,000x (lower better)"
    assert spread([]) == "-"


def test_table_has_one_header_and_one_line_per_figure() -> None:
    figures = [Figure("b", "x", "ms", "lower", [1.0]), Figure("b", "y", "ms", "lower", [2.0])]
    lines = table(figures).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("| figure [unit]")
    assert set(lines[1]) <= {"|", "-"}


def test_report_prints_the_machine_and_appends_json_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = tmp_path / "rows.jsonl"
    monkeypatch.setenv(JSON_ENV, str(rows))
    figure = Figure("b", "walk", "ms", "lower", [1.0, 2.0], "peer", [2.0], note="why")
    report("title", [figure], rounds=2)
    report("again", [figure])
    out = capsys.readouterr().out
    assert "== title (2 interleaved rounds)" in out
    assert "load average" in out
    assert "note (walk): why" in out
    loaded = [json.loads(line) for line in rows.read_text().splitlines()]
    assert len(loaded) == 2
    data = {k: v for k, v in loaded[0].items() if k != "load1"}
    assert Figure(**data) == figure


def test_every_benchmark_module_in_the_runner_exists() -> None:
    folder = Path(__file__).resolve().parents[2] / "benchmarks"
    missing = [name for name in BENCHMARKS if not (folder / f"{name}.py").is_file()]
    assert not missing
