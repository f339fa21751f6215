"""Several monitord processes on one PostgreSQL: failover, rebalance, CPU and database load.

Real daemons (``python -m monitord run``, as ``tests/cluster`` starts them) on one
PostgreSQL started as the tests start it, tcp targets against loopback listeners in
a child process. Figures:

* failover: SIGKILL the node owning a watched set of targets, time from the kill until
  every one of its targets has a result from a survivor (the new owner's first
  probe; the killed node is started again before the next kill); p50 and max;
* rebalance: a fourth node is launched; time until it has probed every target
  hashing gave it (process start-up included);
* CPU per node, 3 nodes x N targets, against 1 node x N (the same work on one
  cluster node): the cost of clustering is the 3-node total over the 1-node figure;
* database transactions per second per node at rest (``pg_stat_database.xact_commit``
  of the cluster's database over the CPU window, divided by the node count).

    .venv/bin/python -m benchmarks.cluster [--quick]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.harness import Figure, parser, report
from monitord.config.cluster import DEFAULT_HEARTBEAT, DEFAULT_LEASE
from tests.cluster.harness import Node, cluster_doc, owned_sets, start_nodes, write_config
from tests.servers import postgres

LISTENER = r"""
import asyncio, json, sys
async def main(count):
    async def handle(reader, writer):
        writer.close()
    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096) for _ in range(count)]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    await asyncio.Event().wait()
