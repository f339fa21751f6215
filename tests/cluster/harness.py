"""Several real monitord processes on one PostgreSQL, on loopback ports.

Each node is ``python -m monitord run`` on the same configuration file; what
differs per node (its name, HTTP port, state directory) comes from
``MONITORD_*`` environment variables, as in a real deployment. Nodes are
started together, SIGKILLed or SIGTERMed one at a time, and asked over their
HTTP API what they own and what they probed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from tests.eventually import eventually
from tests.servers.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
READ_TOKEN = "cluster-read-token-0123456789"
ADMIN_TOKEN = "cluster-admin-token-0123456789"
START_TIMEOUT = 60.0

# Short, test-sized timing (the defaults are 2 s and 10 s; docs/cluster.md says why).
HEARTBEAT = "0.3s"
LEASE = "1.5s"
LEASE_SECONDS = 1.5


def cluster_doc(
    state_url: str,
    targets: list[dict[str, Any]],
    *,
    receiver_url: str | None = None,
    alerts: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The shared configuration file of every node."""
    doc: dict[str, Any] = {
        "daemon": {"log_level": "info", "shutdown_timeout": 20},
        "http": {
            "listen": "127.0.0.1:0",
            "tokens": [
                {"name": "admin", "role": "admin", "token": ADMIN_TOKEN},
                {"name": "reader", "role": "read", "token": READ_TOKEN},
            ],
        },
        "storage": {"state_url": state_url, "embedded": {"enabled": False}},
        "cluster": {"heartbeat": HEARTBEAT, "lease_timeout": LEASE, "claim_lease": "30s"},
        "targets": targets,
        "alerts": {"enabled": alerts},
        "notify": {"send_timeout": "2s"},
    }
    if alerts:
        doc["alerts"] = {
            "enabled": True,
            "default_rules": False,
            "rules": [
                {
                    "name": "service-down",
                    "kind": "tcp",
                    "condition": "down",
                    "severity": "critical",
                    "summary": "{target} down: {reason}",
                }
            ],
            "evaluation_interval": "0.1s",
        }
    if receiver_url is not None:
        doc["notify"] = {
            "routes": [
                {
                    "name": "oncall",
                    "urls": [receiver_url],
                    "group_wait": "0.2s",
                    "group_interval": "0.5s",
                    "repeat_interval": "1h",
                }
            ],
            "retry_initial": "0.5s",
            "retry_max": "1s",
            "send_timeout": "2s",
        }
    for key, value in (extra or {}).items():
        doc[key] = value
    return doc


def tcp_targets(count: int, port: int, *, interval: str = "1h", prefix: str = "t") -> list[dict[str, Any]]:
    return [
        {
            "name": f"{prefix}{index:05d}",
            "address": "127.0.0.1",
            "site": f"site-{index % 50}",
            "probes": {"tcp": {"port": port, "interval": interval, "timeout": "1s"}},
        }
        for index in range(count)
    ]


class Node:
    """One monitord process of the cluster."""

    def __init__(self, name: str, config: Path, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.config = config
        self.port = free_port()
        self.state_dir = workdir / name
        self.log = workdir / f"{name}.log"
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "MONITORD_CLUSTER__NODE": self.name,
            "MONITORD_HTTP__LISTEN": f"127.0.0.1:{self.port}",
            "MONITORD_DAEMON__STATE_DIR": str(self.state_dir),
            "PYTHONPATH": str(ROOT),
            **self.env,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "monitord", "run", "-c", str(self.config)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no leave, no flush, the lease simply runs out."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    async def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, 40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait, 10)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    async def get(self, path: str, timeout: float = 5.0) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.port}{path}"
        headers = {"Authorization": f"Bearer {READ_TOKEN}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)) as response,
        ):
            return response.status, await response.json()

    async def post(self, path: str, body: Any, timeout: float = 10.0) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.port}{path}"
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                url, json=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response,
        ):
            return response.status, await response.json()

    async def metric(self, prefix: str) -> float | None:
        """The sum of the /metrics samples whose line starts with ``prefix`` (None: no such line)."""
        url = f"http://127.0.0.1:{self.port}/metrics"
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response,
        ):
            text = await response.text()
        values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)]
        return sum(values) if values else None

    async def cluster(self, owned: bool = False) -> dict[str, Any]:
        status, body = await self.get("/api/v1/cluster?owned=true" if owned else "/api/v1/cluster")
        assert status == 200, body
        return dict(body)

    async def ready(self) -> bool:
        if not self.running:
            raise AssertionError(f"node {self.name} exited:\n{self.tail()}")
        try:
            status, _ = await self.get("/healthz", timeout=2.0)
        except (aiohttp.ClientError, TimeoutError):
            return False
        return status in (200, 503)

    async def probe_times(self) -> dict[str, int]:
        """target -> when this node last probed it (targets it never probed are left out)."""
        status, body = await self.get("/api/v1/targets", timeout=30)
        assert status == 200, body
        out = {}
        for item in body["targets"]:
            last = (item["probes"].get("tcp") or {}).get("last")
            if last:
                out[item["name"]] = int(last["time_ns"])
        return out

    async def last_probe_ns(self, target: str) -> int:
        """When this node last probed ``target`` (0: never)."""
        return (await self.probe_times()).get(target, 0)


def write_config(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


async def start_nodes(nodes: Iterable[Node], timeout: float = START_TIMEOUT) -> None:
    started = list(nodes)
    for node in started:
        node.start()
    for node in started:
        await eventually(node.ready, f"node {node.name} to answer", timeout=timeout, every=0.2)


@contextlib.asynccontextmanager
async def cluster(
    config: Path, workdir: Path, names: Iterable[str], env: dict[str, dict[str, str]] | None = None
) -> AsyncIterator[dict[str, Node]]:
    """Nodes started together on ``config``; every one still running is stopped on exit."""
    nodes = {name: Node(name, config, workdir, (env or {}).get(name)) for name in names}
    try:
        await start_nodes(nodes.values())
        yield nodes
    finally:
        await asyncio.gather(*(node.stop() for node in nodes.values()))


async def members_alive(node: Node, count: int, timeout: float = 30.0) -> dict[str, Any]:
    """Wait until ``node`` sees ``count`` live members and every target owned by one."""

    async def settled() -> dict[str, Any] | None:
        status = await node.cluster()
        alive = [m for m in status["members"] if m["alive"]]
        if len(alive) != count or status["targets_unowned"]:
            return None
        if sum(m["targets_owned"] for m in alive) != status["targets"]:
            return None
        return status

    found: dict[str, Any] = await eventually(
        settled, f"{count} live members seen by {node.name}", timeout=timeout
    )
    return found


async def owned_sets(nodes: Iterable[Node]) -> dict[str, set[str]]:
    return {node.name: set((await node.cluster(owned=True))["owned"]) for node in nodes}


async def partition(
    nodes: Iterable[Node], everything: set[str], timeout: float = 30.0
) -> dict[str, set[str]]:
    """Wait until the nodes' owned sets are disjoint and cover ``everything``; return them."""
    members = list(nodes)

    async def exact() -> dict[str, set[str]] | None:
        sets = await owned_sets(members)
        union: set[str] = set()
        for owned in sets.values():
            if union & owned:
                return None
            union |= owned
        return sets if union == everything else None

    found: dict[str, set[str]] = await eventually(
        exact, "every target owned by exactly one node", timeout=timeout
    )
    return found
