"""SNMP v2c trap receive rate (decoded, credentials checked, mapped to a target, translated
to results and published), against net-snmp's snmptrapd doing the same work in the same run.

The receiver runs inside a real daemon in this process (alert engine on, no time-series
sink). A load generator in a child process (its CPU is not counted) sends pre-built
datagrams: one real linkDown trap as net-snmp's snmptrap encodes it (ifIndex, ifAdminStatus,
ifOperStatus, ifAlias), sent as fast as the sender can. Rate = traps handled / time from the
first to the last, sampled every 5 ms. Contenders, interleaved each round:

* monitord: traps turned into results (``TrapReceiver.translated``);
* snmptrapd: net-snmp's own receiver (``snmptrapd -f -Lo -F "t\\n"``: decodes, checks the
  community with ``authCommunity log``, prints one line per trap; lines counted);
* raw loop: a non-blocking socket drained on each wake-up that only counts (the ceiling).

Loss (sent minus handled) is reported for each: a rate over the survivors says nothing
about what the kernel dropped. Goal: >= 5,000 traps/s.

    .venv/bin/python -m benchmarks.snmp_traps [--quick]
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import Figure, ainterleave, parser, report
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.intake.traps.service import TrapService

GOAL = 5000.0
COMMUNITY = "public"
LINK_DOWN = [
    "1.3.6.1.6.3.1.1.5.3",
    *("1.3.6.1.2.1.2.2.1.1.2", "i", "2", "1.3.6.1.2.1.2.2.1.7.2", "i", "1"),
    *("1.3.6.1.2.1.2.2.1.8.2", "i", "2", "1.3.6.1.2.1.31.1.1.1.18.2", "s", "uplink"),
]


def _env(home: str) -> dict[str, str]:
    return {**os.environ, "SNMP_PERSISTENT_DIR": home, "SNMPCONFPATH": home, "MIBS": ""}


def build_datagram(home: str) -> bytes:
    """The linkDown trap exactly as net-snmp's snmptrap sends it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        port = sock.getsockname()[1]
        subprocess.run(
            ["snmptrap", "-v2c", "-c", COMMUNITY, f"udp:127.0.0.1:{port}", "", *LINK_DOWN],
            check=True,
            env=_env(home),
            timeout=10,
        )
        return sock.recvfrom(65535)[0]


# -- load generator (child process) ---------------------------------------------------------


def _send(port: int, total: int, datagram_hex: str) -> None:
    datagram = bytes.fromhex(datagram_hex)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        target = ("127.0.0.1", port)
        began = time.perf_counter()
        for _ in range(total):
            sock.sendto(datagram, target)
        print(json.dumps({"sent": total, "seconds": time.perf_counter() - began}))


async def _run_sender(port: int, total: int, datagram: bytes) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.snmp_traps", "--client", str(port), str(total), datagram.hex(),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 300)
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode})")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def _counting_rate(
    count: Callable[[], int], client: asyncio.Task[dict[str, float]]
) -> tuple[float, int]:
    """Rate from the first to the last change of ``count()``, sampled every 5 ms."""
    first_t = last_t = None
    first_n = last_n = start_n = count()
    idle_since = time.perf_counter()
    deadline = idle_since + 120
    while time.perf_counter() < deadline:
        n = count()
        t = time.perf_counter()
        if n != last_n:
            if first_t is None:
                first_t, first_n = t, n
            last_t, last_n, idle_since = t, n, t
        elif client.done() and t - idle_since > 1.0:
            break
        await asyncio.sleep(0.005)
    await client
    if first_t is None or last_t is None or last_t <= first_t:
        return 0.0, last_n - start_n
    return (last_n - first_n) / (last_t - first_t), last_n - start_n


# -- contenders -----------------------------------------------------------------------------


async def _monitord(service: TrapService, total: int, datagram: bytes) -> tuple[float, int]:
    assert service.listener is not None
    client = asyncio.create_task(_run_sender(service.listener.ports[0], total, datagram))
    return await _counting_rate(lambda: service.receiver.translated, client)


