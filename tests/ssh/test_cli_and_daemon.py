"""The one-shot commands and the daemon running both SSH kinds on one shared connection."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitord.ssh import pool as pool_module
from tests.daemon_harness import base_config, running_daemon
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import write

pytestmark = pytest.mark.root
ROOT = Path(__file__).resolve().parents[2]


def monitord(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitord", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def connection_args(server: SshdServer) -> list[str]:
    return [
        "127.0.0.1",
        "--port",
        str(server.port),
        "--user",
        server.user,
        "--key",
        str(server.client_key),
        "--known-hosts",
        str(server.known_hosts),
    ]


def test_probe_ssh_log_command(sshd_server: SshdServer, ssh_files: Path) -> None:
    log = ssh_files / "app.log"
    write(log, "boot\nERROR disk full\nok\nERROR disk full\n")
    done = monitord(
        "probe",
        "ssh-log",
        *connection_args(sshd_server),
        "--file",
        str(log),
        "--pattern",
        "disk full",
        "--json",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [result] = json.loads(done.stdout)
    assert result["fields"]["rule_pattern_1"] == 2
    assert result["fields"]["lines"] == 4
    assert result["evidence"] == [f"[error pattern_1] {log}: ERROR disk full (repeated 2x)"]


def test_probe_ssh_log_command_reports_bad_input_and_failures(
    sshd_server: SshdServer, ssh_files: Path
) -> None:
    bad = monitord("probe", "ssh-log", *connection_args(sshd_server), "--file", "relative.log")
    assert bad.returncode == 2
    assert "files: Value error, 'relative.log' is not an absolute path" in bad.stdout
    unknown = monitord(
        "probe",
        "ssh-log",
        "127.0.0.1",
        "--port",
        str(sshd_server.port),
        "--user",
        sshd_server.user,
        "--key",
        str(sshd_server.client_key),
        "--known-hosts",
        str(ssh_files / "empty"),
        "--file",
        "/etc/hostname",
    )
    assert unknown.returncode == 1
    assert "unknown: offered SHA256:" in unknown.stdout


def test_probe_backup_command(sshd_server: SshdServer, ssh_files: Path) -> None:
    for name, size in (("db-1.dump", 100), ("db-2.dump", 40)):
        (ssh_files / name).write_bytes(b"x" * size)
        (ssh_files / name).chmod(0o644)
        time.sleep(0.01)
    os.utime(ssh_files / "db-1.dump", (time.time() - 3600, time.time() - 3600))
    done = monitord(
        "probe",
        "backup",
        *connection_args(sshd_server),
        "--dir",
        str(ssh_files),
        "--pattern",
        "db-*.dump",
        "--verify",
        "test -s {path}",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "shrank 60%" in done.stdout
    assert "verify_ok=1" in done.stdout


async def test_daemon_runs_both_kinds_on_one_connection(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path
) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    (ssh_files / "db.dump").write_bytes(b"x" * 10)
    (ssh_files / "db.dump").chmod(0o644)
    ssh = {
        "port": sshd_server.port,
        "username": sshd_server.user,
        "client_keys": [str(sshd_server.client_key)],
        "known_hosts": str(sshd_server.known_hosts),
        "interval": "1s",
        "timeout": "10s",
    }
    document = base_config(
        tmp_path,
        targets=[
            {
                "name": "db-server",
                "address": "127.0.0.1",
                "site": "hq",
                "probes": {
                    "ssh_log": {**ssh, "files": [str(log)]},
                    "backup": {**ssh, "directory": str(ssh_files), "pattern": "*.dump"},
                },
            }
        ],
    )
    async with running_daemon(document) as daemon:
        deadline = time.monotonic() + 20
        # The first run only notes where the file ends; the error comes after it.
        while ("db-server", "ssh_log") not in daemon.scheduler.last_results():
            assert time.monotonic() < deadline, "no ssh_log run within 20 s"
            await asyncio.sleep(0.1)
        first = daemon.scheduler.last_results()[("db-server", "ssh_log")]
        assert first.ok, first.reason
        write(log, "fatal: replication broken\n")
        seen_errors = 0
        while time.monotonic() < deadline and seen_errors == 0:
            await asyncio.sleep(0.2)
            results = daemon.scheduler.last_results()
            last = results.get(("db-server", "ssh_log"))
            if last is not None and last.fields.get("rule_error"):
                seen_errors = int(last.fields["rule_error"])
                assert "fatal: replication broken" in last.evidence[0]
        assert seen_errors == 1
        backup = daemon.scheduler.last_results()[("db-server", "backup")]
        assert backup.ok, backup.reason
        shared = pool_module._shared
        assert shared is not None
        assert shared.open_connections() == 1
    assert pool_module._shared is None  # the last kind to close shut the pool
