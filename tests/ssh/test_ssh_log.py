"""ssh_log against a real OpenSSH sshd: appends, partial lines, rotation, truncation, globs, budgets."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import pytest

from monitord.cli.output import run_with_deadline
from monitord.ssh.pool import SshPool
from probes.ssh_log import SshLogProbe, SshLogSettings
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import TARGET, connection, write

pytestmark = pytest.mark.root


def settings(server: SshdServer, files: list[str], **extra: object) -> SshLogSettings:
    return SshLogSettings.model_validate(connection(server, files=files, **extra))


async def test_first_run_starts_at_end_then_reads_only_appends(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "old error that happened before monitoring\n")
    config = settings(sshd_server, [str(log)])

    first = await log_probe.probe(TARGET, config)
    assert first.ok, first.reason
    assert first.fields["lines"] == 0
    assert first.fields["rule_error"] == 0

    write(log, "all fine\nkernel: Out of memory: Killed process 42\nERROR db down\n")
    second = await log_probe.probe(TARGET, config)
    assert second.fields["lines"] == 3
    assert second.fields["rule_oom"] == 1
    assert second.fields["rule_error"] == 1
    assert second.fields["severity_critical"] == 1
    assert second.fields["severity_error"] == 1
    assert second.evidence[0].startswith("[critical oom]")
    assert "ERROR db down" in second.evidence[1]

    third = await log_probe.probe(TARGET, config)
    assert third.fields["lines"] == 0
    assert third.fields["rule_error"] == 0
    assert third.evidence == ()


async def test_half_written_line_waits_for_its_newline(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    config = settings(sshd_server, [str(log)])
    await log_probe.probe(TARGET, config)
    write(log, "first line\nfatal: half")
    partial = await log_probe.probe(TARGET, config)
    assert partial.fields["lines"] == 1
    assert partial.fields["rule_error"] == 0
    write(log, " written\n")
    done = await log_probe.probe(TARGET, config)
    assert done.fields["lines"] == 1
    assert done.fields["rule_error"] == 1
    assert "fatal: half written" in done.evidence[0]


async def test_rotation_finishes_old_file_then_reads_new_one(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "syslog"
    write(log, "start\n")
    config = settings(sshd_server, [str(log)])
    await log_probe.probe(TARGET, config)
    write(log, "error before rotation\n")
    log.rename(ssh_files / "syslog.1")
    write(log, "error after rotation\nfine\n", mode="w")

    result = await log_probe.probe(TARGET, config)
    assert result.fields["rotations"] == 1
    assert result.fields["rotations_lost"] == 0
    assert result.fields["rule_error"] == 2
    assert result.fields["lines"] == 3
    text = "\n".join(result.evidence)
    assert "error before rotation" in text
    assert "error after rotation" in text

    write(log, "error later\n")
    later = await log_probe.probe(TARGET, config)
    assert later.fields["rotations"] == 0
    assert later.fields["rule_error"] == 1


async def test_rotation_with_old_file_gone_reads_new_file_from_start(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "start\n")
    config = settings(sshd_server, [str(log)])
    await log_probe.probe(TARGET, config)
    log.unlink()
    write(log, "segfault in new file\n", mode="w")
    result = await log_probe.probe(TARGET, config)
    assert result.fields["rotations"] == 1
    assert result.fields["rotations_lost"] == 1
    assert result.fields["rule_error"] == 1


async def test_truncation_reads_from_start(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "x" * 200 + "\n")
    config = settings(sshd_server, [str(log)])
    await log_probe.probe(TARGET, config)
    inode = os.stat(log).st_ino
    with log.open("r+") as handle:  # copytruncate: same inode, size to 0
        handle.truncate(0)
    write(log, "panic after truncate\n")
    assert os.stat(log).st_ino == inode
    result = await log_probe.probe(TARGET, config)
    assert result.fields["truncations"] == 1
    assert result.fields["rotations"] == 0
    assert result.fields["rule_error"] == 1


async def test_globs_skip_compressed_and_numbered_files(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    for name in ("a.log", "b.log"):
        write(ssh_files / name, "")
    write(ssh_files / "a.log.1", "")
    (ssh_files / "a.log.2.gz").write_bytes(gzip.compress(b"error in archive\n"))
    (ssh_files / "a.log.2.gz").chmod(0o644)
    config = settings(sshd_server, [f"{ssh_files}/*.log*"])
    first = await log_probe.probe(TARGET, config)
    assert first.fields["files"] == 2
    for name in ("a.log", "b.log", "a.log.1"):
        write(ssh_files / name, "error\n")
    second = await log_probe.probe(TARGET, config)
    assert second.fields["rule_error"] == 2
    assert second.fields["files"] == 2


async def test_bytes_per_run_are_bounded_and_backlog_reported(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "big.log"
    write(log, "")
    config = settings(sshd_server, [str(log)], max_bytes_per_run=8192)
    await log_probe.probe(TARGET, config)
    write(log, "error line number 000\n" * 1000)  # 22 000 bytes
    runs = [await log_probe.probe(TARGET, config) for _ in range(3)]
    assert [r.fields["lines"] for r in runs] == [372, 372, 256]
    assert runs[0].fields["backlog_bytes"] == 22000 - 372 * 22
    assert runs[2].fields["backlog_bytes"] == 0
    assert sum(int(r.fields["rule_error"]) for r in runs) == 1000
    # 372 identical lines up to numbers collapse into one evidence entry
    assert runs[0].evidence == (f"[error error] {log}: error line number 000 (repeated 372x)",)


async def test_evidence_is_capped(sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    config = settings(sshd_server, [str(log)], max_evidence_lines=3)
    await log_probe.probe(TARGET, config)
    write(log, "".join(f"error kind {chr(97 + i)}\n" for i in range(10)))
    result = await log_probe.probe(TARGET, config)
    assert result.fields["rule_error"] == 10
    assert len(result.evidence) == 4
    assert result.evidence[-1] == "... 7 more matching lines not shown"


async def test_missing_file_is_data_on_a_successful_run(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    present = ssh_files / "present.log"
    write(present, "")
    config = settings(sshd_server, [str(present), str(ssh_files / "absent.log")])
    result = await log_probe.probe(TARGET, config)
    assert result.ok  # the server was reached and looked at: what was found is in the fields
    assert result.fields["up"] == 1
    assert result.reason == f"missing: {ssh_files / 'absent.log'}"
    assert result.fields["files"] == 1
    assert result.fields["files_missing"] == 1


async def test_custom_rules_per_file(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    web, db = ssh_files / "web.log", ssh_files / "db.log"
    write(web, "")
    write(db, "")
    rules = [
        {"name": "http_5xx", "pattern": r'" 5\d\d ', "severity": "warning", "files": [str(web)]},
        {"name": "deadlock", "pattern": "deadlock detected", "severity": "critical"},
    ]
    config = settings(sshd_server, [str(web), str(db)], rules=rules)
    await log_probe.probe(TARGET, config)
    write(web, '"GET /" 503 12\n"GET /" 200 5\n')
    write(db, '"x" 500 deadlock detected\n')
    result = await log_probe.probe(TARGET, config)
    assert result.fields["rule_http_5xx"] == 1
    assert result.fields["rule_deadlock"] == 1
    assert result.fields["severity_warning"] == 1
    assert result.fields["severity_critical"] == 1
    assert "rule_error" not in result.fields


async def test_one_connection_is_reused_across_runs(
    sshd_server: SshdServer, ssh_files: Path, pool: SshPool, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    config = settings(sshd_server, [str(log)])
    for _ in range(5):
        result = await log_probe.probe(TARGET, config)
        assert result.ok, result.reason
    assert pool.connects == 1
    assert pool.open_connections() == 1


async def test_unreadable_file_is_reported_and_others_are_still_read(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    secret, public = ssh_files / "secret.log", ssh_files / "public.log"
    write(secret, "")
    write(public, "")
    config = settings(sshd_server, [str(secret), str(public)])
    await log_probe.probe(TARGET, config)
    write(secret, "error in root-only file\n")
    secret.chmod(0o600)  # owned by root: the test user may stat it but not open it
    write(public, "error in readable file\n")
    result = await log_probe.probe(TARGET, config)
    assert result.ok
    assert result.reason == f"cannot read {secret}: Permission denied"
    assert result.fields["files_unreadable"] == 1
    assert result.fields["rule_error"] == 1
    secret.chmod(0o644)
    again = await log_probe.probe(TARGET, config)
    assert again.ok and again.reason is None, again.reason
    assert again.fields["rule_error"] == 1  # the line is read once access is back, not lost


async def test_runs_cut_by_the_deadline_lose_and_repeat_nothing(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    config = settings(sshd_server, [str(log)])
    assert (await log_probe.probe(TARGET, config)).ok
    written = counted = timeouts = 0
    for step in range(12):
        write(log, "error number 1\n" * 50)
        written += 50
        cut = config.model_copy(update={"timeout": 0.0005 * (step + 1)})
        [result] = await run_with_deadline(log_probe, TARGET, cut)
        if result.ok:
            counted += int(result.fields["rule_error"])
        else:
            assert result.reason is not None and result.reason.startswith("timeout after")
            timeouts += 1
    assert timeouts >= 1
    [final] = await run_with_deadline(log_probe, TARGET, config)
    assert final.ok, final.reason
    assert counted + int(final.fields["rule_error"]) == written


async def test_rotation_with_a_backlog_finishes_the_old_file_over_several_runs(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    config = settings(sshd_server, [str(log)], max_bytes_per_run=8192)
    await log_probe.probe(TARGET, config)
    write(log, "error in the old file 00\n" * 800)  # 20 000 bytes, more than two runs' budget
    log.rename(ssh_files / "app.log.1")
    write(log, "fatal in the new file\n", mode="w")
    runs = [await log_probe.probe(TARGET, config) for _ in range(4)]
    assert [r.fields["rule_error"] for r in runs] == [327, 327, 146 + 1, 0]
    assert runs[0].fields["rotations"] == 1
    assert runs[0].fields["backlog_bytes"] == 20000 - 327 * 25 + 22
    assert runs[2].fields["backlog_bytes"] == 0
    assert "fatal in the new file" in "\n".join(runs[2].evidence)


async def test_start_at_tail_and_beginning(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe
) -> None:
    log = ssh_files / "app.log"
    write(log, "".join(f"error line {i:04d}\n" for i in range(1000)))  # 16 000 bytes
    tail = await log_probe.probe(
        TARGET, settings(sshd_server, [str(log)], start_at="tail", max_bytes_per_run=4096)
    )
    # the last 4096 bytes are 256 whole lines; one byte more starts inside a line, skipped
    assert tail.fields["rule_error"] == 4096 // 16
    log_probe.forget(TARGET.name)
    third = TARGET.__class__(name="third", address=TARGET.address, site=TARGET.site)
    odd = await log_probe.probe(
        third, settings(sshd_server, [str(log)], start_at="tail", max_bytes_per_run=4100)
    )
    assert odd.fields["rule_error"] == 4096 // 16
    log_probe.forget(TARGET.name)
    other = TARGET.__class__(name="other", address=TARGET.address, site=TARGET.site)
    beginning = await log_probe.probe(other, settings(sshd_server, [str(log)], start_at="beginning"))
    assert beginning.fields["rule_error"] == 1000


async def test_large_reads_are_scanned_off_the_event_loop(
    sshd_server: SshdServer, ssh_files: Path, log_probe: SshLogProbe, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import probes.ssh_log as ssh_log_module

    scanned_on: list[tuple[int, bool]] = []
    real_scan = ssh_log_module.scan

    def recording_scan(text: str, *args: Any) -> None:
        scanned_on.append((len(text), threading.current_thread() is threading.main_thread()))
        real_scan(text, *args)

    monkeypatch.setattr(ssh_log_module, "scan", recording_scan)
    log = ssh_files / "app.log"
    write(log, "")
    config = settings(sshd_server, [str(log)])
    await log_probe.probe(TARGET, config)

    write(log, "small\nERROR one\n")
    small = await log_probe.probe(TARGET, config)
    assert small.fields["rule_error"] == 1 and small.fields["lines"] == 2
    assert scanned_on == [(16, True)]  # a small block is scanned inline

    filler = "routine line that matches no rule at all, padding the file out\n"
    count = (ssh_log_module.INLINE_SCAN_BYTES // len(filler)) + 10
    write(log, filler * count + "ERROR two\nkernel: Out of memory: Killed process 7\n")
    large = await log_probe.probe(TARGET, config)
    assert large.fields["lines"] == count + 2
    assert large.fields["rule_error"] == 1 and large.fields["rule_oom"] == 1
    assert any("ERROR two" in line for line in large.evidence)
    assert len(scanned_on) == 2
    size, on_main = scanned_on[1]
    assert size > ssh_log_module.INLINE_SCAN_BYTES and not on_main  # a large one in a worker thread
