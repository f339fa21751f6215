"""``monitord run`` as a separate process for the fuzz tests, with every API area switched on.

A separate process (not the in-process harness) so that what the fuzzer does
shows up where an operator would see it: the daemon's own stderr log (counted
for tracebacks) and its resident memory in ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN
from tests.servers.processes import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
STORE_TOKEN = "fuzz-store-token-0123456789"
TILL_TOKEN = "fuzz-till-token-0123456789"
TRACEBACK = "Traceback (most recent call last)"


def fuzz_config(state_dir: Path, http_port: int, state_url: str) -> dict[str, Any]:
    """Targets (one up, one down, so an alert fires and a ticket opens), POS stores, IPAM, series."""
    closed = free_port()
    tcp = {"interval": "200ms", "timeout": "500ms"}
    return {
        "daemon": {"state_dir": str(state_dir), "log_level": "info"},
        "http": {
            "listen": f"127.0.0.1:{http_port}",
            "tokens": [
                {"name": "reader", "role": "read", "token": READ_TOKEN},
                {"name": "admin", "role": "admin", "token": ADMIN_TOKEN},
            ],
        },
        "storage": {"state_url": state_url, "embedded": {"enabled": True}},
        "targets": [
            {
                "name": "web-1",
                "address": "127.0.0.1",
                "site": "head-office",
                "probes": {"tcp": {"port": http_port, **tcp}},
            },
            {
                "name": "nas-1",
                "address": "127.0.0.1",
                "site": "head-office",
                "probes": {"tcp": {"port": closed, **tcp}},
            },
        ],
        "alerts": {
            "evaluation_interval": "200ms",
            "default_rules": False,
            "rules": [
                {
                    "name": "service-down",
                    "kind": "tcp",
                    "condition": "down",
                    "severity": "critical",
                    "summary": "{target} down",
                }
            ],
        },
        "pos": {
            "udp": {"listen": "127.0.0.1:0"},
            "stores": {
                "store-a": {"token": STORE_TOKEN, "terminals": {"a1": {"token": TILL_TOKEN}, "a2": {}}}
            },
        },
    }


@dataclass
class DaemonProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self, key: str) -> int:
        """A ``/proc/<pid>/status`` figure in KiB (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        raise KeyError(key)

    def tracebacks(self) -> int:
        return self.log.read_text(errors="replace").count(TRACEBACK)

    def get(self, path: str, token: str | None = READ_TOKEN) -> bytes:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(self.base_url + path, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return bytes(response.read())


def _healthz_answers(daemon: DaemonProcess) -> bool:
    try:
        daemon.get("/healthz", None)
    except urllib.error.HTTPError:
        return True  # 503 while degraded still means the listener is up
    return True


@contextlib.contextmanager
def daemon_process(tmp_path: Path, state_url: str) -> Iterator[DaemonProcess]:
    port = free_port()
    config = tmp_path / "monitord.yaml"
    config.write_text(yaml.safe_dump(fuzz_config(tmp_path / "state", port, state_url)))
    log = tmp_path / "daemon.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitord", "run", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"},
        )
    daemon = DaemonProcess(process, port, log)
    try:
        wait_until(lambda: _healthz_answers(daemon), 60, "monitord", process, log)
        yield daemon
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
