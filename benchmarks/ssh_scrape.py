"""Scraping 200 log sources over SSH: CPU share at a 60 s interval and scrape latency, vs plain ssh.

One real OpenSSH sshd listens on 127.0.0.1-127.0.0.10 (ten "servers"); each
server has 20 log files (a glob), 200 sources in all. Before each cycle every
file gets 20 new lines (one an error). A cycle runs the ten servers' ssh_log
probes at once (a burst: worse than the scheduler, which spreads them over the
interval), with cursors in a SQLite state store. The CPU time of one cycle
divided by 60 s is the CPU share at "every 60 s". The peer is the usual cron
script as an admin would configure it: one ``ssh host tail -c +OFFSET file`` per
source per cycle over OpenSSH connection multiplexing (``ControlMaster=auto``,
``ControlPersist``), so like monitord's pool it connects once per server; the
earlier version opened a fresh connection per source (``ControlMaster=no``) while
monitord's connection set-up was untimed. Both sides connect in an untimed warm-up
cycle; then cycles alternate. Client CPU counts this process, the ssh commands and
the ssh control masters; the sshd side is shown as a note.

    .venv/bin/python -m benchmarks.ssh_scrape [--quick]
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from prometheus_client import CollectorRegistry

from benchmarks.harness import Figure, ainterleave, parser, report
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


def proc_cpu(marker: str) -> float:
    """CPU seconds of the live processes whose command line holds ``marker`` (the ssh masters)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "cmdline").read_bytes():
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def compare(server: SshdServer, folders: list[Path], cycles: int, state_dir: Path) -> list[Figure]:
    store = await StateStore.open(None, state_dir)
    pool = SshPool()
    kind = SshLogProbe(pool)
    await kind.open(ProbeContext(state_dir=state_dir, registry=CollectorRegistry(), state=store))
    targets = [ProbeTarget(name=f"srv{i}", address=f"127.0.0.{i + 1}", site="bench") for i in range(SERVERS)]
    settings = [
        SshLogSettings(
            files=(f"{folders[i]}/*.log",),
            port=server.port,
            username=server.user,
            client_keys=(server.client_key,),
            known_hosts=server.known_hosts,
            timeout=30,
        )
        for i in range(SERVERS)
    ]
    control = Path(tempfile.mkdtemp(prefix="bench-ssh-mux-"))
    base = [
        "ssh",
        "-q",
        "-i",
        str(server.client_key),
        "-p",
        str(server.port),
        "-o",
        "BatchMode=yes",
        "-o",
        f"UserKnownHostsFile={server.known_hosts}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ControlMaster=auto",
        "-o",
        f"ControlPath={control}/%C",
        "-o",
        "ControlPersist=120",
        "-F",
        "/dev/null",
    ]
    offsets = {
        (i, f): (folders[i] / f"app{f:02d}.log").stat().st_size for i in range(SERVERS) for f in range(FILES)
    }
    latency: dict[str, list[float]] = {"monitord": [], "peer": []}
    sshd_side: dict[str, list[float]] = {"monitord": [], "peer": []}
    lines = {"monitord": 0, "peer": 0}
    appends = [0]  # cycles of new lines written so far
    seen: dict[str, int] = {"peer": 0}  # appends already read; the peer's offsets start before any
    errors = 0
    cycle_number = [0]

    async def ours_server(i: int) -> None:
        nonlocal errors
        begin = time.perf_counter()
        result = await kind.probe(targets[i], settings[i])
        assert result.ok, result.reason
        latency["monitord"].append((time.perf_counter() - begin) * 1000)
        lines["monitord"] += int(result.fields["lines"])
        errors += int(result.fields["rule_error"])

    async def peer_server(i: int) -> None:
        begin = time.perf_counter()
        for f in range(FILES):
            path = folders[i] / f"app{f:02d}.log"
            process = await asyncio.create_subprocess_exec(
                *base,
                f"{server.user}@127.0.0.{i + 1}",
                f"tail -c +{offsets[(i, f)] + 1} {path}",
                stdout=asyncio.subprocess.PIPE,
                stdin=asyncio.subprocess.DEVNULL,
            )
            out, _ = await asyncio.wait_for(process.communicate(), 60)
            assert process.returncode == 0
            offsets[(i, f)] += len(out)
            lines["peer"] += out.count(b"\n")
        latency["peer"].append((time.perf_counter() - begin) * 1000)

    async def cycle(side: str) -> float:
        """One scrape of all ten servers at once; returns the client CPU ms of the cycle."""
        cycle_number[0] += 1
        append_lines(folders, cycle_number[0])
        appends[0] += 1
        lines_before = lines[side]
        cpu0, child0, masters0, sshd0 = cpu_self(), cpu_children(), proc_cpu(str(control)), sshd_cpu(server)
        work = ours_server if side == "monitord" else peer_server
        await asyncio.gather(*(work(i) for i in range(SERVERS)))
        cpu = (cpu_self() - cpu0) + (cpu_children() - child0) + (proc_cpu(str(control)) - masters0)
        sshd_side[side].append((sshd_cpu(server) - sshd0) * 1000)
        # Each side must read exactly the lines appended since its last run (monitord's first
        # run only sees the files: its cursors start at their end).
        expected = (appends[0] - seen[side]) * SERVERS * FILES * LINES if side in seen else 0
        if lines[side] - lines_before != expected:
            raise SystemExit(f"{side} read {lines[side] - lines_before} lines, expected {expected}")
        seen[side] = appends[0]
        return cpu * 1000

    try:
        # Warm-up (in ainterleave) connects both: monitord's pool and ssh's control masters.
        samples = await ainterleave(
            {"monitord": lambda: cycle("monitord"), "peer": lambda: cycle("peer")}, cycles
        )
    finally:
        await kind.close()
        await pool.close()
        await store.close()
        for i in range(SERVERS):
            subprocess.run(
                [
                    "ssh",
                    "-q",
                    "-O",
                    "exit",
                    "-o",
                    f"ControlPath={control}/%C",
                    "-p",
                    str(server.port),
                    "-F",
                    "/dev/null",
                    f"{server.user}@127.0.0.{i + 1}",
                ],
                capture_output=True,
                check=False,
                timeout=10,
            )
        shutil.rmtree(control, ignore_errors=True)
    cpu = Figure(
        "ssh_scrape",
        "SSH log scrape, 200 sources, CPU per cycle (client side)",
        "ms",
        "lower",
        samples["monitord"],
        "ssh ControlMaster + tail",
        samples["peer"],
        goal="< 1 % of a core at 60 s",
        note=f"sshd side per cycle: monitord {statistics.median(sshd_side['monitord']):.0f} ms, "
        f"ssh multiplexed {statistics.median(sshd_side['peer']):.0f} ms; "
        f"{errors} error lines found by monitord",
    )
    cpu.met = cpu.ours_median / (INTERVAL * 1000) * 100 < 1.0
    per_server = Figure(
        "ssh_scrape",
        "SSH log scrape latency per server (20 files), all ten at once",
        "ms",
        "lower",
        latency["monitord"][SERVERS:],
        "ssh ControlMaster + tail",
        latency["peer"][SERVERS:],
    )
    return [cpu, per_server]


def main() -> None:
    quick = parser(__doc__).parse_args().quick
    cycles = 3 if quick else 8
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
        figures = asyncio.run(compare(server, folders, cycles, state_dir))
    finally:
        cleanup(server)
        shutil.rmtree(state_dir, ignore_errors=True)
    report(
        f"SSH log scrape: {SERVERS} servers x {FILES} files, {LINES} new lines per file per cycle",
        figures,
        cycles,
    )


if __name__ == "__main__":
    main()