asyncio.run(main(int(sys.argv[1])))
"""
POLL = 0.1


def targets(count: int, ports: list[int], interval: float) -> list[dict[str, Any]]:
    return [
        {
            "name": f"store-{i:05d}",
            "address": "127.0.0.1",
            "site": f"site-{i // 10:04d}",
            "probes": {"tcp": {"port": ports[i % len(ports)], "interval": interval, "timeout": 2.0}},
        }
        for i in range(count)
    ]


def timing(doc: dict[str, Any], heartbeat: float, lease: float) -> dict[str, Any]:
    """The tests' document with these lease settings and the alert engine's default tick."""
    doc["cluster"] = {"heartbeat": heartbeat, "lease_timeout": lease, "claim_lease": "60s"}
    doc["daemon"]["log_level"] = "warning"
    doc["alerts"]["evaluation_interval"] = "1s"
    return doc


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a process (from /proc, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0  # utime, stime at USER_HZ=100


async def commits(url: str) -> int:
    database = url.rsplit("/", 1)[1]
    host, port = url.split("@", 1)[1].split("/", 1)[0].split(":")
    conn = await asyncpg.connect(host=host, port=int(port), user="postgres", database="postgres", timeout=10)
    try:
        value = await conn.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", database
        )
        return int(value)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def nodes(
    url: str, doc: dict[str, Any], workdir: Path, names: list[str]
) -> AsyncIterator[dict[str, Node]]:
    workdir.mkdir(parents=True, exist_ok=True)
    config = write_config(workdir / "monitord.yaml", doc)
    started = {name: Node(name, config, workdir) for name in names}
    try:
        await start_nodes(started.values(), timeout=180)
        yield started
    finally:
        await asyncio.gather(*(node.stop() for node in started.values()))


async def until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(POLL)
    raise TimeoutError(f"{what} did not happen within {timeout:g}s")


async def settled(members: dict[str, Node], count: int) -> dict[str, set[str]]:
    async def exact() -> dict[str, set[str]] | None:
        sets = await owned_sets(members.values())
        union: set[str] = set()
        for owned in sets.values():
            if union & owned:
                return None
            union |= owned
        return sets if len(union) == count else None

    found: dict[str, set[str]] = await until(exact, 120, "ownership to settle")
    return found


async def reprobed(survivors: list[Node], moved: set[str], since_ns: int, timeout: float) -> float:
    """Seconds from ``since_ns`` until every target in ``moved`` has a newer result on a survivor."""
    first: dict[str, int] = {}

    async def all_seen() -> bool:
        for node in survivors:
            for name, stamp in (await node.probe_times()).items():
                if name in moved and stamp > since_ns and name not in first:
                    first[name] = stamp
        return len(first) == len(moved)

    await until(all_seen, timeout, "every moved target probed again")
    return (max(first.values()) - since_ns) / 1e9


async def failovers(url: str, doc: dict[str, Any], workdir: Path, count: int, total: int) -> list[float]:
    samples = []
    async with nodes(url, doc, workdir, ["a", "b", "c"]) as members:
        await settled(members, total)
        for index in range(count):
            victim = members[["a", "b", "c"][index % 3]]
            moved = (await owned_sets([victim]))[victim.name]
            kill_ns = time.time_ns()
            victim.kill()
            survivors = [node for node in members.values() if node is not victim]
            samples.append(await reprobed(survivors, moved, kill_ns, 120))
            victim.start()  # back for the next kill
            await until(victim.ready, 120, f"{victim.name} to start again")
            await settled(members, total)
    return samples


async def rebalance(url: str, doc: dict[str, Any], workdir: Path, total: int) -> float:
    async with nodes(url, doc, workdir, ["a", "b", "c"]) as members:
        await settled(members, total)
        fourth = Node("d", workdir / "monitord.yaml", workdir)
        launched = time.time_ns()
        fourth.start()
        try:
            await until(fourth.ready, 120, "d to start")
            members["d"] = fourth
            mine = (await settled(members, total))["d"]

            async def probed() -> bool:
                times = await fourth.probe_times()
                return all(times.get(name, 0) > launched for name in mine)

            await until(probed, 120, "d to probe its share")
            return (time.time_ns() - launched) / 1e9
        finally:
            await fourth.stop()


async def cpu_window(
    url: str, doc: dict[str, Any], workdir: Path, names: list[str], total: int, window: float
) -> tuple[list[float], float]:
    """(CPU % of one core per node, database transactions/s per node) over ``window``."""
    async with nodes(url, doc, workdir, names) as members:
        await settled(members, total)
        await asyncio.sleep(max(5.0, window / 3))  # every first run done, caches warm
        pids = {name: node.process.pid for name, node in members.items() if node.process is not None}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        xact = await commits(url)
        begin = time.perf_counter()
        await asyncio.sleep(window)
        wall = time.perf_counter() - begin
        cpu = [100 * (cpu_seconds(pid) - before[name]) / wall for name, pid in pids.items()]
        rate = (await commits(url) - xact) / wall / len(names)
    return cpu, rate


async def main_async(quick: bool) -> None:
    total = 2000 if quick else 20000
    kills = 3 if quick else 10
    heartbeat, lease = (0.5, 2.5) if quick else (2.0, 10.0)
    interval = 1.0 if quick else 10.0
    window = 10.0 if quick else 30.0
    rounds = 1 if quick else 3
    listener = subprocess.Popen([sys.executable, "-c", LISTENER, "20"], stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout is not None
        ports = json.loads(listener.stdout.readline())
        start_server: Any = postgres.postgres_server._get_wrapped_function()
        new_database: Any = postgres.postgres_url._get_wrapped_function()
        with (
            tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp,
            contextlib.contextmanager(start_server)() as server,
        ):
            root = Path(tmp)

            async def fresh(
                count: int, every: float, beat: float, life: float
            ) -> tuple[str, dict[str, Any], Any]:
                database = new_database(server)
                url = await anext(database)
                doc = timing(cluster_doc(url, targets(count, ports, every), alerts=True), beat, life)
                return url, doc, database

            small = max(300, total // 10)
            url, doc, database = await fresh(small, interval, heartbeat, lease)
            try:
                failover = await failovers(url, doc, root / "failover", kills, small)
                join = [await rebalance(url, doc, root / "join", small)]
            finally:
                await anext(database, None)
            one_cpu: list[float] = []
            three_cpu: list[float] = []
            three_total: list[float] = []
            rates: list[float] = []
            for index in range(rounds):
                order = ["one", "three"] if index % 2 == 0 else ["three", "one"]
                for which in order:
                    # At rest the defaults apply: 2 s heartbeat, 10 s lease.
                    url, doc, database = await fresh(total, 10.0, DEFAULT_HEARTBEAT, DEFAULT_LEASE)
                    try:
                        names = ["a"] if which == "one" else ["a", "b", "c"]
                        cpu, rate = await cpu_window(url, doc, root / f"{which}{index}", names, total, window)
                    finally:
                        await anext(database, None)
                    if which == "one":
                        one_cpu.append(cpu[0])
                    else:
                        three_cpu.append(statistics.mean(cpu))
                        three_total.append(sum(cpu))
                        rates.append(rate)
    finally:
        listener.kill()
        listener.wait(timeout=10)
    settings = f"heartbeat {heartbeat:g}s, lease {lease:g}s, probe interval {interval:g}s"
    bound = lease + interval + heartbeat
    figures = [
        Figure(
            "cluster",
            f"failover p50, kill -> every moved target probed again ({settings})",
            "s",
            "lower",
            [statistics.median(failover)],
            goal=f"<= lease + interval ({lease + interval:g}s)",
            met=statistics.median(failover) <= lease + interval,
            note=f"{kills} kills of 3 nodes x {small} targets; "
            f"samples {', '.join(f'{s:.2f}' for s in failover)}",
        ),
        Figure(
            "cluster",
            "failover max",
            "s",
            "lower",
            [max(failover)],
            goal=f"<= lease + interval + heartbeat ({bound:g}s)",
            met=max(failover) <= bound,
        ),
        Figure(
            "cluster",
            f"rebalance: 4th node launched -> its share probed ({small} targets)",
            "s",
            "lower",
            join,
            note="process start-up (imports, migrations check, first heartbeat) included",
        ),
        Figure(
            "cluster",
            f"CPU per node, 3 nodes x {total} targets / 10 s (default heartbeat and lease)",
            "% of a core",
            "lower",
            three_cpu,
            note=f"mean of the three nodes per round; totals {', '.join(f'{t:.1f}' for t in three_total)}",
        ),
        Figure(
            "cluster",
            f"CPU of the whole cluster (3 nodes) vs 1 node, {total} targets",
            "% of a core",
            "lower",
            three_total,
            peer_name="1 node",
            peer=one_cpu,
            note="ratio: the cost of clustering (heartbeats, hashing, one interpreter per node)",
        ),
        Figure(
            "cluster",
            "database transactions per node at rest (2 s heartbeat)",
            "xact/s",
            "lower",
            rates,
            note="pg_stat_database xact_commit+xact_rollback of the cluster database / nodes",
        ),
    ]
    report("Cluster: 3 monitord nodes on one PostgreSQL", figures, rounds)


def main() -> None:
    options = parser(__doc__).parse_args()
    asyncio.run(main_async(options.quick))


if __name__ == "__main__":
    main()
