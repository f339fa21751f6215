"""/healthz latency and the daemon's descriptors under 500 slowloris connections.

A daemon process (``monitord run``) is attacked by 500 connections that send
half a request and then one header line a second, reconnecting whenever the
daemon closes them (``tests.api.slow_clients``). Meanwhile one client at
127.0.0.1 asks /healthz on a fresh connection, one request at a time, and the
daemon's open descriptors are read from ``/proc/<pid>/fd``. Scenarios:

- ``one-address``: all 500 from 127.0.0.2, default limits (256 per address);
- ``ten-addresses``: 50 each from 127.0.0.2-11, default limits (1024 in total);
- ``tight-cap``: ten addresses, ``max_connections`` 100 and 8 per address.

    .venv/bin/python -m benchmarks.slowloris [--samples 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.stats import percentile
from tests.api.slow_clients import daemon_process, fd_count, healthz_latency

ATTACKERS = 500
# Longer than the default header timeout (10 s), so the daemon's own closing shows in the counts.
ATTACK_SECONDS = 25.0
SCENARIOS: dict[str, tuple[int, dict[str, Any]]] = {
    "one-address": (1, {}),
    "ten-addresses": (10, {}),
    "tight-cap": (10, {"max_connections": 100, "max_connections_per_address": 8}),
}


async def _sample(pid: int, port: int, samples: int) -> tuple[list[float], int, int]:
    """Latencies (s) of ``samples`` sequential health checks; the peak fd count; non-200 answers."""
    latencies: list[float] = []
    peak = fd_count(pid)
    failures = 0
    for i in range(samples):
        status, seconds = await healthz_latency(port)
        latencies.append(seconds)
        failures += status != 200
        if i % 10 == 0:
            peak = max(peak, fd_count(pid))
        await asyncio.sleep(0.05)
    return latencies, peak, failures


def _line(name: str, latencies: list[float], **extra: object) -> str:
    ms = [s * 1000 for s in latencies]
    figures = " ".join(f"{k}={v}" for k, v in extra.items())
    return (
        f"{name:<26} /healthz p50={percentile(ms, 50):6.2f}ms p99={percentile(ms, 99):6.2f}ms "
        f"max={max(ms):6.2f}ms {figures}"
    )


async def scenario(name: str, sources: int, http: dict[str, Any], samples: int) -> None:
    with tempfile.TemporaryDirectory(prefix="slowloris-") as directory:
        async with daemon_process(Path(directory), http) as daemon:
            quiet, fds_quiet, _ = await _sample(daemon.pid, daemon.port, samples)
            print(_line(f"{name} (no attack)", quiet, fds=fds_quiet))
            # The attacker runs in its own process: sharing this event loop would add its work
            # to every latency measured here.
            attacker = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.api.slow_clients",
                str(daemon.port),
                str(ATTACKERS),
                str(sources),
                str(ATTACK_SECONDS),
                stdout=asyncio.subprocess.PIPE,
            )
            assert attacker.stdout is not None
            ready = await asyncio.wait_for(attacker.stdout.readline(), 120)
            assert ready.strip() == b"ready", ready
            await asyncio.sleep(2.0)  # let refusals and reconnects reach a steady state
            loaded, peak, failures = await _sample(daemon.pid, daemon.port, samples)
            out, _ = await asyncio.wait_for(attacker.communicate(), ATTACK_SECONDS + 60)
            counts = json.loads(out.decode().strip().splitlines()[-1])
            print(
                _line(
                    f"{name} (500 slowloris)",
                    loaded,
                    fds_peak=peak,
                    fds_before=fds_quiet,
                    non_200=failures,
                    attacker_connects=counts["opened"],
                    closed_by_daemon=counts["closed_by_server"],
                )
            )


async def main(samples: int) -> None:
    for name, (sources, http) in SCENARIOS.items():
        await scenario(name, sources, http, samples)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    asyncio.run(main(parser.parse_args().samples))
