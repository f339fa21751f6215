"""A run cut by the scheduler's deadline carries the tags of every other run of that target.

An alert's identity includes the result's tags (``host``, ``directory``); a timeout result
with fewer tags opens an alert that no later answer can resolve.
"""

from __future__ import annotations

from pathlib import Path

from probes.backup import BackupProbe, BackupSettings
from probes.ssh_log import SshLogProbe, SshLogSettings
from tests.servers.processes import free_port
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import TARGET, connection


async def test_ssh_log_timeout_has_the_tags_of_an_answered_run(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    settings = SshLogSettings.model_validate(connection(sshd_server, files=[str(ssh_files / "a.log")]))
    answered = await log_probe.probe(TARGET, settings)
    assert answered.ok
    assert log_probe.timeout_result(TARGET, settings).tags == answered.tags


async def test_backup_timeout_has_the_tags_of_a_failed_run(
    sshd_server: SshdServer, ssh_files: Path, backup_probe: BackupProbe
) -> None:
    unreachable = connection(sshd_server, port=free_port(), directory=str(ssh_files), pattern="*.gz")
    settings = BackupSettings.model_validate(unreachable)
    failed = await backup_probe.probe(TARGET, settings)
    assert not failed.ok and "directory" in failed.tags
    assert backup_probe.timeout_result(TARGET, settings).tags == failed.tags
