"""``monitord run`` as a real process: systemd notify, SIGHUP reload (good and bad files),
SIGTERM drain with nothing lost, and exit code 0."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.daemon_harness import READ_TOKEN, base_config
from tests.servers.processes import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, document: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(document))


def targets(count: int, port: int) -> list[dict[str, Any]]:
    return [
        {"name": f"t{i}", "address": "127.0.0.1", "site": "s", "probes": {"tcp": {"port": port}}}
        for i in range(count)
    ]


def get_json(port: int, path: str) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {READ_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


class NotifySocket:
    """A stand-in for systemd's notify socket: collects what the daemon sends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.messages: list[str] = []

    def drain(self) -> list[str]:
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                return self.messages

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    yield sock.getsockname()[1]
    sock.close()


def test_lifecycle_notify_reload_and_clean_stop(tmp_path: Path, listener: int) -> None:
    http_port = free_port()
    config = tmp_path / "monitord.yaml"
    document = base_config(
        tmp_path / "state",
        probes={"tcp": {"interval": "250ms", "timeout": "1s"}},
        targets=targets(3, listener),
    )
    document["http"]["listen"] = f"127.0.0.1:{http_port}"
    write_config(config, document)
    notify = NotifySocket(tmp_path / "notify.sock")
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": ""}
    log = tmp_path / "daemon.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitord", "run", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=ROOT,
            env=env,
        )
    try:
        wait_until(lambda: any("READY=1" in m for m in notify.drain()), 30, "READY=1", process, log)
        assert any("STATUS=healthy: 3 targets, 3 probe jobs" in m for m in notify.messages)
        wait_until(lambda: len(get_json(http_port, "/api/v1/targets")["targets"]) == 3, 10, "targets")

        # A bad file is rejected and the running config stays.
        config.write_text("targets:\n  - {name: x, address: 'bad address', site: s}\n")
        process.send_signal(signal.SIGHUP)
        wait_until(lambda: "reload rejected" in log.read_text(), 10, "rejection", process, log)
        assert "targets[0].address: not an IP address or host name" in log.read_text()
        assert len(get_json(http_port, "/api/v1/targets")["targets"]) == 3

        # A good file adds two targets and removes one without a restart.
        document["targets"] = [
            *targets(3, listener)[1:],
            {"name": "new-1", "address": "127.0.0.1", "site": "s", "probes": {"tcp": {"port": listener}}},
            {"name": "new-2", "address": "127.0.0.1", "site": "s", "probes": {"tcp": {"port": listener}}},
        ]
        write_config(config, document)
        process.send_signal(signal.SIGHUP)
        wait_until(
            lambda: "2 jobs added, 0 changed, 1 removed" in log.read_text(), 10, "reload", process, log
        )
        names = {t["name"] for t in get_json(http_port, "/api/v1/targets")["targets"]}
        assert names == {"t1", "t2", "new-1", "new-2"}
        wait_until(lambda: get_json(http_port, "/api/v1/targets/new-2")["state"] == "up", 10, "new-2 up")
        assert any("RELOADING=1" in m for m in notify.drain())
        time.sleep(1.0)  # let the watchdog ping at least once (period: half of WATCHDOG_USEC)
        assert any("WATCHDOG=1" in m for m in notify.drain())

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
        assert any("STOPPING=1" in m for m in notify.drain())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        notify.close()
    text = log.read_text()
    assert "Traceback" not in text
    totals = re.search(r"stopped: published=(\d+), embedded: written=(\d+) dropped=(\d+)", text)
    assert totals is not None, text
    published, written, dropped = map(int, totals.groups())
    assert published > 0 and written == published and dropped == 0
    with sqlite3.connect(tmp_path / "state" / "series.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'points_%'")]
        up_points = sum(
            db.execute(
                f"SELECT count(*) FROM {t} JOIN series ON series.id = series_id WHERE field = 'up'"
            ).fetchone()[0]
            for t in tables
        )
    assert up_points == published  # every result acknowledged before SIGTERM is on disk


def test_bad_config_exits_2_without_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("http:\n  listen: everywhere\n")
    result = subprocess.run(
        [sys.executable, "-m", "monitord", "run", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("http.listen: listen must be IP:PORT")
    assert "Traceback" not in result.stderr


def test_port_in_use_is_a_clear_startup_error(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    config = tmp_path / "c.yaml"
    document = base_config(tmp_path / "state")
    document["http"]["listen"] = f"127.0.0.1:{port}"
    write_config(config, document)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "monitord", "run", "-c", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        busy.close()
    assert result.returncode == 1
    assert f"cannot start: http.listen 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr
