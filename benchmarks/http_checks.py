"""1,000 ``http`` targets every 30 s over keep-alive-less HTTPS, and our per-check cost next to curl's.

The HTTPS server (aiohttp, certificate from a test CA made with ``cryptography``) runs in
a child process, so its CPU (the server half of every handshake) is counted for no one.

1. **Daemon:** the real daemon schedules ``--targets`` https checks every ``--interval``
   seconds (one new TLS connection per check, ``Connection: close``), writing every result
   to the embedded store. After a warm-up, ``--rounds`` windows of ``--window`` seconds:
   CPU share of one core of this process (scheduler, probe, TLS, result building, store),
   checks per second, failed checks.
2. **Per check, ours vs curl,** with the daemon stopped, in ``--rounds`` interleaved rounds
   of ``--checks`` checks each (8 at a time for both):
   * ours: ``HttpProbe.probe`` in this process, CPU (user + system) of this process / checks;
   * curl: one ``curl -s -o /dev/null --cacert CA URL`` process per check, CPU of the
     children / checks: what "run curl once per check" costs a monitoring host;
   * curl start-up: one ``curl -s -o /dev/null file:///dev/null`` per check: exec, dynamic
     linking, libcurl and OpenSSL initialisation, no network. curl minus this is curl's
     network work (resolve, connect, handshake, request), the fair peer of a resident probe.
   Both verify the certificate against the one test CA. Our figure excludes the Python
   interpreter's start (the daemon is resident); curl's includes its process start, which
   is why the start-up row is measured separately.

Medians with min-max spread over the rounds.

    .venv/bin/python -m benchmarks.http_checks [--quick] [--targets 1000] [--interval 30] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import Figure, parser, report
from benchmarks.stats import CpuClock
from monitord.config.loader import build_config
from monitord.daemon import Daemon, tune_garbage_collector
from probes.base import ProbeTarget
from probes.http import HttpProbe, HttpSettings
from tests.servers.certificates import Pki

SERVER = r"""
import asyncio, ssl, sys
from aiohttp import web
async def main(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    app = web.Application()
    page = b"<html><body>monitord benchmark page: all systems nominal</body></html>"
    app.router.add_get("/", lambda request: web.Response(body=page, content_type="text/html"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context, backlog=1024)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main(sys.argv[1], sys.argv[2]))
"""
PARALLEL = 8


def document(state_dir: Path, url: str, ca: Path, targets: int, interval: float) -> dict[str, Any]:
    return {
        "daemon": {"state_dir": str(state_dir), "log_level": "warning"},
        "http": {"listen": "127.0.0.1:0"},
        "probes": {"http": {"interval": interval, "timeout": 5.0, "ca_file": str(ca)}},
        "targets": [
            {
                "name": f"web-{i:04d}",
                "address": "127.0.0.1",
                "site": f"site-{i // 10:03d}",
                "probes": {"http": {"url": url, "body_match": "nominal"}},
            }
            for i in range(targets)
        ],
    }


def runs(daemon: Daemon, outcome: str) -> float:
    return (
        daemon.registry.get_sample_value("monitord_probe_runs_total", {"kind": "http", "outcome": outcome})
        or 0.0
    )


async def daemon_rounds(
    doc: dict[str, Any],
    rounds: int,
    window: float,
    warmup: float,
) -> list[dict[str, float]]:
    daemon = Daemon(build_config(doc))
    task = asyncio.create_task(daemon.run())
    await asyncio.wait_for(daemon.started.wait(), 120)
    await asyncio.sleep(warmup)
    found = []
    for _ in range(rounds):
        ok_before = runs(daemon, "ok")
        failed_before = runs(daemon, "timeout") + runs(daemon, "error")
        clock = CpuClock()
        clock.start()
        await asyncio.sleep(window)
        wall, cpu = clock.stop()
        checks = runs(daemon, "ok") - ok_before
        failed = runs(daemon, "timeout") + runs(daemon, "error") - failed_before
        found.append(
            {
                "cpu_pct": 100 * cpu / wall,
                "rate": (checks + failed) / wall,
                "failed": failed,
                "us_per_check": 1e6 * cpu / max(1.0, checks + failed),
            }
        )
    latest = [r for (_, kind), r in daemon.scheduler.last_results().items() if kind == "http"]
    found.append(
        {"not_up": sum(not (r.ok and r.fields.get("up") == 1) for r in latest), "latest": len(latest)}
    )
    daemon.request_stop()
    await task
    return found


async def bounded(count: int, one: Callable[[], Awaitable[None]]) -> None:
    """``count`` calls of ``one``, ``PARALLEL`` at a time."""
    gate = asyncio.Semaphore(PARALLEL)

    async def run() -> None:
        async with gate:
            await one()

    async with asyncio.TaskGroup() as group:
        for _ in range(count):
            group.create_task(run())


async def ours(url: str, ca: Path, checks: int) -> float:
    """CPU microseconds of this process per check."""
    kind = HttpProbe()
    settings = HttpSettings.model_validate(
        {"url": url, "ca_file": str(ca), "body_match": "nominal", "timeout": 5}
    )
    target = ProbeTarget(name="bench", address="127.0.0.1", site="bench")
    await kind.probe(target, settings)  # the SSL context is built once, as in the daemon
    failures = 0

    async def one() -> None:
        nonlocal failures
        async with asyncio.timeout(10):
            result = (await kind.probe(target, settings))[0]
        failures += not (result.ok and result.fields.get("up") == 1)

    clock = CpuClock()
    clock.start()
    await bounded(checks, one)
    _, cpu = clock.stop()
    assert failures == 0, f"{failures} of our checks failed"
    return 1e6 * cpu / checks


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def processes(argv: list[str], checks: int) -> float:
    """CPU microseconds of the children per process run (each waited for, so counted)."""
    failures = 0

    async def one() -> None:
        nonlocal failures
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        async with asyncio.timeout(20):
            failures += await process.wait() != 0

    before = children_cpu()
    await bounded(checks, one)
    assert failures == 0, f"{failures} of {argv[0]} runs failed"
    return 1e6 * (children_cpu() - before) / checks


def figures(
    args: argparse.Namespace,
    daemon: list[dict[str, float]],
    last: dict[str, float],
    per_check: dict[str, list[float]],
    version: str,
) -> list[Figure]:
    """The table rows: the daemon's share of a core, then our per-check CPU next to curl's."""
    planned = args.targets / args.interval
    failed = sum(d["failed"] for d in daemon)
    network = [c - s for c, s in zip(per_check["curl"], per_check["start"], strict=True)]
    name = f"{args.targets:,} https targets every {args.interval:g} s, new TLS connection per check"
    return [
        Figure(
            "http_checks",
            f"daemon CPU, {name}",
            "% of a core",
            "lower",
            [d["cpu_pct"] for d in daemon],
            note=f"checks {statistics.median([d['rate'] for d in daemon]):.1f}/s (planned {planned:.1f}/s), "
            f"timed out or raised {failed:.0f}, latest result not up {last['not_up']:.0f} of "
            f"{last['latest']:.0f}; CPU per check incl. scheduler, alerts and store "
            f"{statistics.median([d['us_per_check'] for d in daemon]):.0f} us",
            met=failed == 0 and last["not_up"] == 0,
            goal="every check up",
        ),
        Figure(
            "http_checks",
            f"CPU per https check, {PARALLEL} at a time, vs curl once per check",
            "us",
            "lower",
            per_check["ours"],
            f"{version}, process per check",
            per_check["curl"],
            note=f"curl's start-up alone (file:///dev/null) {statistics.median(per_check['start']):,.0f} us",
        ),
        Figure(
            "http_checks",
            "CPU per https check vs curl minus its start-up",
            "us",
            "lower",
            per_check["ours"],
            "curl minus start-up (its network work)",
            network,
        ),
    ]


def main() -> None:
    options = parser(__doc__)
    options.add_argument("--targets", type=int, default=1000)
    options.add_argument("--interval", type=float, default=30.0)
    options.add_argument("--rounds", type=int, default=5)
    options.add_argument("--window", type=float, default=20.0, help="seconds per daemon round")
    options.add_argument("--checks", type=int, default=300, help="checks per per-check round")
    args = options.parse_args()
    if args.quick:
        args.rounds, args.window, args.checks = 3, 10.0, 150
    curl = shutil.which("curl")
    assert curl is not None, "curl (Debian package curl) is needed"
    with tempfile.TemporaryDirectory() as tmp:
        pki = Pki(Path(tmp) / "pki")
        pair = pki.leaf("bench")
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(pair.cert), str(pair.key)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            url = f"https://localhost:{int(server.stdout.readline())}/"
            tune_garbage_collector()  # as `monitord run` does
            doc = document(Path(tmp) / "state", url, pki.ca, args.targets, args.interval)
            daemon = asyncio.run(daemon_rounds(doc, args.rounds, args.window, warmup=5.0))
            last = daemon.pop()
            per_check: dict[str, list[float]] = {"ours": [], "curl": [], "start": []}
            for _ in range(args.rounds):  # interleaved, so drift in machine load hits all three alike
                per_check["ours"].append(asyncio.run(ours(url, pki.ca, args.checks)))
                per_check["curl"].append(
                    asyncio.run(
                        processes([curl, "-s", "-o", "/dev/null", "--cacert", str(pki.ca), url], args.checks)
                    )
                )
                per_check["start"].append(
                    asyncio.run(processes([curl, "-s", "-o", "/dev/null", "file:///dev/null"], args.checks))
                )
        finally:
            server.terminate()
            server.wait(10)
    version = " ".join(
        subprocess.run(
            [curl, "--version"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.split()[:2]
    )
    report("HTTP checks", figures(args, daemon, last, per_check, version), args.rounds)


if __name__ == "__main__":
    main()
