"""backup against a real sshd: fresh, stale, shrunken, missing, too small, checksum and verify command."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from monitord.ssh.backup_history import BackupHistory
from monitord.ssh.backups import BackupFile
from monitord.store.engine import StateStore
from probes.backup import BackupProbe, BackupSettings
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import TARGET, connection

pytestmark = pytest.mark.root

HOUR = 3600.0


def make_backup(folder: Path, name: str, size: int, age_hours: float) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    path.chmod(0o644)
    stamp = time.time() - age_hours * HOUR
    os.utime(path, (stamp, stamp))
    return path


def backup_settings(server: SshdServer, folder: Path, **extra: object) -> BackupSettings:
    fields = connection(server, directory=str(folder), pattern="db-*.sql.gz")
    fields.update(extra)
    return BackupSettings.model_validate(fields)


async def test_fresh_backup_passes(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    make_backup(ssh_files, "db-1.sql.gz", 1000, age_hours=25)
    make_backup(ssh_files, "db-2.sql.gz", 1010, age_hours=1)
    make_backup(ssh_files, "other.txt", 5, age_hours=0)
    result = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files, min_size="1KB"))
    assert result.ok and result.reason is None, result.reason
    assert result.fields["files"] == 2
    assert result.fields["size_bytes"] == 1010
    assert result.fields["previous_size_bytes"] == 1000
    assert 3500 < float(result.fields["age_s"]) < 3700
    assert (result.fields["missing"], result.fields["stale"], result.fields["shrunk"]) == (0, 0, 0)
    assert result.tags["directory"] == str(ssh_files)


async def test_stale_backup_is_found(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    make_backup(ssh_files, "db-1.sql.gz", 1000, age_hours=30)
    result = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files, max_age="26h"))
    assert result.ok and result.reason, result  # reached: the problem is data
    assert result.fields["up"] == 1
    assert result.fields["stale"] == 1
    assert result.reason is not None and "is stale: 30.0h old" in result.reason


async def test_due_by_a_daily_time(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    # due at the current minute: the backup must be newer than this time yesterday
    now = time.gmtime()
    due = f"{now.tm_hour:02d}:{now.tm_min:02d}"
    make_backup(ssh_files, "db-1.sql.gz", 100, age_hours=23)
    fresh = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files, due_by=due))
    assert fresh.ok and fresh.reason is None, fresh.reason
    make_backup(ssh_files, "db-1.sql.gz", 100, age_hours=24.2)
    stale = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files, due_by=due))
    assert stale.fields["stale"] == 1


async def test_shrunken_backup_is_found(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    make_backup(ssh_files, "db-1.sql.gz", 10_000, age_hours=25)
    make_backup(ssh_files, "db-2.sql.gz", 6_000, age_hours=1)
    result = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files, max_shrink=0.3))
    assert result.ok and result.reason, result  # reached: the problem is data
    assert result.fields["shrunk"] == 1
    assert result.fields["shrink_share"] == 0.4
    assert result.reason is not None and "shrank 40%" in result.reason
    allowed = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files, max_shrink=0.5))
    assert allowed.ok and allowed.reason is None, allowed.reason


async def test_missing_and_too_small(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    missing = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files))
    assert missing.ok and missing.reason, missing  # reached: the problem is data
    assert missing.fields["missing"] == 1
    assert missing.reason == "no backup file found"
    no_dir = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files / "nope"))
    assert no_dir.ok and no_dir.reason, no_dir  # reached: the problem is data
    assert no_dir.fields["missing"] == 1
    assert no_dir.reason is not None and "cannot list" in no_dir.reason
    make_backup(ssh_files, "db-1.sql.gz", 10, age_hours=1)
    small = await backup_probe.probe(TARGET, backup_settings(sshd_server, ssh_files, min_size="1MiB"))
    assert small.fields["too_small"] == 1
    assert small.reason is not None and "below the minimum 1048576" in small.reason


async def test_checksum_file_and_verify_command(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    backup = make_backup(ssh_files, "db-1.sql.gz", 5000, age_hours=1)
    checksum = ssh_files / "db-1.sql.gz.sha256"
    checksum.write_text(f"{hashlib.sha256(backup.read_bytes()).hexdigest()}  db-1.sql.gz\n")
    checksum.chmod(0o644)
    good = await backup_probe.probe(
        TARGET,
        backup_settings(sshd_server, ssh_files, checksum="sha256", verify_command=["test", "-s", "{path}"]),
    )
    assert good.ok and good.reason is None, good.reason
    assert (good.fields["checksum_ok"], good.fields["verify_ok"], good.fields["verified"]) == (1, 1, 1)

    checksum.write_text("0" * 64 + "  db-1.sql.gz\n")
    bad = await backup_probe.probe(
        TARGET,
        backup_settings(sshd_server, ssh_files, checksum="sha256", verify_command=["gzip", "-t", "{path}"]),
    )
    assert bad.ok and bad.reason, bad  # reached: the problem is data
    assert (bad.fields["checksum_ok"], bad.fields["verify_ok"], bad.fields["verified"]) == (0, 0, 0)
    assert bad.reason is not None
    assert "checksum mismatch" in bad.reason
    assert "verify command gzip failed (exit 1)" in bad.reason


async def test_verify_command_arguments_are_not_interpreted_by_a_shell(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    make_backup(ssh_files, "db-1.sql.gz", 50, age_hours=1)
    ssh_files.chmod(0o777)  # the test user could create the marker, if a shell ever ran it
    marker = ssh_files / "pwned"
    settings = backup_settings(
        sshd_server, ssh_files, verify_command=["test", "-s", f"{{path}}; touch {marker}"]
    )
    result = await backup_probe.probe(TARGET, settings)
    assert result.ok and result.reason, result  # reached: the problem is data
    assert result.fields["verify_ok"] == 0
    assert not marker.exists()


async def test_a_backup_overwriting_one_file_is_compared_with_its_last_generation(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    settings = backup_settings(sshd_server, ssh_files, pattern="erp.dump")
    make_backup(ssh_files, "erp.dump", 10_000, age_hours=24)
    first = await backup_probe.probe(TARGET, settings)
    assert first.ok and first.reason is None, first.reason
    assert "previous_size_bytes" not in first.fields
    make_backup(ssh_files, "erp.dump", 9_500, age_hours=0)  # tonight's run, 5 % smaller: fine
    second = await backup_probe.probe(TARGET, settings)
    assert second.ok and second.reason is None, second.reason
    assert second.fields["previous_size_bytes"] == 10_000
    make_backup(ssh_files, "erp.dump", 1_000, age_hours=-1)  # the next night's: shrank 89 %
    third = await backup_probe.probe(TARGET, settings)
    assert third.fields["shrunk"] == 1
    assert third.fields["previous_size_bytes"] == 9_500
    again = await backup_probe.probe(TARGET, settings)  # same generation: same verdict, no drift
    assert again.fields["previous_size_bytes"] == 9_500


async def test_backup_generations_survive_a_restart(state_store: StateStore) -> None:
    before = BackupHistory("backup", state_store)
    assert await before.previous_of("db", "/b/erp.dump", BackupFile("/b/erp.dump", 100, 1.0)) is None
    assert await before.previous_of("db", "/b/erp.dump", BackupFile("/b/erp.dump", 90, 2.0)) == BackupFile(
        "/b/erp.dump", 100, 1.0
    )
    after = BackupHistory("backup", state_store)  # a new process
    assert await after.previous_of("db", "/b/erp.dump", BackupFile("/b/erp.dump", 90, 2.0)) == BackupFile(
        "/b/erp.dump", 100, 1.0
    )
    assert await after.previous_of("db", "/b/erp.dump", BackupFile("/b/erp.dump", 80, 3.0)) == BackupFile(
        "/b/erp.dump", 90, 2.0
    )
