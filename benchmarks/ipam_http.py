"""Allocations over HTTP with 50 concurrent clients, on SQLite and on a real PostgreSQL.

A daemon (this process) serves the IPAM API; two client processes with 25
concurrent connections each (``tests.ipam.load_clients``) allocate from a /16
that already holds 20,000 addresses imported at random. Every address handed
out is checked for duplicates. Target: >= 500 allocations/s, zero duplicates.
PostgreSQL is started exactly as the tests start it (``tests.servers.postgres``).

    .venv/bin/python -m benchmarks.ipam_http [--allocations 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from tests.daemon_harness import ADMIN_TOKEN, auth, base_config, running_daemon, url
from tests.servers import postgres

PROCESSES = 2
CONCURRENCY_EACH = 25
PRELOAD = 20_000
TARGET = 500.0


async def _clients(base: str, subnet_id: int, total: int) -> list[dict[str, Any]]:
    per = total // PROCESSES
    runs = []
    for _ in range(PROCESSES):
        runs.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.ipam.load_clients", base, ADMIN_TOKEN, str(subnet_id), str(per),
            str(CONCURRENCY_EACH), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
    outputs = []
    for process in runs:
        out, err = await asyncio.wait_for(process.communicate(), 300)
        if process.returncode != 0:
            raise RuntimeError(err.decode()[-2000:])
        outputs.append(json.loads(out))
    return outputs


async def bench(backend: str, state_url: str, state_dir: Path, allocations: int) -> dict[str, Any]:
    document = base_config(state_dir, storage={"state_url": state_url, "embedded": {"enabled": False}})
    document["daemon"]["log_level"] = "warning"
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        api = url(daemon, "/api/v1/ipam")
        async with session.post(f"{api}/subnets", json={"cidr": "10.128.0.0/16"},
                                headers=auth(ADMIN_TOKEN)) as response:
            subnet_id = (await response.json())["id"]
        rng = random.Random(6)
        preload = {f"10.128.{v >> 8}.{v & 255}" for v in rng.sample(range(1, 65535), PRELOAD)}
        csv_text = "address,hostname\n" + "".join(f"{a},pre-{i}\n" for i, a in enumerate(sorted(preload)))
        begin = time.perf_counter()
        async with session.post(f"{api}/import", data=csv_text.encode(),
                                headers={**auth(ADMIN_TOKEN), "Content-Type": "text/csv"}) as response:
            report = await response.json()
            assert response.status == 200 and report["create"] == PRELOAD, report
        import_s = time.perf_counter() - begin
        outputs = await _clients(url(daemon, ""), subnet_id, allocations)
    results = [tuple(r) for out in outputs for r in out["results"]]
    statuses = Counter(status for status, _ in results)
    granted = [address for status, address in results if status == 201]
    duplicates = len(granted) - len(set(granted)) + len(set(granted) & preload)
    seconds = max(out["seconds"] for out in outputs)
    return {"backend": backend, "allocations": len(results), "statuses": dict(statuses),
            "seconds": seconds, "rate": len(granted) / seconds, "duplicates": duplicates,
            "import_rows_per_s": PRELOAD / import_s}


async def main_async(allocations: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ipam-bench-") as tmp:
        rows.append(await bench("sqlite", f"sqlite+aiosqlite:///{tmp}/state.db", Path(tmp), allocations))
        # The fixtures' own functions: the server starts exactly as in the tests.
        start_server: Any = postgres.postgres_server._get_wrapped_function()
        new_database: Any = postgres.postgres_url._get_wrapped_function()
        with contextlib.contextmanager(start_server)() as server:
            database = new_database(server)
            pg_url = await anext(database)
            try:
                rows.append(await bench("postgresql", pg_url, Path(tmp), allocations))
            finally:
                await anext(database, None)  # drops the database
    print(f"IPAM allocations over HTTP, {PROCESSES} client processes x {CONCURRENCY_EACH} connections "
          f"= {PROCESSES * CONCURRENCY_EACH} concurrent clients, /16 preloaded with {PRELOAD} addresses")
    for row in rows:
        verdict = "MET" if row["rate"] >= TARGET and row["duplicates"] == 0 else "MISSED"
        print(f"{row['backend']:<10} {row['allocations']} requests in {row['seconds']:.2f} s: "
              f"{row['rate']:7.0f} allocations/s, statuses {row['statuses']}, "
              f"duplicates {row['duplicates']}, ratio to target {row['rate'] / TARGET:.2f}x ({verdict}); "
              f"CSV import {row['import_rows_per_s']:.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--allocations", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(main_async(args.allocations))


if __name__ == "__main__":
    main()
