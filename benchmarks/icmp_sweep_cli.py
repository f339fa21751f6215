"""The one-shot CLI sweep of a /16 against fping, both as processes, in a lab namespace.

``monitord probe icmp 127.2.0.0/16`` (65,534 addresses, one echo each) against
``fping -i0 -r0 -q -g 127.2.0.0/16`` (alive count only) and ``fping -C1 -q -g``, which
prints one line per target like monitord does (the same-work peer; the issue's 1.5x
goal is judged against it, and the ratio to the plain sweep is printed beside it).
``--json`` is a row of its own (goal 1.7x). Every contender is a process started the
same way (``ip netns exec``), output read into a pipe and discarded, so process start
and interpreter start are on both sides. Then ``IcmpEngine.ping_many`` in process on
the same 65,534 addresses against ``fping -i0 -r0`` on a file (goal 10 us per echo).
Rounds interleaved, order rotating (3 quick, 7 full). Needs root (netns).

    .venv/bin/python -m benchmarks.icmp_sweep_cli [--quick]
"""

from __future__ import annotations

import asyncio
import functools
import os
import resource
import subprocess
import sys
import time

from benchmarks.harness import Figure, interleave, parser, report
from benchmarks.icmp_vs_fping import compare
from monitord.daemon import tune_garbage_collector
from tests.lab.netns import Lab

PREFIX = "127.2.0.0/16"
HOSTS = 65_534
SWEEP = [f"127.2.{i >> 8}.{i & 255}" for i in range(1, HOSTS + 1)]  # the /16's hosts, as fping -g


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (the child's user + system) of one process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, timeout=300, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: some target did not answer (both tools)
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr[-500:]!r}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def cli_rows(lab: Lab, rounds: int) -> list[Figure]:
    monitord = [sys.executable, "-m", "monitord", "probe", "icmp", PREFIX]
    argvs = {
        "monitord": lab.command(monitord),
        "monitord --json": lab.command([*monitord, "--json"]),
        "fping -C1 -q -g": lab.command(["fping", "-C1", "-q", "-i0", "-r0", "-g", PREFIX]),
        "fping -i0 -r0 -q -g": lab.command(["fping", "-i0", "-r0", "-q", "-g", PREFIX]),
    }
    cpu: dict[str, list[float]] = {name: [] for name in argvs}

    def contender(name: str) -> float:
        wall, used = timed(argvs[name])
        cpu[name].append(used)
        return wall

    walls = interleave({name: functools.partial(contender, name) for name in argvs}, rounds)
    cpu = {name: values[1:] for name, values in cpu.items()}  # the warm-up run's CPU
    per_target = "fping -C1 -q -g"
    plain = "fping -i0 -r0 -q -g"

    def ms(values: list[float]) -> list[float]:
        return [v * 1000 for v in values]

    def plain_ratio(name: str) -> str:
        med = sorted(walls[name])[len(walls[name]) // 2]
        return f"{med / sorted(walls[plain])[len(walls[plain]) // 2]:.2f}x"

    text = Figure(
        "icmp_sweep_cli",
        f"CLI sweep of a /16 ({HOSTS:,} addresses, one echo), wall",
        "ms",
        "lower",
        ms(walls["monitord"]),
        per_target,
        ms(walls[per_target]),
        goal="<= 1.5x fping",
        note=f"vs the plain sweep `{plain}` (alive count only): {plain_ratio('monitord')} "
        f"[{HOSTS:,} addresses; process and interpreter start on both sides]",
    )
    text.met = (text.ratio or 99) <= 1.5
    json_row = Figure(
        "icmp_sweep_cli",
        f"CLI sweep of a /16 ({HOSTS:,} addresses, one echo) --json, wall",
        "ms",
        "lower",
        ms(walls["monitord --json"]),
        per_target,
        ms(walls[per_target]),
        goal="<= 1.7x fping",
        note=f"vs `{plain}`: {plain_ratio('monitord --json')}",
    )
    json_row.met = (json_row.ratio or 99) <= 1.7
    cpu_row = Figure(
        "icmp_sweep_cli",
        f"CLI sweep of a /16 ({HOSTS:,} addresses), CPU",
        "us/address",
        "lower",
        [c / HOSTS * 1e6 for c in cpu["monitord"]],
        per_target,
        [c / HOSTS * 1e6 for c in cpu[per_target]],
        note="user + system CPU of the whole process, interpreter start included",
    )
    return [text, json_row, cpu_row]


async def engine_rows(lab: Lab, rounds: int) -> list[Figure]:
    wall, cpu = await compare(lab, "one echo, engine in process", SWEEP, 1.0, rounds)
    wall.benchmark = cpu.benchmark = "icmp_sweep_cli"
    cpu.goal = "<= 10 us"
    cpu.met = cpu.ours_median <= 10
    return [wall, cpu]


def main() -> None:
    options = parser(__doc__).parse_args()
    rounds = 3 if options.quick else 7
    if os.geteuid() != 0:
        sys.exit("needs root: a network namespace")
    tune_garbage_collector()
    lab = Lab()
    try:
        figures = cli_rows(lab, rounds)
        figures += asyncio.run(engine_rows(lab, rounds))
    finally:
        lab.close()
    report(f"CLI and engine sweep of {PREFIX} vs fping in a lab namespace", figures, rounds)


if __name__ == "__main__":
    main()
