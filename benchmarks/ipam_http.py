"""Allocations over HTTP with 50 concurrent clients, on SQLite and on a real PostgreSQL.

A daemon (this process) serves the IPAM API; two client processes with 25
concurrent connections each (``tests.ipam.load_clients``) allocate from a /16
that already holds 20,000 addresses imported at random. Every address handed
out is checked for duplicates. The rate divides by the combined span (first client's start
to the last one's end; the earlier version divided by the longest client's own duration).
Both backends' daemons run at once and their waves of allocations alternate, so the
machine's other load hits both alike. No peer serves the same API; the figure is against
the target: >= 500 allocations/s, zero duplicates.
PostgreSQL is started exactly as the tests start it (``tests.servers.postgres``).

    .venv/bin/python -m benchmarks.ipam_http [--quick]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.harness import Figure, report
from benchmarks.harness import parser as harness_parser
from tests.daemon_harness import ADMIN_TOKEN, auth, base_config, running_daemon, url
from tests.servers import postgres

PROCESSES = 2
CONCURRENCY_EACH = 25
PRELOAD = 20_000
TARGET = 500.0


async def _clients(base: str, subnet_id: int, total: int) -> tuple[list[tuple[int, str]], float]:
    """Every (status, address) the clients got, and the combined span in seconds."""
    per = total // PROCESSES
    runs = []
    for _ in range(PROCESSES):
        runs.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.ipam_load_client",
                base,
                ADMIN_TOKEN,
                str(subnet_id),
                str(per),
                str(CONCURRENCY_EACH),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        )
    outputs = []
    for process in runs:
        out, err = await asyncio.wait_for(process.communicate(), 300)
        if process.returncode != 0:
            raise RuntimeError(err.decode()[-2000:])
        outputs.append(json.loads(out))
    span = max(o["ended"] for o in outputs) - min(o["began"] for o in outputs)
    return [tuple(r) for o in outputs for r in o["results"]], span


@contextlib.asynccontextmanager
async def prepared(state_url: str, state_dir: Path) -> AsyncIterator[tuple[str, int, set[str], float]]:
    """A daemon with a /16 preloaded by CSV import: (base url, subnet id, preloaded, import rows/s)."""
    document = base_config(state_dir, storage={"state_url": state_url, "embedded": {"enabled": False}})
    document["daemon"]["log_level"] = "warning"
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        api = url(daemon, "/api/v1/ipam")
        async with session.post(
            f"{api}/subnets", json={"cidr": "10.128.0.0/16"}, headers=auth(ADMIN_TOKEN)
        ) as response:
            subnet_id = (await response.json())["id"]
        rng = random.Random(6)
        preload = {f"10.128.{v >> 8}.{v & 255}" for v in rng.sample(range(1, 65535), PRELOAD)}
        csv_text = "address,hostname\n" + "".join(f"{a},pre-{i}\n" for i, a in enumerate(sorted(preload)))
        begin = time.perf_counter()
        async with session.post(
            f"{api}/import", data=csv_text.encode(), headers={**auth(ADMIN_TOKEN), "Content-Type": "text/csv"}
        ) as response:
            report_ = await response.json()
            assert response.status == 200 and report_["create"] == PRELOAD, report_
        yield url(daemon, ""), subnet_id, preload, PRELOAD / (time.perf_counter() - begin)


async def main_async(allocations: int, waves: int) -> None:
    rates: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    granted: dict[str, list[str]] = {"sqlite": [], "postgresql": []}
    statuses: dict[str, Counter[int]] = {"sqlite": Counter(), "postgresql": Counter()}
    imports: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ipam-bench-") as tmp:
        # The fixtures' own functions: the server starts exactly as in the tests.
        start_server: Any = postgres.postgres_server._get_wrapped_function()
        new_database: Any = postgres.postgres_url._get_wrapped_function()
        with contextlib.contextmanager(start_server)() as server:
            database = new_database(server)
            pg_url = await anext(database)
            try:
                async with (
                    prepared(f"sqlite+aiosqlite:///{tmp}/state.db", Path(tmp) / "a") as lite,
                    prepared(pg_url, Path(tmp) / "b") as pg,
                ):
                    daemons = {"sqlite": lite, "postgresql": pg}
                    for wave in range(waves):
                        for name in ["sqlite", "postgresql"] if wave % 2 == 0 else ["postgresql", "sqlite"]:
                            base, subnet_id, _, imports[name] = daemons[name]
                            results, span = await _clients(base, subnet_id, allocations)
                            ok = [address for status, address in results if status == 201]
                            rates[name].append(len(ok) / span)
                            granted[name] += ok
                            statuses[name].update(status for status, _ in results)
                    preloads = {name: d[2] for name, d in daemons.items()}
            finally:
                await anext(database, None)  # drops the database
    figures = []
    for name in ("sqlite", "postgresql"):
        duplicates = len(granted[name]) - len(set(granted[name])) + len(set(granted[name]) & preloads[name])
        figure = Figure(
            "ipam_http",
            f"IPAM allocations over HTTP, 50 clients, {name}",
            "allocations/s",
            "higher",
            rates[name],
            goal=">= 500/s, 0 duplicates",
            note=f"statuses {dict(statuses[name])}, duplicates {duplicates}, "
            f"CSV import {imports[name]:,.0f} rows/s; no peer serves the same API",
        )
        figure.met = figure.ours_median >= TARGET and duplicates == 0
        figures.append(figure)
    report(
        f"IPAM allocations, {PROCESSES} client processes x {CONCURRENCY_EACH} connections, /16 preloaded "
        f"with {PRELOAD:,}, {allocations:,} allocations per wave",
        figures,
        waves,
    )


def main() -> None:
    quick = harness_parser(__doc__).parse_args().quick
    asyncio.run(main_async(600 if quick else 1500, 2 if quick else 4))


if __name__ == "__main__":
    main()
