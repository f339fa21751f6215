"""Scraping 200 log sources over SSH: CPU share at a 60 s interval and scrape latency, vs plain ssh.

One real OpenSSH sshd listens on 127.0.0.1-127.0.0.10 (ten "servers"); each
server has 20 log files (a glob), 200 sources in all. Before each cycle every
file gets 20 new lines (one an error). A cycle runs the ten servers' ssh_log
probes at once (a burst: worse than the scheduler, which spreads them over the
interval), with cursors in a SQLite state store. The CPU time of one cycle
divided by 60 s is the CPU share at "every 60 s". The peer is the usual cron
script: one ``ssh host tail -c +OFFSET file`` per source per cycle (new
connection each time, no matching), ten at a time (one per server, as ours).

    .venv/bin/python benchmarks/ssh_scrape.py [--cycles 8] [--peer-cycles 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prometheus_client import CollectorRegistry

from benchmarks.stats import percentile
from monitord.ssh.pool import SshPool
from monitord.store.engine import StateStore
from probes.base import ProbeContext, ProbeTarget
from probes.ssh_log import SshLogProbe, SshLogSettings
from tests.servers.sshd import SshdServer, cleanup, start_sshd

SERVERS = 10
FILES = 20
LINES = 20
INTERVAL = 60.0


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sshd_cpu(server: SshdServer) -> float:
    """CPU seconds of every process below the sshd listener (sessions, sftp, stat commands)."""
    assert server.process is not None
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
    root = server.process.pid
    total = 0.0
    for pid, cpu in times.items():
        ancestor = parents.get(pid)
        while ancestor is not None and ancestor not in (root, 0, 1):
            ancestor = parents.get(ancestor)
        if ancestor == root:
            total += cpu
    return total


def append_lines(folders: list[Path], cycle: int) -> None:
    for folder in folders:
        for index in range(FILES):
            with (folder / f"app{index:02d}.log").open("a") as handle:
                for line in range(LINES):
                    kind = "ERROR db timeout" if line == 0 else "INFO request served in 12 ms"
                    handle.write(f"2026-11-27T23:59:{line:02d} c{cycle} worker[{index}]: {kind} id={line}\n")


async def scrape(server: SshdServer, folders: list[Path], cycles: int, state_dir: Path) -> None:
    store = await StateStore.open(None, state_dir)
    pool = SshPool()
    kind = SshLogProbe(pool)
    await kind.open(ProbeContext(state_dir=state_dir, registry=CollectorRegistry(), state=store))
    targets = [ProbeTarget(name=f"srv{i}", address=f"127.0.0.{i + 1}", site="bench") for i in range(SERVERS)]
    settings = [
        SshLogSettings(files=(f"{folders[i]}/*.log",), port=server.port, username=server.user,
                       client_keys=(server.client_key,), known_hosts=server.known_hosts, timeout=30)
        for i in range(SERVERS)
    ]

    async def timed(i: int) -> tuple[float, int, int]:
        begin = time.perf_counter()
        result = await kind.probe(targets[i], settings[i])
        assert result.ok, result.reason
        return time.perf_counter() - begin, int(result.fields["lines"]), int(result.fields["rule_error"])

    try:
        first = await asyncio.gather(*(timed(i) for i in range(SERVERS)))
        connect_ms = [f[0] * 1000 for f in first]
        print(f"first run per server (connect + auth + SFTP + first sight of 20 files): "
              f"median {percentile(connect_ms, 50):.1f} ms, max {max(connect_ms):.1f} ms")
        latencies: list[float] = []
        spread: list[float] = []
        cpu_ours = cpu_sshd = 0.0
        lines = errors = 0
        for cycle in range(cycles):
            append_lines(folders, cycle)
            cpu0, sshd0 = cpu_self(), sshd_cpu(server)
            if cycle % 2 == 0:  # burst: all ten servers at the same moment
                runs = await asyncio.gather(*(timed(i) for i in range(SERVERS)))
                latencies += [r[0] * 1000 for r in runs]
            else:  # spread, as the scheduler phases them: one server at a time
                runs = [await timed(i) for i in range(SERVERS)]
                spread += [r[0] * 1000 for r in runs]
            cpu_ours += cpu_self() - cpu0
            cpu_sshd += sshd_cpu(server) - sshd0
            lines += sum(r[1] for r in runs)
            errors += sum(r[2] for r in runs)
        expected = cycles * SERVERS * FILES * LINES
        assert lines == expected and errors == expected // LINES, (lines, errors, expected)
        per_cycle = cpu_ours / cycles
        print(f"monitord: {cycles} cycles x {SERVERS * FILES} sources, {lines} lines read, "
              f"{errors} errors found (all), {pool.connects} connections")
        print(f"  CPU per cycle {per_cycle * 1000:.1f} ms -> {per_cycle / INTERVAL * 100:.3f} % of one core "
              f"at every {INTERVAL:g} s (sshd side: {cpu_sshd / cycles * 1000:.1f} ms per cycle)")
        print(f"  scrape latency per server run (20 files), all ten at once: "
              f"p50 {percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms")
        print(f"  scrape latency per server run (20 files), spread: p50 {percentile(spread, 50):.1f} ms, "
              f"p99 {percentile(spread, 99):.1f} ms")
        return_value = (per_cycle, percentile(spread, 99))
        scrape.result = return_value  # type: ignore[attr-defined]
    finally:
        await kind.close()
        await pool.close()
        await store.close()


async def peer(server: SshdServer, folders: list[Path], cycles: int) -> tuple[float, float]:
    offsets = {(i, f): 0 for i in range(SERVERS) for f in range(FILES)}
    for i in range(SERVERS):
        for f in range(FILES):
            offsets[(i, f)] = (folders[i] / f"app{f:02d}.log").stat().st_size
    latencies: list[float] = []
    cpu = 0.0
    base = ["ssh", "-q", "-i", str(server.client_key), "-p", str(server.port), "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={server.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "ControlMaster=no", "-F", "/dev/null"]

    async def one(i: int, f: int) -> None:
        path = folders[i] / f"app{f:02d}.log"
        begin = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *base, f"{server.user}@127.0.0.{i + 1}", f"tail -c +{offsets[(i, f)] + 1} {path}",
            stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL)
        out, _ = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0
        offsets[(i, f)] += len(out)
        latencies.append((time.perf_counter() - begin) * 1000)

    async def server_files(i: int) -> None:
        for f in range(FILES):
            await one(i, f)

    for cycle in range(cycles):
        append_lines(folders, 1000 + cycle)
        cpu0, child0 = cpu_self(), cpu_children()
        await asyncio.gather(*(server_files(i) for i in range(SERVERS)))
        cpu += (cpu_self() - cpu0) + (cpu_children() - child0)
    per_cycle = cpu / cycles
    print(f"plain ssh + tail per source: {cycles} cycles x {SERVERS * FILES} sources")
    print(f"  CPU per cycle {per_cycle * 1000:.1f} ms -> {per_cycle / INTERVAL * 100:.3f} % of one core "
          f"at every {INTERVAL:g} s (client side: ssh processes + this script)")
    print(f"  latency per source: p50 {percentile(latencies, 50):.1f} ms, "
          f"p99 {percentile(latencies, 99):.1f} ms")
    return per_cycle, percentile(latencies, 99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--peer-cycles", type=int, default=2)
    args = parser.parse_args()
    server = start_sshd([f"127.0.0.{i + 1}" for i in range(SERVERS)])
    state_dir = Path(tempfile.mkdtemp(prefix="monitord-bench-state-"))
    try:
        folders = []
        for i in range(SERVERS):
            folder = server.data_dir / f"srv{i}"
            folder.mkdir(mode=0o755)
            for f in range(FILES):
                (folder / f"app{f:02d}.log").write_text("start\n")
                (folder / f"app{f:02d}.log").chmod(0o644)
            folders.append(folder)
        asyncio.run(scrape(server, folders, args.cycles, state_dir))
        ours_cpu, ours_p99 = scrape.result  # type: ignore[attr-defined]
        peer_cpu, peer_p99 = asyncio.run(peer(server, folders, args.peer_cycles))
        print(f"ratio CPU per cycle (plain ssh / monitord): {peer_cpu / ours_cpu:.1f}x")
        print(f"ratio p99 latency (plain ssh for ONE source / monitord for a spread run of a whole "
              f"server, 20 sources): {peer_p99 / ours_p99:.1f}x")
        print(f"(machine shared by ~8 engineers, 2 cores: figures are noisy; load {os.getloadavg()[0]:.1f})")
    finally:
        cleanup(server)
        shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
