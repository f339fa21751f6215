"""Syslog over UDP through 20 log rules, against a raw socket receive loop in the same run.

The daemon runs in this process with the syslog receiver on a loopback UDP port, 50
targets found by the messages' HOSTNAME, and 20 log rules (the 3 built-in ones and 17 a
network department would write: link, auth, STP, BGP, power, fans, ...). A load
generator in a child process (its CPU is not counted) sends pre-built datagrams, a mix of
RFC 3164 and RFC 5424 from 50 hosts with 3 PRIs each, about a third of them matching a
rule, as fast as one ``send`` loop goes; it is the same sender, with the same datagrams,
for both contenders:

* monitord: received, queued, parsed, mapped to a target and counted by the 20 rules;
  counted when matched (``monitord_syslog_parsed_total``).
* peer: a raw non-blocking socket drained on each wake-up that only counts (the
  receiver's own way of reading, minus all the work), on the same event loop.

Rounds are interleaved (the harness). Rate = messages done / time from the first to the
last; the receiver's CPU is this process's main-thread CPU time over the round, so
"messages per CPU second" is the rate on one core whatever else the shared machine
runs. Datagram loss (sent minus counted) is reported for both sides: the unpaced sender
overloads any receiver slower than itself, so the loss at the goal's rate (50,000/s,
paced) is measured as its own row. Goal: >= 50,000 messages/s on one core.

    .venv/bin/python -m benchmarks.syslog_ingest [--quick]
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import Figure, ainterleave, parser, report
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.intake.syslog.counters import UDP
from monitord.intake.syslog.service import SyslogService
from monitord.logrules.rules import DEFAULT_RULES

GOAL = 50_000.0
HOSTS = 50
BUFFER = 4 * 1024 * 1024
MAX_BYTES = 8192

EXTRA_RULES: list[dict[str, Any]] = [
    {"name": "link_down", "pattern": r"changed state to down|Link is Down|link down", "severity": "warning"},
    {"name": "link_up", "pattern": r"changed state to up|Link is Up", "severity": "info"},
    {
        "name": "auth_failure",
        "pattern": r"authentication failure|Failed password|Invalid user",
        "severity": "warning",
    },
    {"name": "sudo", "pattern": r"sudo: .*COMMAND=", "severity": "info"},
    {"name": "config_change", "pattern": r"%SYS-5-CONFIG_I|Configured from", "severity": "info"},
    {"name": "stp", "pattern": r"%SPANTREE|topology change", "severity": "warning", "ignore_case": True},
    {"name": "bgp", "pattern": r"%BGP-\d-ADJCHANGE|BGP .*(?:Down|Idle)", "severity": "error"},
    {"name": "ospf", "pattern": r"%OSPF-\d-ADJCHG", "severity": "warning"},
    {
        "name": "power",
        "pattern": r"[Pp]ower supply|PSU \d+ (?:failed|removed)|%PLATFORM_ENV",
        "severity": "critical",
    },
    {"name": "fan", "pattern": r"[Ff]an (?:failure|fail|not present)", "severity": "critical"},
    {
        "name": "temperature",
        "pattern": r"temperature (?:warning|critical|exceeded)",
        "severity": "critical",
        "ignore_case": True,
    },
    {"name": "dhcp", "pattern": r"DHCPDISCOVER|DHCPACK", "severity": "info"},
    {"name": "firewall_deny", "pattern": r"\bDENY\b|%ASA-\d-106023|Deny tcp", "severity": "info"},
    {"name": "vpn", "pattern": r"IPSec SA|IKE (?:SA|negotiation) (?:failed|deleted)", "severity": "warning"},
    {"name": "ntp", "pattern": r"NTP .*unsynchroni[sz]ed|time reset", "severity": "warning"},
    {"name": "disk_full", "pattern": r"No space left on device|filesystem full", "severity": "critical"},
    {"name": "service_restart", "pattern": r"systemd\[\d+\]: .*(?:Failed|Started)", "severity": "info"},
]
RULES = [rule.model_dump() for rule in DEFAULT_RULES] + EXTRA_RULES

# (PRI, RFC 5424?, app, text): most lines match nothing, as on a real network.
TEMPLATES: list[tuple[int, bool, str, str]] = [
    (86, False, "sshd[{n}]", "Accepted publickey for backup from 10.1.{a}.{b} port {n} ssh2"),
    (78, False, "CRON[{n}]", "(root) CMD (/usr/lib/sysstat/debian-sa1 1 1)"),
    (30, True, "dhcpd", "DHCPACK on 10.2.{a}.{b} to 00:11:22:33:{a:02x}:{b:02x} via eth1"),
    (189, False, "{n}:", "*Dec  1 08:00:00.{n}: %LINK-3-UPDOWN: Interface Gi0/{a}, changed state to down"),
    (190, False, "{n}:", "*Dec  1 08:00:00.{n}: %SYS-5-CONFIG_I: Configured from console by admin"),
    (166, True, "kernel", "nf_conntrack: table full, dropping packet from 10.3.{a}.{b}"),
    (134, True, "postfix/smtpd", "connect from mail{a}.example.net[192.0.2.{b}]"),
    (38, False, "sshd[{n}]", "Failed password for invalid user admin from 10.9.{a}.{b} port {n} ssh2"),
    (27, True, "app", "ERROR request {n} failed: upstream timeout"),
    (134, False, "%ASA-4-106023:", "Deny tcp src outside:198.51.100.{a}/{n} dst inside:10.0.0.{b}/443"),
    (85, True, "sudo", "admin : TTY=pts/0 ; PWD=/home/admin ; USER=root ; COMMAND=/usr/bin/apt update"),
    (30, False, "systemd[1]", "Started Daily apt download activities."),
    (14, True, "collectd", "read-function of plugin `cpu' took {n} ms"),
    (134, True, "nginx", "10.4.{a}.{b} - - GET /api/v1/items/{n} 200 512"),
]


def datagrams(count: int) -> list[bytes]:
    """``count`` distinct datagrams (HOSTNAME dev-00 ... dev-49), deterministic."""
    out = []
    for i in range(count):
        pri, rfc5424, app, text = TEMPLATES[i % len(TEMPLATES)]
        host = f"dev-{(i // len(TEMPLATES)) % HOSTS:02d}"
        fill = {"n": 1000 + i % 9000, "a": i % 250, "b": (i * 7) % 250}
        message = text.format(**fill)
        tag = app.format(**fill)
        if rfc5424:
            line = f"<{pri}>1 2026-12-01T08:00:00.{i % 1000:03d}Z {host} {tag} {i % 30000} - - {message}"
        else:
            line = f"<{pri}>Dec  1 08:00:{i % 60:02d} {host} {tag} {message}"
        out.append(line.encode())
    return out


def document(state_dir: Path) -> dict[str, Any]:
    return {
        "daemon": {"state_dir": str(state_dir), "log_level": "warning"},
        "http": {"listen": "127.0.0.1:0"},
        "storage": {"embedded": {"enabled": False}},
        "alerts": {"enabled": False},
        "targets": [
            {"name": f"dev-{n:02d}", "address": f"192.0.2.{n + 1}", "site": "bench"} for n in range(HOSTS)
        ],
        "syslog": {
            "udp": {"listen": "127.0.0.1:0", "receive_buffer_bytes": BUFFER},
            "match": ["hostname", "address"],
            "rate": 10_000_000,
            "burst": 10_000_000,
            "queue_size": 2_000_000,
            "interval": "1s",
            "rules": RULES,
        },
    }


# -- load generator (child process) --------------------------------------------------------


def _client(port: int, total: int, rate: float) -> None:
    """Send ``total`` datagrams, as fast as one send loop goes or paced at ``rate`` per second."""
    prepared = datagrams(10_000)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    send = sock.send
    count = len(prepared)
    begin = time.perf_counter()
    sent = 0
    for index in range(total):
        try:
            send(prepared[index % count])
            sent += 1
        except OSError:  # ENOBUFS under overload: a datagram not sent is a datagram lost
            pass
        if rate and index % 50 == 49:
            time.sleep(max(0.0, begin + (index + 1) / rate - time.perf_counter()))
    print(json.dumps({"sent": total, "accepted_by_kernel": sent, "seconds": time.perf_counter() - begin}))


# -- measurement (this process) ------------------------------------------------------------


async def _run_client(port: int, total: int, rate: float) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.syslog_ingest",
        "--client",
        str(port),
        str(total),
        str(rate),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 300)
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode})")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def _measure(
    count: Callable[[], int], client: asyncio.Task[dict[str, float]]
) -> tuple[float, int, float]:
    """(rate from the first to the last change of ``count()``, how many, main-thread CPU seconds)."""
    cpu_begin = time.thread_time()
    first_t = last_t = None
    first_n = last_n = start_n = count()
    idle_since = time.perf_counter()
    while True:
        n = count()
        t = time.perf_counter()
        if n != last_n:
            if first_t is None:
                first_t, first_n = t, last_n
            last_t, last_n, idle_since = t, n, t
        elif client.done() and t - idle_since > 1.0:
            break
        await asyncio.sleep(0.005)
    cpu = time.thread_time() - cpu_begin
    await client
    done = last_n - start_n
    if first_t is None or last_t is None or last_t <= first_t:
        return 0.0, done, cpu
    return (last_n - first_n) / (last_t - first_t), done, cpu


async def _raw(total: int, rate: float) -> tuple[float, int, float]:
    """A receive loop that only counts, on this loop: the floor under any receiver."""
    received = 0
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    size = MAX_BYTES + 1

    def drain() -> None:
        nonlocal received
        receive = sock.recvfrom
        for _ in range(512):
            try:
                receive(size)
            except BlockingIOError:
                return
            received += 1

    loop.add_reader(sock.fileno(), drain)
    client = asyncio.create_task(_run_client(sock.getsockname()[1], total, rate))
    try:
        return await _measure(lambda: received, client)
    finally:
        loop.remove_reader(sock.fileno())
        sock.close()


async def _ours(service: SyslogService, total: int, rate: float) -> tuple[float, int, float]:
    counters = service.counters
    client = asyncio.create_task(_run_client(service.port("udp"), total, rate))
    return await _measure(lambda: counters.parsed[UDP], client)


async def main(total: int, rounds: int) -> None:
    rates: dict[str, list[float]] = {"ours": [], "raw": []}
    per_cpu: dict[str, list[float]] = {"ours": [], "raw": []}
    lost: dict[str, list[float]] = {"ours": [], "raw": []}
    with tempfile.TemporaryDirectory() as state_dir:
        daemon = Daemon(build_config(document(Path(state_dir))))
        task = asyncio.create_task(daemon.run())
        await asyncio.wait_for(daemon.started.wait(), 120)
        try:
            service = next(s for s in daemon.services if isinstance(s, SyslogService))

            def side(name: str) -> Callable[[], Awaitable[float]]:
                async def run() -> float:
                    if name == "ours":
                        rate, done, cpu = await _ours(service, total, 0.0)
                    else:
                        rate, done, cpu = await _raw(total, 0.0)
                    lost[name].append(100.0 * (total - done) / total)
                    per_cpu[name].append(done / cpu if cpu > 0 else 0.0)
                    return rate

                return run

            found = await ainterleave({"ours": side("ours"), "raw": side("raw")}, rounds, warmup=1)
            for name in ("ours", "raw"):  # the warm-up round's loss and CPU are not samples
                lost[name] = lost[name][1:]
                per_cpu[name] = per_cpu[name][1:]
            paced_loss: list[float] = []
            paced_cpu: list[float] = []
            for _ in range(rounds):
                _, done, cpu = await _ours(service, total, GOAL)
                paced_loss.append(100.0 * (total - done) / total)
                paced_cpu.append(100.0 * cpu / (total / GOAL))
            counters = service.counters
            dropped = {k: v for k, v in counters.dropped.items() if v}
            malformed = counters.total_malformed()
        finally:
            daemon.request_stop()
            await task
    rates.update(found)

    def loss(name: str) -> str:
        values = lost[name]
        return f"{statistics.median(values):.1f} % [{min(values):.1f}-{max(values):.1f}]"

    wall = Figure(
        "syslog_ingest",
        "Syslog UDP through 20 rules, unpaced sender, wall rate",
        "messages/s",
        "higher",
        rates["ours"],
        "raw socket count-only loop",
        rates["raw"],
        note=f"datagrams lost: monitord {loss('ours')}, raw loop {loss('raw')} (the sender outruns "
        f"both); refused by monitord: dropped {dropped or 'none'}, malformed {malformed}",
    )
    cpu = Figure(
        "syslog_ingest",
        "Syslog UDP through 20 rules, per receiver CPU second (one core)",
        "messages/s",
        "higher",
        per_cpu["ours"],
        "raw socket count-only loop",
        per_cpu["raw"],
        goal=">= 50,000/s",
    )
    cpu.met = cpu.ours_median >= GOAL
    paced = Figure(
        "syslog_ingest",
        "Syslog UDP lost at 50,000/s, paced",
        "% lost",
        "lower",
        paced_loss,
        goal="0 %",
        note=f"receiver CPU at that rate: {statistics.median(paced_cpu):.0f} % of a core (median)",
    )
    paced.met = paced.ours_median == 0
    report(
        f"Syslog ingest over UDP, {HOSTS} senders by HOSTNAME, {len(RULES)} log rules; "
        f"{total:,} datagrams per round",
        [wall, cpu, paced],
        rounds,
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        _client(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        quick = parser(__doc__).parse_args().quick
        asyncio.run(main(100_000, 3) if quick else main(300_000, 7))
