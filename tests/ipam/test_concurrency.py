"""Concurrent allocation from several processes never hands out an address twice.

Runs on SQLite (one file, WAL) and on a real PostgreSQL: HTTP clients in several
processes against one daemon, and allocators in several processes straight
against the database (the proof that the database, not a lock in one process,
keeps addresses unique).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from typing import Any

from tests.daemon_harness import ADMIN_TOKEN, url
from tests.ipam.conftest import Api

PROCESSES = 4


async def _run_module(*argv: str) -> Any:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 100)
    assert process.returncode == 0, err.decode()[-3000:]
    return json.loads(out)


async def _http_clients(
    api: Api, subnet_id: int, per_process: int, prefix: str | None = None
) -> list[tuple[int, str | None]]:
    base = url(api.daemon, "")
    runs = [
        _run_module(
            "tests.ipam.load_clients",
            base,
            ADMIN_TOKEN,
            str(subnet_id),
            str(per_process),
            "25",
            *(["--key-prefix", f"{prefix}{n}"] if prefix else []),
        )
        for n in range(PROCESSES)
    ]
    outputs = await asyncio.gather(*runs)
    return [(status, address) for out in outputs for status, address in out["results"]]


async def test_200_concurrent_http_allocations_get_200_distinct_addresses(api: Api) -> None:
    sid = (await api.subnet("10.80.0.0/23"))["id"]
    results = await _http_clients(api, sid, 50)
    assert len(results) == 200
    assert Counter(status for status, _ in results) == {201: 200}
    addresses = [a for _, a in results]
    assert len(set(addresses)) == 200
    _status, body = await api.call("GET", f"/addresses?subnet_id={sid}&limit=1000")
    assert body["total"] == 200 and {a["address"] for a in body["addresses"]} == set(addresses)


async def test_exhaustion_gives_409s_and_never_a_duplicate(api: Api) -> None:
    sid = (await api.subnet("10.81.0.0/27"))["id"]  # 30 assignable addresses
    results = await _http_clients(api, sid, 50)
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 30, 409: 170}
    granted = [a for status, a in results if status == 201]
    assert len(set(granted)) == 30


async def test_allocators_in_separate_processes_share_nothing_but_the_database(api: Api) -> None:
    sid = (await api.subnet("10.82.0.0/26"))["id"]  # 62 assignable
    # Warm this daemon's cached index first: the other processes must invalidate it.
    status, mine = await api.call("POST", f"/subnets/{sid}/allocate", {})
    assert status == 201
    state_url = api.daemon.loaded.config.storage.state_url
    assert state_url is not None
    runs = [
        _run_module(
            "tests.ipam.direct_allocators", state_url.get_secret_value(), str(sid), "25", "10", f"worker{n}"
        )
        for n in range(3)
    ]
    outputs = await asyncio.gather(*runs)
    granted = [a for out in outputs for a in out["addresses"]]
    assert len(granted) == 61 and len(set(granted)) == 61
    assert sum(out["conflicts"] for out in outputs) == 75 - 61
    assert mine["address"] not in granted
    # The daemon's own next allocation sees the others' work: the pool is exhausted.
    status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
    assert status == 409, body


async def test_idempotent_retries_from_many_processes_do_not_allocate_twice(api: Api) -> None:
    sid = (await api.subnet("10.83.0.0/24"))["id"]
    first = await _http_clients(api, sid, 20, prefix="retry")
    again = await _http_clients(api, sid, 20, prefix="retry")
    assert Counter(s for s, _ in first) == {201: 80}
    assert Counter(s for s, _ in again) == {200: 80}
    assert sorted(str(a) for _, a in first) == sorted(str(a) for _, a in again)