class Snmptrapd:
    """net-snmp's trap receiver, printing one line per accepted trap to a pipe we count."""

    def __init__(self, home: str) -> None:
        self.home = home
        self.port = 0
        self.lines = 0
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        conf = Path(self.home) / "snmptrapd.conf"
        conf.write_text(f"authCommunity log {COMMUNITY}\n")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = await asyncio.create_subprocess_exec(
            shutil.which("snmptrapd") or "/usr/sbin/snmptrapd",
            "-f", "-Lo", "-C", "-c", str(conf), "-n", "-F", "t\n", f"udp:127.0.0.1:{self.port}",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=_env(self.home),
        )  # fmt: skip
        self._reader = asyncio.create_task(self._count())
        await asyncio.sleep(1.0)  # let it bind (no readiness signal); checked by the warm-up round

    async def _count(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while chunk := await self.process.stdout.read(1 << 16):
            self.lines += chunk.count(b"t\n")

    async def run(self, total: int, datagram: bytes) -> tuple[float, int]:
        client = asyncio.create_task(_run_sender(self.port, total, datagram))
        return await _counting_rate(lambda: self.lines, client)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 10)
        if self._reader is not None:
            self._reader.cancel()


async def _raw(total: int, datagram: bytes) -> tuple[float, int]:
    received = 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    loop = asyncio.get_running_loop()

    def drain() -> None:
        nonlocal received
        for _ in range(256):
            try:
                sock.recvfrom(8193)
            except (BlockingIOError, InterruptedError):
                return
            received += 1

    loop.add_reader(sock.fileno(), drain)
    try:
        client = asyncio.create_task(_run_sender(sock.getsockname()[1], total, datagram))
        return await _counting_rate(lambda: received, client)
    finally:
        loop.remove_reader(sock.fileno())
        sock.close()


def _document(state_dir: Path) -> dict[str, Any]:
    return {
        "daemon": {"state_dir": str(state_dir), "log_level": "warning"},
        "http": {"listen": "127.0.0.1:0"},
        "storage": {"embedded": {"enabled": False}},
        "targets": [{"name": "sw1", "address": "127.0.0.1", "site": "hq"}],
        "snmp_traps": {
            "enabled": True,
            "listen": ["127.0.0.1:0"],
            "communities": [COMMUNITY],
            "sender_rate": 1e6,
            "sender_burst": 10_000_000,
            "queue_size": 100_000,
        },
    }


async def main(total: int, rounds: int) -> None:
    home = tempfile.mkdtemp(prefix="monitord-bench-traps-")
    datagram = build_datagram(home)
    rates: dict[str, list[float]] = {k: [] for k in ("monitord", "snmptrapd", "raw")}
    lost: dict[str, list[float]] = {k: [] for k in rates}
    daemon = Daemon(build_config(_document(Path(home) / "state")))
    task = asyncio.create_task(daemon.run())
    trapd = Snmptrapd(home)
    try:
        await asyncio.wait_for(daemon.started.wait(), 120)
        service = next(s for s in daemon.services if isinstance(s, TrapService))
        await trapd.start()

        def side(name: str) -> Callable[[], Awaitable[float]]:
            async def run() -> float:
                if name == "monitord":
                    rate, got = await _monitord(service, total, datagram)
                elif name == "snmptrapd":
                    rate, got = await trapd.run(total, datagram)
                else:
                    rate, got = await _raw(total, datagram)
                if got == 0:
                    raise RuntimeError(f"{name} handled no trap")
                lost[name].append(100.0 * (total - got) / total)
                rates[name].append(rate)
                return rate

            return run

        await ainterleave({name: side(name) for name in rates}, rounds, warmup=1)
    finally:
        await trapd.stop()
        daemon.request_stop()
        await asyncio.wait_for(task, 60)
        shutil.rmtree(home, ignore_errors=True)
    for name in rates:  # the warm-up round is not a sample
        rates[name], lost[name] = rates[name][1:], lost[name][1:]

    def loss(name: str) -> str:
        values = sorted(lost[name])
        return f"{values[len(values) // 2]:.1f} % [{values[0]:.1f}-{values[-1]:.1f}]"

    ours = Figure(
        "snmp_traps",
        "v2c linkDown traps decoded, matched and published",
        "traps/s",
        "higher",
        rates["monitord"],
        "net-snmp snmptrapd",
        rates["snmptrapd"],
        goal=">= 5,000/s",
        note=f"lost (sender at full speed): monitord {loss('monitord')}, snmptrapd {loss('snmptrapd')}, "
        f"raw loop {loss('raw')}",
    )
    ours.met = ours.ours_median >= GOAL
    ceiling = Figure(
        "snmp_traps",
        "v2c linkDown traps vs a count-only socket loop",
        "traps/s",
        "higher",
        rates["monitord"],
        "raw socket count loop",
        rates["raw"],
    )
    report(f"SNMP trap receiver, {total:,} pre-built v2c traps per round", [ours, ceiling], rounds)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        _send(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        quick = parser(__doc__).parse_args().quick
        asyncio.run(main(20_000, 3) if quick else main(60_000, 7))
