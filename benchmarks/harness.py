"""The one way every benchmark measures and reports: interleaved rounds, medians with their spread.

Why interleaved: the machine is shared, so its load changes from second to second. Running
monitord for 5 s and then the peer for 5 s lets a burst of someone else's work land on one side
only; alternating short rounds (A B, B A, A B ...) spreads it over both. Why the median with
min-max: one disturbed round moves a mean and decides a best-of, but not a median, and the
spread shows how far a single run can be trusted. Why the load average and CPU model with
every table: a ratio measured on a loaded 2-core machine is only comparable with one measured
under similar conditions.

Each benchmark builds :class:`Figure` rows and calls :func:`report`. When the environment
variable ``MONITORD_BENCH_JSON`` names a file, the rows are also appended to it as JSON lines;
``python -m benchmarks`` (``make bench``) collects them into one table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

JSON_ENV = "MONITORD_BENCH_JSON"
Better = Literal["lower", "higher"]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    """CPU model, core count and load averages: printed with every table."""
    one, five, fifteen = os.getloadavg()
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, load average {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min)"
    )


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the ``--quick`` flag every benchmark has."""
    made = argparse.ArgumentParser(description=(doc or "").splitlines()[0] if doc else None)
    made.add_argument("--quick", action="store_true", help="fewer rounds and smaller loads (make bench)")
    return made


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 2) -> str:
    """``median [min-max]`` of ``values`` times ``scale``."""
    if not values:
        return "-"
    med = statistics.median(values) * scale
    low, high = min(values) * scale, max(values) * scale
    return f"{_num(med, digits)} [{_num(low, digits)}-{_num(high, digits)}]"


def _num(value: float, digits: int) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


@dataclass
class Figure:
    """One row of the table: monitord's samples, the peer's (or none), the goal.

    ``ratio`` is always monitord's median divided by the peer's median of the same quantity;
    ``better`` says which direction is good for that quantity, so a time ratio under 1 and a
    rate ratio over 1 both mean monitord is ahead.
    """

    benchmark: str
    name: str
    unit: str
    better: Better
    ours: list[float]
    peer_name: str = ""
    peer: list[float] = field(default_factory=list)
    goal: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours) if self.ours else float("nan")

    @property
    def peer_median(self) -> float:
        return statistics.median(self.peer) if self.peer else float("nan")

    @property
    def ratio(self) -> float | None:
        if not self.peer or not self.ours or self.peer_median == 0:
            return None
        return self.ours_median / self.peer_median

    def row(self) -> list[str]:
        ratio = self.ratio
        if ratio is None:
            ratio_text = "-"
        elif ratio < 0.1:  # e.g. "1/2,389x": readable where 0.00x would hide the figure
            ratio_text = f"1/{1 / ratio:,.0f}x ({self.better} better)"
        else:
            ratio_text = f"{ratio:.2f}x ({self.better} better)"
        met = "-" if self.met is None else ("met" if self.met else "NOT met")
        peer = f"{spread(self.peer)} {self.peer_name}" if self.peer else "-"
        return [f"{self.name} [{self.unit}]", spread(self.ours), peer, ratio_text, self.goal or "-", met]


HEADER = [
    "figure [unit]",
    "monitord median [min-max]",
    "peer median [min-max]",
    "ratio monitord/peer",
    "goal",
    "met",
]


def table(figures: Sequence[Figure]) -> str:
    rows = [HEADER, *(f.row() for f in figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def report(title: str, figures: Sequence[Figure], rounds: int | None = None) -> None:
    """Print the figures as a table with the machine line; append them to $MONITORD_BENCH_JSON."""
    print()
    interleaved = " interleaved" if any(f.peer for f in figures) else ""
    print(f"== {title}" + (f" ({rounds}{interleaved} rounds)" if rounds else ""))
    print(f"   {machine()}")
    print(table(figures))
    for figure in figures:
        if figure.note:
            print(f"   note ({figure.name}): {figure.note}")
    target = os.environ.get(JSON_ENV)
    if target:
        load = os.getloadavg()[0]
        with open(target, "a") as out:
            for figure in figures:
                out.write(json.dumps({**asdict(figure), "load1": load}) + "\n")


def interleave(
    contenders: dict[str, Callable[[], float]], rounds: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Run each contender ``warmup`` times untimed, then ``rounds`` rounds, order rotating.

    Each callable returns its own measurement (seconds, a rate, ...); the rotation (A B C,
    B C A, C A B, ...) gives every contender every position, so a contender that always ran
    right after another's warm caches or GC debt gets no lasting edge.
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(contenders[name]())
    return samples


async def ainterleave(
    contenders: dict[str, Callable[[], Awaitable[float]]], rounds: int, warmup: int = 1
) -> dict[str, list[float]]:
    """:func:`interleave` for coroutine functions."""
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            await contenders[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(await contenders[name]())
    return samples
