"""Rule coverage, backups: files in a directory the session's real sshd serves go missing,
stale, shrink, come out too small or fail their checksum; and the server becomes unreachable."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.forwarder import Forwarder
from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import running, wait_probed
from tests.servers.receiver import Receiver
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import connection

pytestmark = pytest.mark.root

TARGET = "backup-server"
HOUR = 3600.0


def backup_target(ssh: dict[str, Any], folder: Path, **extra: Any) -> dict[str, Any]:
    settings = {
        **ssh,
        "directory": str(folder),
        "pattern": "erp-*.dump",
        "interval": "0.5s",
        "timeout": "10s",
        **extra,
    }
    settings["client_keys"] = [str(k) for k in settings["client_keys"]]
    settings["known_hosts"] = str(settings["known_hosts"])
    return {"name": TARGET, "address": "127.0.0.1", "site": "head-office", "probes": {"backup": settings}}


def direct(sshd: SshdServer) -> dict[str, Any]:
    ssh = connection(sshd)
    del ssh["timeout"]
    return ssh


def make_backup(folder: Path, name: str, size: int, age_hours: float) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    path.chmod(0o644)
    age(path, age_hours)
    return path


def age(path: Path, hours: float) -> None:
    stamp = time.time() - hours * HOUR
    os.utime(path, (stamp, stamp))


@pytest.mark.rule_coverage("backup-missing")
async def test_backup_missing(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    make_backup(ssh_files, "erp-1.dump", 1000, age_hours=1)
    doc = matrix_doc(tmp_path, [backup_target(direct(sshd_server), ssh_files)], receiver)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "backup-missing", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="backup")
        await incident.no_news_yet()
        (ssh_files / "erp-1.dump").unlink()
        await incident.fired()
        assert "no backup file found" in receiver.messages[0].body
        make_backup(ssh_files, "erp-1.dump", 1000, age_hours=0)
        await incident.resolved()


@pytest.mark.rule_coverage("backup-stale")
async def test_backup_stale(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    backup = make_backup(ssh_files, "erp-1.dump", 1000, age_hours=1)
    doc = matrix_doc(tmp_path, [backup_target(direct(sshd_server), ssh_files, max_age="26h")], receiver)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "backup-stale", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="backup")
        await incident.no_news_yet()
        age(backup, 30)  # tonight's run did not happen
        await incident.fired()
        assert "is stale: 30.0h old" in receiver.messages[0].body
        age(backup, 0)
        await incident.resolved()


@pytest.mark.rule_coverage("backup-shrunken")
async def test_backup_shrunken(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    make_backup(ssh_files, "erp-1.dump", 10_000, age_hours=25)
    make_backup(ssh_files, "erp-2.dump", 9_500, age_hours=1)
    doc = matrix_doc(tmp_path, [backup_target(direct(sshd_server), ssh_files)], receiver)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "backup-shrunken", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="backup")
        await incident.no_news_yet()
        make_backup(ssh_files, "erp-3.dump", 1_000, age_hours=0)  # 89 % smaller than the one before
        await incident.fired()
        assert "shrank 89%" in receiver.messages[0].body
        make_backup(ssh_files, "erp-4.dump", 9_800, age_hours=-0.01)  # a good one after it
        await incident.resolved()


@pytest.mark.rule_coverage("backup-too-small")
async def test_backup_too_small(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    make_backup(ssh_files, "erp-1.dump", 2_000, age_hours=1)
    # max_shrink 1: this job's sizes vary, only the floor matters (else backup-shrunken fires too)
    doc = matrix_doc(
        tmp_path, [backup_target(direct(sshd_server), ssh_files, min_size="1KB", max_shrink=1.0)], receiver
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "backup-too-small", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="backup")
        await incident.no_news_yet()
        make_backup(ssh_files, "erp-2.dump", 10, age_hours=0)
        await incident.fired()
        assert "is 10 bytes, below the minimum 1000" in receiver.messages[0].body
        make_backup(ssh_files, "erp-3.dump", 2_000, age_hours=-0.01)
        await incident.resolved()


@pytest.mark.rule_coverage("backup-unverified")
async def test_backup_unverified(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    backup = make_backup(ssh_files, "erp-1.dump", 5_000, age_hours=1)
    checksum = ssh_files / "erp-1.dump.sha256"
    good = f"{hashlib.sha256(backup.read_bytes()).hexdigest()}  erp-1.dump\n"
    checksum.write_text(good)
    checksum.chmod(0o644)
    doc = matrix_doc(tmp_path, [backup_target(direct(sshd_server), ssh_files, checksum="sha256")], receiver)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "backup-unverified", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="backup")
        await incident.no_news_yet()
        checksum.write_text("0" * 64 + "  erp-1.dump\n")  # the backup no longer matches its checksum
        await incident.fired()
        assert "checksum mismatch" in receiver.messages[0].body
        checksum.write_text(good)
        await incident.resolved()


@pytest.mark.rule_coverage("backup-host-unreachable")
async def test_backup_host_unreachable(
    ssh_path: Forwarder, ssh_files: Path, tmp_path: Path, receiver: Receiver
) -> None:
    make_backup(ssh_files, "erp-1.dump", 1000, age_hours=1)
    doc = matrix_doc(
        tmp_path,
        [backup_target(ssh_path.settings(), ssh_files)],
        receiver,
        built_in("backup-host-unreachable", for_="0s"),
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "backup-host-unreachable", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="backup")
        await incident.no_news_yet()
        await ssh_path.close()
        await incident.fired()
        assert "backups cannot be checked: " in receiver.messages[0].body
        await ssh_path.open()
        await incident.resolved()
